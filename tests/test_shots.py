"""Shot boundaries on real footage against fixtures/truth.json."""

from __future__ import annotations

import pytest

from conftest import analysed, truth


def _starts(name: str) -> list[tuple[int, str]]:
    return [(s.start_frame, s.transition) for s in analysed(name).report.shots[1:]]


@pytest.mark.parametrize("name", ["cuts.mp4", "ministry.mp4"])
def test_every_boundary_found_at_the_right_frame_with_its_type(name):
    expected = truth()[name]["boundaries"]
    found = _starts(name)
    assert len(found) == len(expected), f"found {found}, expected {[(b['frame'], b['type']) for b in expected]}"
    for (frame, kind), want in zip(found, expected):
        tolerance = 1 if want["type"] == "cut" else 2
        assert abs(frame - want["frame"]) <= tolerance, (frame, want)
        assert kind == want["type"], (frame, kind, want)


def test_short_shot_of_eight_frames_is_kept():
    frames = [f for f, _ in _starts("cuts.mp4")]
    assert 150 in frames and 158 in frames  # PySceneDetect's 15-frame minimum would merge these


def test_flash_and_fast_pan_are_not_cuts():
    non = truth()["cuts.mp4"]["non_boundaries"]
    flash = next(n for n in non if n["type"] == "flash")["frames"]
    pan = next(n for n in non if n["type"] == "pan")
    for frame, _ in _starts("cuts.mp4"):
        assert not (min(flash) - 2 <= frame <= max(flash) + 2), f"flash taken for a cut at {frame}"
        assert not (pan["start_frame"] <= frame <= pan["end_frame"]), f"pan taken for a cut at {frame}"


def test_shot_times_follow_frames_and_cover_the_clip():
    report = analysed("cuts.mp4").report
    fps = truth()["cuts.mp4"]["fps"]
    shots = report.shots
    assert shots[0].start_s == 0.0
    assert shots[-1].end_s == pytest.approx(truth()["cuts.mp4"]["duration_s"], abs=0.05)
    for a, b in zip(shots, shots[1:]):
        assert a.end_s == b.start_s
        assert b.start_s == pytest.approx(b.start_frame / fps, abs=0.002)


def test_single_frame_glitches_in_damaged_footage_are_not_cuts():
    t = truth()["damaged.avi"]
    found = [f for f, _ in _starts("damaged.avi")]
    real = [b["frame"] for b in t["boundaries"] if b["frame"] > 1]  # frame 0 is one black frame
    for want in real:
        assert any(abs(f - want) <= 1 for f in found), (want, found)
    glitches = [f for n in t["non_boundaries"] for f in n["frames"]]
    for f in found:
        assert all(abs(f - g) > 1 or any(abs(f - r) <= 1 for r in real) for g in glitches), (f, glitches)


def test_one_shot_clip_has_one_shot():
    assert len(analysed("cup.mp4").report.shots) == 1
