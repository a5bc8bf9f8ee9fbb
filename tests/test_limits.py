"""Caps on pixels, duration, frames and time; stalls; paths kept out of reports."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import FIXTURES
from verify.errors import InputError
from verify.limits import Limits, Stalled, run_watched
from verify.pipeline import Options, analyse, shown_path


def test_max_duration_analyses_only_the_start_and_says_so():
    r = analyse(FIXTURES / "cuts.mp4", Options(limits=Limits(max_duration_s=5.0))).report
    assert r.media.decoded_duration_s == pytest.approx(5.0, abs=0.05)
    assert [s.start_frame for s in r.shots] == [0, 75]  # only the cut inside the first 5 s
    flag = next(f for f in r.flags if f.code == "analysis_limited")
    assert "--max-duration" in flag.message and "decode_errors" not in r.flag_codes()


def test_max_frames():
    r = analyse(FIXTURES / "ministry.mp4", Options(limits=Limits(max_frames=40))).report
    assert r.media.frame_count == 40 and "analysis_limited" in r.flag_codes()


def test_a_limit_the_clip_fits_in_raises_no_flag():
    r = analyse(FIXTURES / "ministry.mp4", Options(limits=Limits(max_duration_s=24.0))).report
    assert r.media.frame_count == 600 and "analysis_limited" not in r.flag_codes()


def test_timeout_stops_the_pass_and_reports_what_was_decoded():
    r = analyse(FIXTURES / "cuts.mp4", Options(limits=Limits(timeout_s=0.001))).report
    assert r.media.frame_count < 776 and "analysis_limited" in r.flag_codes()


@pytest.mark.parametrize("name", ["ministry.mp4", "photo.jpg"])
def test_too_many_pixels_is_refused_with_a_reason(name):
    with pytest.raises(InputError, match="exceed.*--max-pixels"):
        analyse(FIXTURES / name, Options(limits=Limits(max_pixels=320 * 240)))


def test_a_stalled_worker_is_given_up_without_waiting_for_it():
    release = threading.Event()

    def stuck(heart):
        heart.beat()
        release.wait(30)  # like a decoder stuck inside one call
        return "late"

    t0 = time.monotonic()
    with pytest.raises(Stalled):
        run_watched(stuck, stall_s=0.5)
    assert time.monotonic() - t0 < 5
    release.set()


def test_worker_errors_come_back_to_the_caller():
    def boom(heart):
        raise InputError("x.mp4", "bad")

    with pytest.raises(InputError):
        run_watched(boom, stall_s=5)


def test_reports_keep_absolute_paths_out_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "sub" / "clip.mp4"
    assert shown_path(inside) == str(Path("sub") / "clip.mp4")
    assert shown_path(Path("/somewhere/else/clip.mp4")) == "clip.mp4"
    assert shown_path(Path("rel/clip.mp4")) == "rel/clip.mp4"
    assert shown_path(inside, absolute=True) == str(inside.resolve())
    r = analyse(FIXTURES / "cup.mp4", Options(keyframes_dir=tmp_path / "kf")).report
    assert not Path(r.file.path).is_absolute() and not Path(r.shots[0].keyframe).is_absolute()
    assert r.analysis["keyframes_dir"] == "kf" and (tmp_path / r.shots[0].keyframe).is_file()
    # an output folder outside the working folder is recorded as given: people must find the files
    elsewhere = tmp_path.parent / f"{tmp_path.name}-keyframes"
    r = analyse(FIXTURES / "cup.mp4", Options(keyframes_dir=elsewhere)).report
    assert r.analysis["keyframes_dir"] == str(elsewhere) and Path(r.shots[0].keyframe).is_file()
    assert Path(r.shots[0].keyframe).parent == elsewhere
