"""`verify scan` on a real Dask cluster (a LocalCluster of 2 worker processes, one per session): the
same reports as a serial scan, a worker killed with SIGKILL mid-scan, a clip that kills every worker
it lands on, workers that cannot reach the files, and the command line's --workers / --dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from conftest import FIXTURES
from verify.scan import ScanOptions, Task, analyse_task, run_scan
from verify.scan_dask import DIED, ClusterError, check_workers


@pytest.fixture(scope="session")
def cluster():
    """2 worker processes, one thread each; a task fails after killing 2 workers (allowed-failures 1)."""
    import dask
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=50)
    client = Client(local)
    yield local, client
    client.close()
    local.close()


@pytest.fixture
def archive(tmp_path) -> Path:
    """Videos (two named clip.mp4), a photo, a truncated and a damaged file, in sub-folders."""
    root = tmp_path / "archive"
    (root / "a").mkdir(parents=True)
    (root / "b" / "deeper").mkdir(parents=True)
    shutil.copy(FIXTURES / "rotated.mp4", root / "a" / "clip.mp4")
    shutil.copy(FIXTURES / "cup.mp4", root / "b" / "clip.mp4")
    shutil.copy(FIXTURES / "truncated.mp4", root / "b" / "truncated.mp4")
    shutil.copy(FIXTURES / "photo.jpg", root / "b" / "deeper" / "Photo.JPG")
    (root / "b" / "broken.mov").write_bytes(b"\x00\x01garbage, not a video\n" * 200)
    shutil.copy(FIXTURES / "cuts.mp4", root / "cuts.mp4")
    return root


def without_timings(path: Path) -> dict:
    data = json.loads(path.read_text())
    analysis = data.get("analysis", {})
    for key in ("seconds", "analysed_at"):
        analysis.pop(key, None)
    analysis.get("decode", {}).pop("seconds", None)
    return data


def outputs(out: Path) -> dict:
    return {p.name: without_timings(p) for p in sorted(out.glob("*.json")) if not p.name.startswith(".")}


def rows(result) -> list:
    return [(o.rel, o.status, o.sha256, o.json, o.flags, o.shots, o.reused, o.error) for o in result.outcomes]


def test_same_reports_as_a_serial_scan(archive, tmp_path, cluster):
    local, _ = cluster
    serial = run_scan(archive, tmp_path / "serial", ScanOptions(jobs=1))
    seen = []
    spread = run_scan(archive, tmp_path / "dask", ScanOptions(dask=local.scheduler_address),
                      progress=lambda o, done, total: seen.append((done, total)))
    assert rows(spread) == rows(serial) and spread.exit_code == serial.exit_code == 2  # broken.mov
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "serial") and len(outputs(tmp_path / "serial")) == 5
    assert seen == [(n, 6) for n in range(1, 7)] and spread.retried == []
    again = run_scan(archive, tmp_path / "dask", ScanOptions(dask=local.scheduler_address))  # the same cache
    assert {o.rel: o.status for o in again.outcomes if o.status != "error"} == {
        o.rel: "unchanged" for o in serial.outcomes if o.status != "error"}


def killed_once(task: Task):
    """Kills its own worker process (SIGKILL) the first time it meets b/clip.mp4, mid-scan."""
    marker = Path(task.outdir) / ".killed-once"
    if task.rel == "b/clip.mp4" and not marker.exists():
        marker.write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)
    return analyse_task(task)


def test_a_worker_killed_mid_scan_loses_nothing(archive, tmp_path, cluster):
    local, _ = cluster
    serial = run_scan(archive, tmp_path / "serial", ScanOptions(jobs=1))
    result = run_scan(archive, tmp_path / "dask", ScanOptions(dask=local.scheduler_address), worker=killed_once)
    assert (tmp_path / "dask" / ".killed-once").exists()  # a worker really died
    assert rows(result) == rows(serial)
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "serial")
    assert "b/clip.mp4" in result.retried


def always_dies(task: Task):
    if task.rel == "crash.jpg":
        os.kill(os.getpid(), signal.SIGKILL)
    return analyse_task(task)


def test_a_clip_that_kills_every_worker_is_an_error_row(tmp_path, cluster):
    local, client = cluster
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a.jpg", "crash.jpg", "z.jpg"):
        shutil.copy(FIXTURES / "photo.jpg", root / name)
    result = run_scan(root, tmp_path / "out", ScanOptions(dask=local.scheduler_address), worker=always_dies)
    assert {o.rel: (o.status, o.error) for o in result.outcomes} == {
        "a.jpg": ("analysed", None), "crash.jpg": ("error", DIED), "z.jpg": ("analysed", None)}
    assert result.exit_code == 2 and "crash.jpg" in result.retried
    client.wait_for_workers(2, timeout=60)  # the nannies brought the killed workers back


def test_a_worker_that_cannot_reach_the_files_says_so(tmp_path, cluster):
    _, client = cluster
    task = Task(src=str(tmp_path / "not-shared" / "clip.mp4"), rel="clip.mp4", stem="clip", outdir=str(tmp_path),
                html=None, index=None, options_key="k")
    with pytest.raises(ClusterError, match=r"^worker tcp://\S+ cannot read .*clip\.mp4 \(No such file or directory\)"
                                           r": the archive and --out must be on storage every worker reaches"):
        check_workers(client, [task], str(tmp_path))
    with pytest.raises(ClusterError, match="cannot write into"):
        check_workers(client, [], str(tmp_path / "missing"))


def test_command_line_workers_with_an_index_on_postgresql(tmp_path, postgres_url):
    add = subprocess.run([sys.executable, "-m", "verify", "index", "add", str(FIXTURES / "cup.mp4"), "--index",
                          postgres_url], capture_output=True, text=True, timeout=300)
    assert add.returncode == 0, add.stderr
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(FIXTURES / "ministry.mp4", root / "ministry.mp4")
    shutil.copy(FIXTURES / "photo.jpg", root / "photo.jpg")
    junit = tmp_path / "junit.xml"
    p = subprocess.run([sys.executable, "-m", "verify", "scan", str(root), "--out", str(tmp_path / "out"), "--workers",
                        "2", "--index", postgres_url, "--fail-on", "reused_footage", "--junit", str(junit)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr  # the reused shot fired --fail-on on the Dask workers
    assert "2 files: 2 analysed" in p.stdout and "reused_footage" in junit.read_text()
    p = subprocess.run([sys.executable, "-m", "verify", "scan", str(root), "--out", str(tmp_path / "o2"), "--dask",
                        "tcp://127.0.0.1:9", "-q"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.startswith("verify: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([sys.executable, "-m", "verify", "scan", str(root), "--out", str(tmp_path / "o3"), "--dask",
                        "tcp://127.0.0.1:9", "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "exclude each other" in p.stderr
