"""Reused footage as platforms reframe it (issue 13), on real footage: vertical posts over a blurred copy,
still cameras in bars, still re-encodes, a pan and zoom over a photo, picture-in-picture, split screens
(two clips, and one clip twice), reactions (a known clip beside, below or under a person talking);
each family with its hard negatives (the same reframe of footage not in the index, other times of the
same still camera, another window of the same broadcast).  Material: ``reuse_material.reframe_case``."""

from __future__ import annotations

from pathlib import Path

import pytest

from reuse_material import (FRAMES, REFRAME_FAMILIES, REFRAME_WINDOWS, expectations, reframe_case, reframe_refs,
                             score_findings)
from verify.fingerprint import live_area
from verify.fingerprint.windows import windows
from verify.matching.footage import fingerprint_files
from verify.matching.reuse import add_reuse, search_clip
from verify.matching.search import ReferenceSet
from verify.matching.store import Store


@pytest.fixture(scope="session")
def reframe_work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reframes")


@pytest.fixture(scope="session")
def reframe_index(reframe_work) -> ReferenceSet:
    refs = reframe_refs(reframe_work)
    store = Store(":memory:")
    store.add_many(fingerprint_files(list(refs.values()), store))
    return ReferenceSet(store, "reframes")


_analysed: dict[str, tuple] = {}


def analysed(name: str, work: Path):
    """The clip of case ``name``, analysed once per session, and what it holds."""
    if name not in _analysed:
        from verify.pipeline import Options, analyse

        clip, expected = reframe_case(name, work)
        _analysed[name] = (analyse(clip, Options(scenes=False)), expected)
    return _analysed[name]


def search(name: str, work: Path, refs: ReferenceSet) -> tuple[list[dict], dict]:
    analysis, expected = analysed(name, work)
    cuts = [s.start_s for s in analysis.report.shots[1:]]
    return search_clip(analysis.prints, refs, cuts, analysis.report.media.fps), expected


@pytest.mark.parametrize("name", ["vfill", "pip", "pip_noborder", "split", "split_twice", "react_side",
                                  "react_below"])
def test_windows_are_found_where_the_footage_is(name, reframe_work):
    """A vertical post's window over its blurred copy, a picture-in-picture window over moving footage,
    both halves of a split screen and the clip beside or above a reaction's face cam are among the
    candidate windows, to 3 % of the frame (4 % beside the face cam: the clip's dark left edge on a
    near-black ground is found 2.7 % inside)."""
    found = windows(analysed(name, reframe_work)[0].samples.spread(600))
    assert len(found) <= 4
    tol = 0.04 if name == "react_side" else 0.03
    for title, _, (x, y, w, h) in expectations(name, reframe_case(name, reframe_work)[1]):
        assert any(abs(b.x0 - x) <= tol and abs(b.y0 - y) <= tol and abs(b.width - w) <= tol
                   and abs(b.height - h) <= tol for b in found), (title, found)


def test_still_camera_in_bars_needs_no_motion_to_find_its_picture(reframe_work):
    """A held frame (nothing moves, so the stillness test cannot tell picture from bars) in black
    bars with a blue banner: the picture is found by its edges."""
    found = windows(analysed("held_bars", reframe_work)[0].samples.spread(600))
    # the picture: x 120-520 of 640, y 20-245 of 360
    assert any(abs(b.x0 - 120 / 640) <= 0.02 and abs(b.x1 - 520 / 640) <= 0.02 and abs(b.y0 - 20 / 360) <= 0.03
               and abs(b.y1 - 245 / 360) <= 0.03 for b in found), found


FRAMED = set(REFRAME_FAMILIES["still_in_bars"] + REFRAME_FAMILIES["still_in_colour"])  # no window: bars, banners


@pytest.mark.parametrize("name", ["vfill", "tree_bars", "held_bars", "tree_re", "held_re", "ken_burns", "pip", "pip_noborder",
                                  "split", "split_twice", "split_twice_later", "react_side", "react_below",
                                  "react_over", "held_banner", "tree_sideband", "street_white", "held_white",
                                  "tree_white", "held_blurfill"])
def test_reframed_footage_is_found(name, reframe_work, reframe_index):
    """Every known window yields exactly one finding with its own span and ``window`` (a split screen
    of one clip twice: two findings of it), and nothing else is found."""
    findings, expected = search(name, reframe_work, reframe_index)
    wants = expectations(name, expected)
    hits, false = score_findings(findings, wants, {"photo"})
    assert all(hits) and false == 0 and len(findings) == len(wants), findings
    for f in findings:
        assert "speed" not in f["transform"]  # none of these plays at another speed
        window = REFRAME_WINDOWS.get(name, {}).get(f["ref"]["title"])
        if name in FRAMED:  # nothing around the picture moves: bars and a banner, not a window
            assert "overlay" in f["transform"] and "window" not in f["transform"]
            if name.endswith("_bars"):
                assert "bars" in f["transform"]
        elif window is not None and min(f["window"]["w"], f["window"]["h"]) < 0.95:
            assert "window" in f["transform"] and "crop" not in f["transform"]
        else:
            assert "window" not in f["transform"]
        assert 0 < f["confidence"] <= 1


