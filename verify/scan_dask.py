"""``verify scan --dask tcp://host:8786`` / ``--workers N``: the scan's files on a Dask cluster.

``scan.py`` finds the files, names the outputs, keeps the cache and writes the reports; this module
only runs its tasks (``scan.Task`` -> ``scan.Outcome``, the same ``analyse_task`` a local scan runs)
on Dask workers instead of local processes, so every report is the same whatever runs it.

* **Where.**  ``--dask ADDRESS`` uses an existing scheduler (``dask scheduler``; workers started with
  ``dask worker ADDRESS --nthreads 1``); ``--workers N`` starts a ``LocalCluster`` of N one-thread
  worker processes for this scan and stops it at the end.
* **Shared storage.**  A worker opens the clip by its path and writes the report into ``--out``
  itself, so the archive and the output folder must be at the same paths on every worker (NFS, a
  cluster file system, the same disk).  Before any work, every worker checks that it can read the
  first clip and write into ``--out`` (``check_workers``); a worker that cannot says so in one line
  and the scan stops before it starts (exit 2).
* **Batches.**  Clips go in batches (``batch_size``: about four batches per worker, at most
  ``MAX_BATCH`` clips), one Dask task each: a task costs the scheduler a few milliseconds, a clip
  seconds.  The client reports each clip as its batch comes back (progress lines, cache saves).
* **A worker that dies** (``kill -9``, the OOM killer, a crash inside a decoder): the scheduler
  gives its tasks to other workers (Dask's own retry, at most ``distributed.scheduler.allowed-failures``
  times a task; ``ALLOWED_FAILURES`` for ``--workers``).  A batch that killed more workers than that is
  split and each of its clips is sent alone, so the clip that kills its worker is named: when it
  has killed the allowed number of workers again it is reported as an error row, not retried again.
  ``DaskRun.retried`` lists the clips that were run again after a worker died (the summary says so).
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .scan import Outcome, Task

MAX_BATCH = 8
BATCHES_PER_WORKER = 4
#: worker deaths a task may cause before it is failed, for --workers (a scheduler of --dask has its own setting)
ALLOWED_FAILURES = 2
DIED = "the analysis process died (crash or out of memory) while reading this file"
#: --workers: worker processes set up as `--jobs` processes are.  Dask's defaults cost a local scan of
#: 24 clips 25.5 s against 19.1 s with --jobs 2; without them 15.4 s against 13.9 s (same load):
#: its sampling profiler (every 10 ms, for a dashboard we do not start) and the environment its
#: nanny gives workers (glibc returning freed memory at once, one OpenMP/BLAS thread).
LOCAL_CONFIG = {"distributed.worker.profile.enabled": False,
                **{f"distributed.nanny.pre-spawn-environ.{k}": None
                   for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}


class ClusterError(Exception):
    """The cluster cannot run this scan (no scheduler, no workers, a worker without the shared storage)."""


@dataclass
class DaskRun:
    workers: int
    retried: list[str] = field(default_factory=list)  # clips run again after a worker died


def batch_size(n_tasks: int, n_workers: int) -> int:
    """About ``BATCHES_PER_WORKER`` batches a worker, at most ``MAX_BATCH`` clips each."""
    return max(1, min(MAX_BATCH, math.ceil(n_tasks / max(1, n_workers * BATCHES_PER_WORKER))))


def run_batch(tasks: list[Task], worker: Callable[[Task], Outcome]) -> list[Outcome]:
    """(On a worker) analyse the clips of one batch, one after the other."""
    return [worker(t) for t in tasks]


def _can_reach(probe: str | None, outdir: str) -> str | None:
    """(On every worker) None when it can read ``probe`` and write into ``outdir``, else what is wrong."""
    if probe is not None:
        try:
            with open(probe, "rb") as fh:
                fh.read(1)
        except OSError as exc:
            return f"cannot read {probe} ({exc.strerror or exc})"
    try:
        fd, name = tempfile.mkstemp(dir=outdir, prefix=".verify-worker-check-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return f"cannot write into {outdir} ({exc.strerror or exc})"
    return None


def check_workers(client, tasks: list[Task], outdir: str) -> int:
    """Every worker can read the first clip and write into the output folder; returns how many
    workers there are.  Raises ``ClusterError`` naming the first worker that cannot (one line)."""
    from .provenance.source import is_url  # --urls: fetched by the worker itself, nothing to share

    files = [t.src for t in tasks if not is_url(t.src)]
    problems = client.run(_can_reach, files[0] if files else None, outdir)
    for address, problem in sorted(problems.items()):
        if problem:
            raise ClusterError(f"worker {address} {problem}: the archive and --out must be on storage every "
                               "worker reaches at the same path")
    return len(problems)


def _suspicious(dask_scheduler, keys: list[str]) -> dict[str, int]:
    """(On the scheduler) how many workers died while running each of ``keys``."""
    return {k: dask_scheduler.tasks[k].suspicious for k in keys if k in dask_scheduler.tasks}


def run_dask(tasks: list[Task], outdir: str, done: Callable[[Outcome], None], worker: Callable[[Task], Outcome],
             address: str | None = None, workers: int | None = None,
             allowed_failures: int = ALLOWED_FAILURES) -> DaskRun:
    """Run ``tasks`` on the scheduler at ``address``, or on a new local cluster of ``workers`` processes;
    ``done`` is called on the client for every outcome, as its batch comes back."""
    import dask
    from distributed import Client, LocalCluster, as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    cluster = None
    try:
        if address is None:
            with dask.config.set(LOCAL_CONFIG, **{"distributed.scheduler.allowed-failures": allowed_failures}):
                cluster = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
        try:
            client = Client(cluster if cluster is not None else address, timeout="10s")
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        with client:
            if cluster is None:
                try:
                    client.wait_for_workers(1, timeout=60)
                except (TimeoutError, OSError):
                    raise ClusterError(f"the Dask scheduler at {address} has no workers (start some with "
                                       f"`dask worker {address} --nthreads 1`)") from None
            n_workers = check_workers(client, tasks, outdir)
            run = DaskRun(workers=n_workers)
            size = batch_size(len(tasks), n_workers)
            scan_id = uuid.uuid4().hex[:8]
            batches: dict[str, list[Task]] = {}
            futures = []

            def submit(batch: list[Task], alone: bool = False) -> None:
                key = f"verify-scan-{scan_id}-{len(batches)}" + ("-alone" if alone else "")
                batches[key] = batch
                futures.append(client.submit(run_batch, batch, worker, key=key, pure=False, retries=0))

            for lo in range(0, len(tasks), size):
                submit(tasks[lo:lo + size])
            pending = as_completed(futures)
            retried: set[str] = set()
            for fut in pending:
                batch = batches[fut.key]
                try:
                    outcomes = fut.result()
                except KilledWorker:
                    if len(batch) > 1:  # find the clip that kills workers: each alone
                        for task in batch:
                            retried.add(task.rel)
                            submit([task], alone=True)
                            pending.add(futures[-1])
                        continue
                    outcomes = [Outcome(batch[0].rel, "error", error=DIED)]
                except (FutureCancelledError, OSError) as exc:  # the scheduler went away
                    outcomes = [Outcome(t.rel, "error", error=f"the Dask cluster stopped running it ({exc})")
                                for t in batch]
                for outcome in outcomes:
                    done(outcome)
            again = client.run_on_scheduler(_suspicious, keys=list(batches))
            for key, count in again.items():
                if count:
                    retried.update(t.rel for t in batches[key])
            order = {t.rel: i for i, t in enumerate(tasks)}
            run.retried = sorted(retried, key=lambda rel: order.get(rel, 0))
            return run
    finally:
        if cluster is not None:
            cluster.close()
