"""--excerpts: street segments and reused spans cut into small MP4s with the imageio-ffmpeg binary."""

from __future__ import annotations

import copy
import subprocess
import sys

import av
import cv2
import numpy as np
import pytest

from conftest import FIXTURES, analysed, truth
from verify.excerpts import ExcerptError, cut_excerpt, spans_to_cut, write_excerpts


def frames_of(path, seconds: list[float]) -> list[np.ndarray]:
    """Small grey pictures of *path* at the given times (from the start)."""
    out = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        start = float(vs.start_time * vs.time_base) if vs.start_time else 0.0
        wanted = list(seconds)
        for frame in c.decode(vs):
            if wanted and frame.time - start >= wanted[0] - 1e-3:
                out.append(cv2.resize(frame.to_ndarray(format="gray"), (64, 36), interpolation=cv2.INTER_AREA))
                wanted.pop(0)
    return out


def test_cut_the_street_shot_of_ministry(tmp_path):
    street = truth()["ministry.mp4"]["shots"][0]  # 0-4 s, vtest.avi pedestrians
    assert street["content"].startswith("street")
    target = cut_excerpt(FIXTURES / "ministry.mp4", street["start_s"], street["end_s"], tmp_path / "street.mp4",
                         comment="street excerpt")
    with av.open(str(target)) as c:
        vs = c.streams.video[0]
        frames = sum(1 for _ in c.decode(vs))
        assert (vs.codec_context.name, vs.codec_context.width, vs.codec_context.height) == ("h264", 640, 360)
        assert c.metadata.get("comment") == "street excerpt"
        assert not any(k.startswith("com.apple.quicktime") for k in c.metadata)  # no GPS/device tags leave
    assert frames == 100  # exactly the shot's frames 0-99 at 25 fps
    assert target.stat().st_size < 200_000
    src, cut = frames_of(FIXTURES / "ministry.mp4", [0.0, 2.0, 3.96]), frames_of(target, [0.0, 2.0, 3.96])
    for a, b in zip(src, cut, strict=True):
        assert float(np.abs(a.astype(float) - b).mean()) < 6  # the same pictures, re-encoded


def test_rotated_clip_is_cut_upright_and_small(tmp_path):
    target = cut_excerpt(FIXTURES / "rotated.mp4", 0.5, 2.0, tmp_path / "r.mp4")
    with av.open(str(target)) as c:
        vs = c.streams.video[0]
        first = next(c.decode(vs))
        assert (vs.codec_context.width, vs.codec_context.height) == (480, 640)  # portrait, as displayed
        assert not (first.rotation or 0)
        assert c.duration / 1e6 == pytest.approx(1.5, abs=0.1)


def test_only_street_segments_and_reused_spans_are_cut(tmp_path):
    report = copy.deepcopy(analysed("ministry.mp4").report)
    report.scenes.segments = [{"label": "street", "start_s": 0.0, "end_s": 4.0},
                              {"label": "indoor", "start_s": 4.0, "end_s": 24.0}]
    report.reused = [{"start_s": 16.0, "end_s": 18.0, "ref": {"title": "cup"}}]
    assert spans_to_cut(report) == [("street", 0.0, 4.0), ("reused", 16.0, 18.0)]
    written = write_excerpts(FIXTURES / "ministry.mp4", report, tmp_path / "ex")
    assert [p.name for p in sorted((tmp_path / "ex").iterdir())] == [
        "ministry-reused-001-16.00-18.00s.mp4", "ministry-street-001-0.00-4.00s.mp4"]
    assert [(e.kind, e.start_s, e.end_s) for e in written] == [("street", 0.0, 4.0), ("reused", 16.0, 18.0)]
    assert report.analysis["excerpts"][1]["path"].endswith("ministry-reused-001-16.00-18.00s.mp4")
    with av.open(written[1].path) as c:
        assert c.metadata["comment"] == f"reused excerpt 16.00-18.00 s of sha256:{report.file.sha256}, cut by verify"


def test_nothing_to_cut_writes_nothing(tmp_path):
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "rotated.mp4"), "--excerpts",
                        str(tmp_path / "ex"), "-q"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / "ex").exists()


def test_a_span_ffmpeg_cannot_cut_is_reported(tmp_path):
    with pytest.raises(ExcerptError):
        cut_excerpt(FIXTURES / "ministry.mp4", 5.0, 5.0, tmp_path / "empty.mp4")
    with pytest.raises(ExcerptError):
        cut_excerpt(tmp_path / "missing.mp4", 0.0, 1.0, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists() and list(tmp_path.iterdir()) == []  # no half-written files
