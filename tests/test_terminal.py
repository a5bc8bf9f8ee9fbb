"""The terminal summary opens with the same verdict as the HTML page and shows where things went."""

from __future__ import annotations

import copy
import io
from datetime import date

import pytest

from conftest import analysed
from verify.flags import metadata_flags
from verify.render.terminal import render_summary
from verify.render.verdict import verdict


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping, so whole lines can be compared


def summary(report) -> list[str]:
    buf = io.StringIO()
    render_summary(report, buf)
    return buf.getvalue().splitlines()


def test_verdict_line_comes_first_and_names_the_date_conflict():
    report = copy.deepcopy(analysed("ministry.mp4").report)
    report.flags.clear()
    metadata_flags(report, date(2023, 12, 20))
    lines = summary(report)
    assert lines[0].strip() == "VERDICT: metadata conflicts with the claimed date (+1 warning)"
    assert verdict(report).level == "critical"
    assert any("ministry.mp4" in line for line in lines[1:3])


def test_warnings_only_and_clean_clips():
    photo = analysed("photo.jpg").report  # Photoshop re-save: a warning, no red flag
    assert summary(photo)[0].strip() == ("VERDICT: no red flags; worth a look: re-encoded copy, "
                                         "not the camera original")
    cup = analysed("cup.mp4").report  # untouched phone file: only info flags
    v = verdict(cup)
    assert (v.level, v.headline) == ("ok", "no red flags")
    assert v.points == ["Not compared with known footage: no reference set was searched."]


def test_reused_spans_street_seconds_and_keyframe_folder():
    report = copy.deepcopy(analysed("ministry.mp4").report)
    report.reused = [{"start_s": 16.0, "end_s": 24.0, "ref_start_s": 2.0, "ref_end_s": 10.0,
                      "ref": {"title": "Cup clip", "date": "2017-09-01", "path": "refs/cup.mp4"},
                      "transform": "scaled", "confidence": 0.97}]
    report.reference_search = {"searched": True, "note": "1 reference"}
    report.scenes.street_seconds = 4.0
    for shot in report.shots:
        shot.keyframe = f"out/kf/ministry-shot-{shot.index:03d}.jpg"
    text = "\n".join(summary(report))
    assert text.splitlines()[0].strip() == "VERDICT: reused footage found (+1 warning)"
    assert "0:16.00–0:24.00 = Cup clip (2017-09-01) at 0:02.00–0:10.00 (scaled, confidence 0.97)" in text
    assert "street footage: 4.0 s of 0:24 (0:00–0:04)" in text
    assert "3 JPEGs in out/kf" in text


def test_reused_window_photo_and_picture_only_evidence_are_shown():
    report = copy.deepcopy(analysed("ministry.mp4").report)
    report.reused = [{"start_s": 0.0, "end_s": 8.0, "ref_start_s": 0.0, "ref_end_s": 8.0,
                      "ref": {"title": "Cup clip", "kind": "video"}, "transform": ["window", "scale"],
                      "confidence": 0.89, "evidence": "picture+motion",
                      "window": {"x": 0.5, "y": 0.06, "w": 0.44, "h": 0.46}},
                     {"start_s": 10.0, "end_s": 16.0, "ref_start_s": 0.0, "ref_end_s": 0.0,
                      "ref": {"title": "Leuven", "kind": "photo"}, "transform": ["crop", "pan_zoom"],
                      "confidence": 0.59, "evidence": "picture", "window": {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}}]
    report.reference_search = {"searched": True, "note": "2 references"}
    text = " ".join(" ".join(summary(report)).split())
    assert ("0:00.00–0:08.00 = Cup clip at 0:00.00–0:08.00 (window, scale, confidence 0.89, in a window at "
            "50%, 6%, 44%×46% of the frame)") in text
    assert "0:10.00–0:16.00 = Leuven (a photo) (crop, pan_zoom, confidence 0.59, picture only)" in text


def test_hostile_tags_cannot_drive_the_terminal():
    report = copy.deepcopy(analysed("cup.mp4").report)
    report.metadata.make = "Evil\x1b]0;owned\x07\x1b[2J[bold]Corp[/bold]\u202egpj.exe"
    text = "\n".join(summary(report))
    assert "\x1b" not in text and "\x07" not in text
    assert "Evil⟨U+001B⟩]0;owned⟨U+0007⟩⟨U+001B⟩[2J[bold]Corp[/bold]⟨U+202E⟩gpj.exe" in text
