"""The decode pass (verify/decode.py): every frame is decoded and reaches the analyzers once, in
presentation order, at the time FFmpeg gives it; on every container, a cut's time is the time of
the first frame of the new shot as FFmpeg shows it.

The reference times come from the ``ffmpeg`` program itself (imageio-ffmpeg's binary, its
``showinfo`` filter with ``-copyts``: each frame's pts_time exactly as FFmpeg's tools settle it),
less the file's start time that ``ffmpeg`` prints (0 but for MPEG-TS here), not from PyAV."""

from __future__ import annotations

import re
import subprocess
from functools import lru_cache
from pathlib import Path

import av
import imageio_ffmpeg
import pytest

from conftest import FIXTURES, analysed, truth
from verify.decode import DecodeStats, decode_frames
from verify.pipeline import Options, analyse

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=None)
def ffmpeg_times(path: Path) -> tuple[tuple[float, ...], float]:
    """Every frame's presentation time as the ffmpeg program shows it, and the file's start time."""
    p = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-copyts", "-i", str(path), "-map", "0:v:0",
                        "-fps_mode", "passthrough", "-vf", "showinfo", "-f", "null", "-"],
                       capture_output=True, text=True, check=True)
    times = tuple(float(m) for m in re.findall(r"\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[0-9.e+-]+)", p.stderr))
    start = re.search(r"start: (-?[0-9.]+)", p.stderr)
    return times, float(start.group(1)) if start else 0.0


def pass_times(path: Path) -> tuple[list[float], DecodeStats]:
    stats = DecodeStats()
    with av.open(str(path)) as container:
        times = [f.t for f in decode_frames(container, container.streams.video[0], stats)]
    return times, stats


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True)


