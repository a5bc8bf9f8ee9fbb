"""Sparse decoding (verify/decode.py): non-reference frames are left undecoded and interpolated, yet
every frame reaches the analyzers at its own time, and the analysis finds what decoding every frame
finds."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from conftest import FIXTURES, analysed, truth
from verify.decode import DecodeStats, decode_frames
from verify.pipeline import Options, analyse


@dataclass
class Seen:
    """What an analyzer sees of a frame (without holding the decoded picture)."""

    index: int
    t: float
    decoded: bool
    gray: np.ndarray
    between: tuple[tuple[float, np.ndarray, bool], tuple[float, np.ndarray, bool]] | None


def frames_of(path: Path, every_frame: bool) -> tuple[list[Seen], DecodeStats]:
    stats = DecodeStats()
    with av.open(str(path)) as container:
        seen = [Seen(f.index, f.t, f.decoded, f.gray,
                     None if f.between is None else tuple((n.t, n.gray, n.decoded) for n in f.between))
                for f in decode_frames(container, container.streams.video[0], stats, every_frame=every_frame)]
    return seen, stats


@pytest.mark.parametrize("name", ["cuts.mp4", "ministry.mp4", "drive.mp4"])
def test_every_frame_arrives_at_its_time_and_a_third_or_more_is_interpolated(name):
    sparse, s = frames_of(FIXTURES / name, every_frame=False)
    full, f = frames_of(FIXTURES / name, every_frame=True)
    assert [(x.index, round(x.t, 6)) for x in sparse] == [(x.index, round(x.t, 6)) for x in full]
    assert f.interpolated == 0 and all(x.decoded for x in full)
    skipped = [x for x in sparse if not x.decoded]
    assert s.interpolated == len(skipped) >= 0.25 * len(sparse)  # the saving is real
    for x in skipped:  # an interpolated frame lies between two decoded frames; its luma comes from them
        (ta, ga, da), (tb, gb, db) = x.between
        assert da and db and ta < x.t < tb
        lo, hi = np.minimum(ga, gb), np.maximum(ga, gb)
        assert np.all(x.gray >= lo.astype(int) - 1) and np.all(x.gray <= hi.astype(int) + 1)


@pytest.mark.parametrize("name", ["cuts.mp4", "ministry.mp4", "scenes.mp4", "drive.mp4"])
def test_sparse_decoding_finds_the_shots_and_the_timeline_of_every_frame_decoding(name):
    sparse = analysed(name).report
    full = analyse(FIXTURES / name, Options(every_frame=True)).report
    assert sparse.analysis["decode"]["interpolated"] > 0 and full.analysis["decode"]["interpolated"] == 0
    assert [(s.start_frame, s.transition) for s in sparse.shots] == [(s.start_frame, s.transition) for s in full.shots]
    assert sparse.scenes.street_seconds == pytest.approx(full.scenes.street_seconds, abs=0.25)
    assert [(g["label"], g["motion"]) for g in sparse.scenes.segments] == \
        [(g["label"], g["motion"]) for g in full.scenes.segments]


def test_decode_order_timestamps_turn_sparse_decoding_off(tmp_path):
    """Some phone files (opencv-doc's box.mp4) give every packet its decode-order time, though the
    frames are reordered: frames would look missing.  Sparse decoding must notice and decode all."""
    odd = tmp_path / "dts-as-pts.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(FIXTURES / "cuts.mp4"),
                    "-c", "copy", "-bsf:v", "setts=pts=DTS", str(odd)], check=True)
    sparse, s = frames_of(odd, every_frame=False)
    full, _ = frames_of(odd, every_frame=True)
    assert s.interpolated == 0 and len(sparse) == len(full)
    assert [round(x.t, 6) for x in sparse] == [round(x.t, 6) for x in full]


@pytest.mark.parametrize("params", ["scenecut=0:bframes=8:b-adapt=0:b-pyramid=none",
                                    "scenecut=0:bframes=3:b-adapt=0"])
def test_cuts_away_from_key_frames_under_long_b_frame_runs(params, tmp_path):
    """An encoder without scene-cut detection puts cuts anywhere in a fixed B-frame pattern: most
    frames interpolated, cuts not at large packets.  Boundaries must stay those of the truth (a cut
    on an interpolated frame lands on the next decoded one: within a frame), with no extra ones
    (a blend of two decoded frames is not a dissolve; a change over a stretch is not a cut)."""
    clip = tmp_path / "recoded.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(FIXTURES / "cuts.mp4"),
                    "-c:v", "libx264", "-x264-params", params, "-an", str(clip)], check=True)
    report = analyse(clip, Options(scenes=False)).report
    assert report.analysis["decode"]["interpolated"] >= 0.2 * report.media.frame_count
    found = [(s.start_frame, s.transition) for s in report.shots[1:]]
    expected = truth()["cuts.mp4"]["boundaries"]
    assert len(found) == len(expected), (found, expected)
    for (frame, kind), want in zip(found, expected):
        assert abs(frame - want["frame"]) <= (1 if want["type"] == "cut" else 2), (frame, want)
        assert kind == want["type"], (frame, kind, want)


@pytest.mark.parametrize("layers", [1, 3])
def test_hevc_is_decoded_sparsely_only_with_one_temporal_layer(layers, tmp_path):
    """HEVC's "sub-layer non-reference" pictures may still be predicted from by higher temporal
    layers: a stream declaring several layers (phones' high-frame-rate footage) is decoded whole."""
    clip = tmp_path / f"hevc-{layers}.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-t", "12", "-i", str(FIXTURES / "cuts.mp4"),
                    "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", f"log-level=error:temporal-layers={layers}",
                    "-an", str(clip)], check=True)
    report = analyse(clip, Options(scenes=False)).report
    interpolated = report.analysis["decode"]["interpolated"]
    assert (interpolated > 0.2 * report.media.frame_count) if layers == 1 else interpolated == 0
    expected = [(b["frame"], b["type"]) for b in truth()["cuts.mp4"]["boundaries"] if b["frame"] < 280]
    found = [(s.start_frame, s.transition) for s in report.shots[1:]]
    assert len(found) == len(expected), (found, expected)
    for (frame, kind), (want, want_kind) in zip(found, expected):
        assert abs(frame - want) <= (1 if want_kind == "cut" else 2) and kind == want_kind, (found, expected)


