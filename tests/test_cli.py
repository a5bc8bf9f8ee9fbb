"""The command line as a user runs it: exit codes, one-line errors, JSON to stdout, several clips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

VERIFY = [sys.executable, "-m", "verify"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*VERIFY, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_main_command_writes_the_json_contract(tmp_path):
    out = tmp_path / "r.json"
    p = run(FIXTURES / "ministry.mp4", "--json", out, "--claimed-date", "2023-12-20")
    assert p.returncode == 0, p.stderr
    r = json.loads(out.read_text())
    for key in ("schema_version", "tool", "file", "media", "metadata", "flags", "shots", "scenes", "reused"):
        assert key in r
    assert r["tool"] == {"name": "verify", "version": "0.1.0"}
    assert set(r["file"]) >= {"path", "sha256", "size_bytes"}
    assert set(r["media"]) >= {"container", "duration_s", "width", "height", "fps", "video_codec",
                               "audio_codec", "rotation"}
    assert set(r["metadata"]) >= {"creation_time", "location", "make", "model", "software", "encoder", "tags"}
    assert set(r["shots"][0]) >= {"index", "start_s", "end_s", "keyframe_s", "keyframe", "phash", "pdq", "pdq_quality"}
    assert set(r["scenes"]) >= {"street_seconds", "segments"}
    codes = {f["code"]: f for f in r["flags"]}
    assert codes["creation_time_conflict"]["severity"] == "critical"
    assert "BEFORE" in codes["creation_time_conflict"]["message"]
    assert "ministry.mp4" in p.stdout and "creation_time_conflict" in p.stdout  # the terminal summary


def test_json_to_stdout_is_pure_json_and_summary_goes_to_stderr():
    p = run(FIXTURES / "cup.mp4", "--json", "-")
    assert p.returncode == 0
    r = json.loads(p.stdout)
    assert r["metadata"]["creation_time"] == "2017-09-01T02:23:48Z"
    assert "cup.mp4" in p.stderr


def test_check_subcommand_word_is_optional(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run("check", FIXTURES / "cup.mp4", "--json", a, "-q").returncode == 0
    assert run(FIXTURES / "cup.mp4", "--json", b, "-q").returncode == 0
    ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ja["shots"] == jb["shots"] and ja["file"] == jb["file"]


@pytest.mark.parametrize("codes,expected", [("reencoded", 1), ("critical", 0), ("warning", 1),
                                            ("gps_present,nothing", 2), ("reused_footage", 0)])
def test_fail_on_codes_and_severities(codes, expected):
    p = run(FIXTURES / "ministry.mp4", "--fail-on", codes, "-q")
    assert p.returncode == expected, p.stderr


def test_fail_on_critical_fires_with_a_date_conflict():
    p = run(FIXTURES / "ministry.mp4", "--claimed-date", "2023-12-20", "--fail-on", "critical", "-q")
    assert p.returncode == 1


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    empty = tmp / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    rand = tmp / "random.mov"
    rand.write_bytes(bytes(range(256)) * 64)
    header = tmp / "header.mp4"
    header.write_bytes((FIXTURES / "ministry.mp4").read_bytes()[:64])
    broken_jpg = tmp / "broken.jpg"
    broken_jpg.write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))
    return {"empty": empty, "text": text, "random": rand, "header": header,
            "missing": tmp / "nope.mp4", "directory": tmp, "broken_jpg": broken_jpg}


@pytest.mark.parametrize("kind", ["empty", "text", "random", "header", "missing", "directory", "broken_jpg"])
def test_bad_input_gets_one_line_naming_the_file_and_exit_2(tmp_path, kind):
    bad = _bad_inputs(tmp_path)[kind]
    p = run(bad, "-q")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert str(bad) in lines[0] and "Traceback" not in p.stderr


def test_good_clips_still_analysed_beside_a_bad_one(tmp_path):
    out = tmp_path / "all.json"
    p = run(FIXTURES / "cup.mp4", tmp_path / "missing.mp4", FIXTURES / "photo.jpg", "--json", out, "-q")
    assert p.returncode == 2
    reports = json.loads(out.read_text())
    assert [Path(r["file"]["path"]).name for r in reports] == ["cup.mp4", "photo.jpg"]
    assert "missing.mp4" in p.stderr


def test_failed_run_does_not_clobber_an_existing_report(tmp_path):
    out = tmp_path / "keep.json"
    out.write_text('{"previous": true}')
    p = run(tmp_path / "missing.mp4", "--json", out, "-q")
    assert p.returncode == 2
    assert json.loads(out.read_text()) == {"previous": True}


def test_bad_claimed_date_is_a_usage_error():
    p = run(FIXTURES / "cup.mp4", "--claimed-date", "yesterday", "-q")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr


def test_version():
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == "verify 0.1.0"


def test_audio_only_file_says_no_video_stream(tmp_path):
    import imageio_ffmpeg

    audio = tmp_path / "voice.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "aac", str(audio)], check=True, timeout=60)
    p = run(audio, "-q")
    assert p.returncode == 2
    assert "voice.mp4" in p.stderr and "no video stream" in p.stderr and "audio" in p.stderr


def test_mp4_truncated_before_its_index_is_a_clean_error(tmp_path):
    """moov at the end (no faststart) and the download cut short: nothing can be decoded."""
    import imageio_ffmpeg

    whole = tmp_path / "whole.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(FIXTURES / "ministry.mp4"),
                    "-c", "copy", str(whole)], check=True, timeout=60)
    data = whole.read_bytes()
    assert data.rfind(b"moov") > data.find(b"mdat")  # the index really is at the end
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    p = run(cut, "-q")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "cut.mp4" in p.stderr and "Traceback" not in p.stderr


def _pools_after_cli_import(env: dict[str, str]) -> str:
    code = ("import verify.cli, cv2, numpy; import os; "
            "print(cv2.getNumThreads(), os.environ['OPENBLAS_NUM_THREADS'])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_cli_keeps_numeric_libraries_to_one_worker_thread():
    """The CLI sets OpenBLAS and OpenCV to one thread before either loads (their idle workers spun
    against FFmpeg's decoder threads); a value the user set wins."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")}
    assert _pools_after_cli_import(env) == ["1", "1"]
    assert _pools_after_cli_import({**env, "OPENCV_FOR_THREADS_NUM": "2", "OPENBLAS_NUM_THREADS": "2"}) == ["2", "2"]