# cuts.mp4's first 12 s (cuts at 75, 150, 158, a dissolve around 245) in each container and codec
# a user meets; the AVI ones are those whose times FFmpeg does not take from the frames' pts
CONTAINERS = {
    "mp4-x264": (".mp4", ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3"]),
    "mkv-copy": (".mkv", ["-c", "copy"]),
    "mov-copy": (".mov", ["-c", "copy"]),
    "ts-copy": (".ts", ["-c", "copy"]),
    "webm-vp9": (".webm", ["-c:v", "libvpx-vp9", "-b:v", "500k", "-deadline", "realtime", "-cpu-used", "8"]),
    "avi-h264-copy": (".avi", ["-c", "copy"]),
    "avi-xvid-bframes": (".avi", ["-c:v", "mpeg4", "-vtag", "XVID", "-bf", "2", "-q:v", "4"]),
    "avi-divx": (".avi", ["-c:v", "mpeg4", "-vtag", "DIVX", "-bf", "0", "-q:v", "4"]),
}


@pytest.fixture(scope="module")
def cuts12(tmp_path_factory) -> Path:
    clip = tmp_path_factory.mktemp("cuts12") / "cuts12.mp4"
    ffmpeg("-i", str(FIXTURES / "cuts.mp4"), "-t", "12", "-an", "-c", "copy", str(clip))
    return clip


@pytest.mark.parametrize("kind", sorted(CONTAINERS))
def test_every_frame_at_ffmpegs_time_and_the_cuts_on_their_frames_in_every_container(kind, cuts12, tmp_path):
    suffix, codec = CONTAINERS[kind]
    clip = tmp_path / f"{kind}{suffix}"
    ffmpeg("-i", str(cuts12), "-an", *codec, str(clip))
    want, start = ffmpeg_times(clip)
    times, stats = pass_times(clip)
    assert len(times) == len(want) >= 300  # every frame, none twice
    assert times == pytest.approx([t - start for t in want], abs=1e-4)
    report = analyse(clip, Options(scenes=False)).report
    expected = [(b["frame"], b["type"]) for b in truth()["cuts.mp4"]["boundaries"] if b["frame"] < 290]
    found = [(s.start_frame, s.transition) for s in report.shots[1:]]
    assert [k for _, k in found] == [k for _, k in expected], (found, expected)
    for (frame, kind_), (want_frame, _) in zip(found, expected):  # cuts to the frame; a dissolve's middle within 2
        assert frame == want_frame if kind_ == "cut" else abs(frame - want_frame) <= 2, (found, expected)
    for shot in report.shots[1:]:  # a boundary's time is its first frame's, as FFmpeg shows it
        assert shot.start_s == pytest.approx(want[shot.start_frame] - start, abs=1e-3), (shot, want[shot.start_frame])
    assert report.analysis["decode"]["interpolated"] == 0


@pytest.mark.parametrize("name", ["damaged.avi", "cuts.mp4", "rotated.mp4", "ministry.mp4"])
def test_fixture_frames_are_ffmpegs_frames_at_ffmpegs_times(name):
    """damaged.avi is MPEG-4 Part 2 with packed B-frames (DivX style) whose first frame FFmpeg shows
    one frame after 0: every time there must be FFmpeg's, not one frame early."""
    want, start = ffmpeg_times(FIXTURES / name)
    times, stats = pass_times(FIXTURES / name)
    assert times == pytest.approx([t - start for t in want], abs=1e-4)
    if name == "damaged.avi":
        assert stats.clock == "dts" and times[0] == pytest.approx(1 / 30, abs=1e-3)


def test_decode_order_timestamps_take_the_dts_clock(tmp_path):
    """Some phone files (opencv-doc's box.mp4) give every frame its packet's decode-order time as
    pts, though the frames are reordered: the pass takes the steadily rising dts, as FFmpeg does."""
    odd = tmp_path / "dts-as-pts.mp4"
    ffmpeg("-i", str(FIXTURES / "cuts.mp4"), "-c", "copy", "-bsf:v", "setts=pts=DTS", str(odd))
    times, stats = pass_times(odd)
    want, start = ffmpeg_times(odd)
    assert stats.clock == "dts" and len(times) == len(want)
    # the last two frames come out of the decoder's flush without a dts: FFmpeg then falls back on
    # their (decode-order) pts and its times go backwards; the pass keeps them one frame apart
    assert times[:-2] == pytest.approx([t - start for t in want[:-2]], abs=1e-4)
    assert all(b > a for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("params", ["scenecut=0:bframes=8:b-adapt=0:b-pyramid=none",
                                    "scenecut=0:bframes=3:b-adapt=0"])
def test_cuts_away_from_key_frames_under_long_b_frame_runs(params, tmp_path):
    """An encoder without scene-cut detection puts cuts anywhere in a fixed B-frame pattern, on
    non-reference B-frames too: every boundary of the truth, at its frame, and no other."""
    clip = tmp_path / "recoded.mp4"
    ffmpeg("-i", str(FIXTURES / "cuts.mp4"), "-c:v", "libx264", "-x264-params", params, "-an", str(clip))
    report = analyse(clip, Options(scenes=False)).report
    found = [(s.start_frame, s.transition) for s in report.shots[1:]]
    expected = truth()["cuts.mp4"]["boundaries"]
    assert len(found) == len(expected), (found, expected)
    for (frame, kind), want in zip(found, expected):
        assert frame == want["frame"] if want["type"] == "cut" else abs(frame - want["frame"]) <= 2, (frame, want)
        assert kind == want["type"], (frame, kind, want)


def test_hevc_with_temporal_layers_keeps_every_cut(tmp_path):
    """HEVC as phones write it at high frame rates (several temporal layers)."""
    clip = tmp_path / "hevc.mp4"
    ffmpeg("-t", "12", "-i", str(FIXTURES / "cuts.mp4"), "-c:v", "libx265", "-preset", "ultrafast",
           "-x265-params", "log-level=error:temporal-layers=3", "-an", str(clip))
    report = analyse(clip, Options(scenes=False)).report
    expected = [(b["frame"], b["type"]) for b in truth()["cuts.mp4"]["boundaries"] if b["frame"] < 280]
    found = [(s.start_frame, s.transition) for s in report.shots[1:]]
    assert [k for _, k in found] == [k for _, k in expected], (found, expected)
    for (frame, kind), (want, _) in zip(found, expected):
        assert frame == want if kind == "cut" else abs(frame - want) <= 2, (found, expected)


def test_interlaced_h264_gives_every_frame(tmp_path):
    clip = tmp_path / "interlaced.mp4"
    ffmpeg("-t", "6", "-i", str(FIXTURES / "cuts.mp4"), "-c:v", "libx264", "-flags", "+ildct+ilme",
           "-x264-params", "tff=1", "-an", str(clip))
    times, _ = pass_times(clip)
    want, start = ffmpeg_times(clip)
    assert len(times) == 150 and times == pytest.approx([t - start for t in want], abs=1e-4)


def test_h264_in_avi_keeps_its_frame_rate_and_cuts(tmp_path):
    """AVI declares 600 fps for H.264 with B-frames: the analysis keeps the real rate, and the
    shots of the same stream in MP4."""
    avi = tmp_path / "cuts.avi"
    ffmpeg("-i", str(FIXTURES / "cuts.mp4"), "-c", "copy", str(avi))
    report = analyse(avi, Options(scenes=False)).report
    assert report.media.fps == 25.0
    assert [(s.start_frame, s.transition) for s in report.shots] == \
        [(s.start_frame, s.transition) for s in analysed("cuts.mp4").report.shots]


def test_variable_frame_rate_keeps_each_frames_own_time(cuts12, tmp_path):
    """Frames dropped unevenly (variable frame rate, as phones write in low light): every frame keeps
    its own presentation time, none is placed on a constant-rate grid."""
    clip = tmp_path / "vfr.mp4"
    ffmpeg("-i", str(cuts12), "-an", "-vf", r"select='lt(mod(n\,5)\,3)+gt(n\,150)'", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-preset", "veryfast", str(clip))
    want, start = ffmpeg_times(clip)
    times, _ = pass_times(clip)
    gaps = {round(b - a, 3) for a, b in zip(want, want[1:])}
    assert len(gaps) >= 2  # really variable
    assert times == pytest.approx([t - start for t in want], abs=1e-4)


def test_repeated_timestamps_keep_ffmpegs_times(tmp_path):
    """Frames that carry the timestamp of the frame before (a variable-rate phone clip re-encoded into
    MP4 with B-frames does that): each is shown a tick later, as FFmpeg shows it, and the frames after
    it keep their own times (pushing a repeat a whole frame later used to push all that followed)."""
    clip = tmp_path / "repeats.mp4"
    ffmpeg("-i", str(FIXTURES / "airfield.mp4"), "-an", "-vf", r"setpts='if(eq(mod(N\,20)\,10)\,PREV_OUTPTS\,PTS)'",
           "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", str(clip))
    with av.open(str(clip)) as container:
        pts = [f.pts for f in container.decode(container.streams.video[0])]
    assert sum(b <= a for a, b in zip(pts, pts[1:])) >= 2  # the file really repeats timestamps
    want, start = ffmpeg_times(clip)
    times, _ = pass_times(clip)
    assert len(times) == len(want) == 100
    assert times == pytest.approx([t - start for t in want], abs=1e-5)


def _decode_threads_alive() -> set[int]:
    import threading

    return {t.ident for t in threading.enumerate() if t.name == "verify-decode" and t.is_alive() and t.ident}


def test_a_pass_decodes_before_its_first_frame_is_asked_for_and_stops_when_closed_unread():
    """Decoding starts when the pass is made (beside the analyzers' set-up, before anyone asks for a
    frame); a pass closed before its first frame was taken (an analyzer that failed to build) stops
    its decode thread and its clock probe before the container closes."""
    import threading
    import time

    before = _decode_threads_alive()
    with av.open(str(FIXTURES / "cuts.mp4")) as container:
        frames = decode_frames(container, container.streams.video[0], DecodeStats())
        mine = _decode_threads_alive() - before
        assert mine, "no decode thread running before the first frame was asked for"
        deadline = time.monotonic() + 60
        while frames._ahead._queue.qsize() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert frames._ahead._queue.qsize() > 0  # frames decoded and waiting, none taken yet
        frames.close()
        assert not (_decode_threads_alive() & mine)
        assert not any(t.name == "verify-clock-probe" and t.is_alive() for t in threading.enumerate())


def test_the_decode_thread_stops_when_the_pass_stops_early_or_fails():
    """Decoding runs a few frames ahead in a thread of its own: a pass that ends early (a limit, an
    analyzer that raises) stops and joins it before the container is closed, and the frames that
    reached the pass are the file's first frames, in order, with the same pictures as a whole pass."""
    from verify.limits import Limits

    path = FIXTURES / "cuts.mp4"
    before = _decode_threads_alive()  # another test may have abandoned a stalled pass on purpose
    with av.open(str(path)) as container:
        whole = [(f.t, f.gray.copy()) for f in decode_frames(container, container.streams.video[0], DecodeStats())]
    stats = DecodeStats()
    with av.open(str(path)) as container:
        frames = list(decode_frames(container, container.streams.video[0], stats, Limits(max_frames=7)))
    assert [f.index for f in frames] == list(range(7)) and [f.t for f in frames] == [t for t, _ in whole[:7]]
    assert all((f.gray == g).all() for f, (_, g) in zip(frames, whole))
    assert stats.frames == 7 and stats.limited and _decode_threads_alive() <= before

    seen = 0
    with pytest.raises(RuntimeError), av.open(str(path)) as container:
        gen = decode_frames(container, container.streams.video[0], DecodeStats())
        try:
            for frame in gen:
                seen += 1
                if frame.index == 3:
                    raise RuntimeError("an analyzer failed")
        finally:
            gen.close()  # as the pipeline does (contextlib.closing) before the container closes
    assert seen == 4 and _decode_threads_alive() <= before