def test_a_cut_inside_an_interpolated_stretch_is_placed_exactly(tmp_path, monkeypatch):
    """With the large-packet rule off, cuts fall inside interpolated stretches and are first found on
    the decoded frame after them; the exact look decodes such a stretch again, whole, and moves the
    cut to its frame."""
    import verify.decode

    clip = tmp_path / "recoded.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(FIXTURES / "cuts.mp4"), "-c:v",
                    "libx264", "-x264-params", "scenecut=0:bframes=3:b-adapt=0:keyint=25:min-keyint=25", "-an",
                    str(clip)], check=True)
    full = analyse(clip, Options(scenes=False, every_frame=True)).report
    monkeypatch.setattr(verify.decode, "BIG_PACKET", 1e12)
    sparse = analyse(clip, Options(scenes=False)).report
    decode = sparse.analysis["decode"]
    assert decode["interpolated"] > 0.3 * sparse.media.frame_count
    assert decode["exact_looks"] >= 2 and decode["cuts_moved"] >= 1, decode
    found, want = [(s.start_frame, s.transition) for s in sparse.shots], [(s.start_frame, s.transition) for s in full.shots]
    assert [k for _, k in found] == [k for _, k in want], (found, want)
    for (frame, kind), (frame_full, _) in zip(found, want):  # cuts to the frame; a dissolve's middle within 2
        assert frame == frame_full if kind == "cut" else abs(frame - frame_full) <= 2, (found, want)


def test_interlaced_h264_is_decoded_whole(tmp_path):
    """Field-coded pictures (broadcast captures): a reference frame's second field may be a
    non-reference picture, so interlaced streams are never decoded sparsely."""
    clip = tmp_path / "interlaced.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-t", "6", "-i", str(FIXTURES / "cuts.mp4"),
                    "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-an", str(clip)], check=True)
    frames, stats = frames_of(clip, every_frame=False)
    assert stats.interpolated == 0 and all(x.decoded for x in frames) and len(frames) == 150


def test_h264_in_avi_with_decode_order_times_keeps_its_timeline_and_cuts(tmp_path):
    """AVI gives H.264 frames their packets' decode-order times as pts and declares 600 fps: the
    pass must keep each frame's true time (from the steadily rising dts) and the real frame rate,
    so the shots are those of the same stream in MP4."""
    avi = tmp_path / "cuts.avi"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(FIXTURES / "cuts.mp4"),
                    "-c", "copy", str(avi)], check=True)
    in_avi, _ = frames_of(avi, every_frame=True)
    in_mp4, _ = frames_of(FIXTURES / "cuts.mp4", every_frame=True)
    assert [round(x.t, 6) for x in in_avi] == [round(x.t, 6) for x in in_mp4]
    report = analyse(avi, Options(scenes=False)).report
    assert report.media.fps == 25.0
    assert [(s.start_frame, s.transition) for s in report.shots] == \
        [(s.start_frame, s.transition) for s in analysed("cuts.mp4").report.shots]