def test_still_camera_labels_are_measured(reframe_work, reframe_index):
    """A plain re-encode of a camera where nothing moves: found by its picture alone (evidence
    "picture", a lower confidence), at normal speed, starting where the reference starts; a tree in
    wind re-encoded: confirmed by motion, no speed label either."""
    (held,), _ = search("held_re", reframe_work, reframe_index)
    assert held["evidence"] == "picture" and held["confidence"] <= 0.6
    assert held["start_s"] == pytest.approx(0.0, abs=0.3) and held["ref_start_s"] == pytest.approx(0.0, abs=0.3)
    assert held["transform"] == []
    (tree,), _ = search("tree_re", reframe_work, reframe_index)
    assert tree["evidence"] == "picture+motion" and tree["confidence"] > held["confidence"]
    assert tree["ref_start_s"] == pytest.approx(0.0, abs=0.3) and tree["transform"] == []


def test_photo_shown_as_video(reframe_work, reframe_index):
    (f,), _ = search("ken_burns", reframe_work, reframe_index)
    assert f["ref"]["kind"] == "photo" and f["evidence"] == "picture"
    assert f["ref_start_s"] == f["ref_end_s"] == 0.0
    assert "pan_zoom" in f["transform"]
    assert f["end_s"] - f["start_s"] >= 5.0  # the whole zoom, 1x to 2x


@pytest.mark.parametrize("name", ["vfill_other", "tree_bars_other", "held_bars_other", "held_re_later",
                                  "ken_burns_other", "pip_other", "split_other", "react_side_other",
                                  "react_below_other", "react_over_other", "held_banner_other",
                                  "tree_sideband_other", "held_white_other", "held_blurfill_other"])
def test_hard_negatives_match_nothing(name, reframe_work, reframe_index):
    findings, expected = search(name, reframe_work, reframe_index)
    assert expected == {} and findings == [], findings


def test_the_flag_names_window_photo_and_evidence(reframe_work, reframe_index):
    analysis, _ = analysed("ken_burns", reframe_work)
    findings, _ = search("ken_burns", reframe_work, reframe_index)
    add_reuse(analysis.report, findings, [reframe_index], None)
    (flag,) = [f for f in analysis.report.flags if f.code == "reused_footage"]
    assert "shows the known photo 'photo'" in flag.message and "picture alone" in flag.message
    assert flag.evidence["evidence"] == "picture" and flag.evidence["ref"]["kind"] == "photo"
    analysis, _ = analysed("pip", reframe_work)
    findings, _ = search("pip", reframe_work, reframe_index)
    add_reuse(analysis.report, findings, [reframe_index], None)
    (flag,) = [f for f in analysis.report.flags if f.code == "reused_footage"]
    assert "shown in a window of the frame (from 50%, 6%, 44% wide, 46% high)" in flag.message, flag.message
    assert flag.evidence["window"]["x"] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("name,frame", [("held_banner", "banner"), ("street_white", "white"), ("held_white", "white"),
                                        ("tree_white", "white"), ("tree_sideband", "sideband")])
def test_bars_and_banners_of_any_colour_are_found_by_their_uniformity(name, frame, reframe_work):
    """Uniform bands ending at a sharp edge: an orange banner under a camera where nothing moves (no
    motion for the stillness test, one inner edge only for the windows), uneven white bars with a
    blue banner, a green side band: the picture inside them is a candidate live area, to 1.5 %."""
    x, y, w, h = FRAMES[frame][1]
    areas = live_area.live_areas(analysed(name, reframe_work)[0].samples.spread(600))
    assert any(abs(b.x0 - x) <= 0.015 and abs(b.y0 - y) <= 0.015 and abs(b.width - w) <= 0.015
               and abs(b.height - h) <= 0.015 for b in areas.values()), areas


@pytest.mark.parametrize("name", ["held_banner"])
def test_without_the_uniformity_test_a_still_camera_in_colour_is_missed(name, reframe_work, reframe_index, monkeypatch):
    """What the fusion adds: a camera where nothing moves under a banner (one inner edge: no window),
    fingerprinted again with the uniform bands switched off, is not found: stillness cannot tell a
    still picture from a banner.  (In white bars the windows' edges still find it.)"""
    from verify.fingerprint.prints import clip_prints

    analysis, _ = analysed(name, reframe_work)
    cuts = [s.start_s for s in analysis.report.shots[1:]]
    assert search_clip(clip_prints(analysis.samples), reframe_index, cuts, analysis.report.media.fps)
    monkeypatch.setattr(live_area, "_uniform_cut", lambda mean, tstd: None)
    assert search_clip(clip_prints(analysis.samples), reframe_index, cuts, analysis.report.media.fps) == []
