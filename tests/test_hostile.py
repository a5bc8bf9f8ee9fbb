"""Hostile input: mutated real fixtures never crash the front end; no network is ever touched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from verify.errors import InputError
from verify.limits import Limits
from verify.pipeline import Options, analyse

SEEDS = {name: (FIXTURES / name).read_bytes() for name in ("ministry.mp4", "rotated.mp4", "damaged.avi", "photo.jpg")}
EXAMPLES = int(os.environ.get("VERIFY_FUZZ_EXAMPLES", "30"))


def mutate(data: bytes, edits: list[tuple[float, int]], head_edits: list[tuple[int, int]],
           cut: float | None) -> bytes:
    out = bytearray(data)
    for where, value in edits:  # anywhere in the file
        out[min(len(out) - 1, int(where * len(out)))] = value
    for where, value in head_edits:  # container headers live at the start
        out[min(len(out) - 1, where)] = value
    if cut is not None:
        out = out[:max(1, int(cut * len(out)))]
    return bytes(out)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SEEDS)),
       edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=30),
       head_edits=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=12),
       cut=st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_mutated_fixtures_get_a_report_or_a_clean_input_error(tmp_path_factory, name, edits, head_edits, cut):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(mutate(SEEDS[name], edits, head_edits, cut))
    started = time.monotonic()
    try:
        report = analyse(path, Options(limits=Limits(max_duration_s=4.0, stall_s=20.0))).report
    except InputError as exc:
        assert exc.problem and "\n" not in exc.problem
    else:
        assert report.file.size_bytes == path.stat().st_size and report.shots
    assert time.monotonic() - started < 60


def test_no_network_access_at_run_time(tmp_path):
    """Run the real command with every socket call made to fail loudly: it must not notice."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _no(*a, **k):\n"
        "    open(%r, 'a').write('network used\\n')\n"
        "    raise OSError('network access attempted')\n"
        "socket.socket.connect = _no\n"
        "socket.socket.connect_ex = _no\n"
        "socket.create_connection = _no\n"
        "socket.getaddrinfo = _no\n" % str(tmp_path / "network.log"))
    env = {**os.environ, "PYTHONPATH": str(guard)}
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert probe.returncode != 0 and (tmp_path / "network.log").exists()  # the guard really catches use
    (tmp_path / "network.log").unlink()
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "ministry.mp4"), str(FIXTURES / "photo.jpg"),
                        "--keyframes", str(out), "--json", str(tmp_path / "r.json"), "-q"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / "network.log").exists()
    assert len(list(out.iterdir())) == 4  # 3 shots + 1 still: the work really ran


def test_unknown_codec_is_a_clean_input_error(tmp_path):
    """Found by benchmarks/fuzz.py: a mangled sample-entry fourcc left PyAV without a decoder."""
    data = (FIXTURES / "rotated.mp4").read_bytes()
    assert b"avc1" in data
    bad = tmp_path / "fourcc.mp4"
    bad.write_bytes(data.replace(b"avc1", b"zq91"))
    try:
        analyse(bad, Options())
    except InputError as exc:
        assert "codec" in exc.problem or "decod" in exc.problem
    else:
        raise AssertionError("a stream without a decoder was analysed")
