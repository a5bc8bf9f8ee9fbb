"""The HTML reports in a real headless browser (Debian's chromium): no console message, pictures shown.

Skipped, with the reason, on machines without a chromium binary (`apt-get install chromium`).  The
pages run no script and forbid loading anything, so a clean page logs nothing: a CSP violation (a
tag that escaped escaping), a broken picture or a script error would each show up as a console line.
"""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import FIXTURES, analysed, load_check_html
from test_html import HOSTILE, hostile_clip, with_segments_and_reuse  # noqa: F401 - hostile_clip is a fixture
from verify.render.html import render_html, write_html
from verify.render.pictures import reuse_pictures

check_html = load_check_html()

pytestmark = pytest.mark.skipif(check_html.find_browser() is None,
                                reason="no chromium binary on this machine (apt-get install chromium)")


def test_the_harness_sees_console_errors(tmp_path):
    """A page with a blocked inline script and a network image must be caught, or the check proves nothing."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                   "content=\"default-src 'none'\"></head><body><script>alert(1)</script>"
                   '<img src="http://192.0.2.1/x.png">VERDICT</body></html>')
    result = check_html.check_page(bad)
    assert len(result.console) >= 2, result.console


def test_reports_render_cleanly_in_chromium(tmp_path, hostile_clip):  # noqa: F811 - pytest fixture
    a = analysed("ministry.mp4")
    pages = {"ministry": render_html(a.report, a.thumbnails),
             "photo": render_html(analysed("photo.jpg").report, analysed("photo.jpg").thumbnails)}
    report = with_segments_and_reuse(str(FIXTURES / "cup.mp4"))
    pages["reused"] = render_html(report, a.thumbnails, reuse_pictures(report, FIXTURES / "ministry.mp4"))
    hostile_page = tmp_path / "hostile.html"
    p = subprocess.run([sys.executable, "-m", "verify", str(hostile_clip), "--html", str(hostile_page), "-q"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    paths = {name: write_html(text, tmp_path / f"{name}.html") for name, text in pages.items()}
    paths["hostile"] = hostile_page
    doms = {}
    for name, path in paths.items():
        shot = tmp_path / f"{name}.png" if name in ("reused", "hostile") else None
        result = check_html.check_page(path, screenshot=shot, size=(1200, 1400))
        doms[name] = result.dom
        assert result.console == [], (name, result.console)
        dom = result.dom
        assert 'id="verdict"' in dom and "VERDICT:" in dom, name
        assert "<script" not in dom.lower(), name
        if shot is not None:
            png = cv2.imread(str(result.screenshot))
            assert png.shape[:2] == (1400, 1200)
            assert float(png.std()) > 20  # a rendered page, not a blank one
    # the hostile strings reached the DOM as text only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doms["hostile"]
    assert HOSTILE["title"] not in doms["hostile"]


def test_reused_pictures_are_painted(tmp_path):
    """The two reused pictures are decoded and painted: the screenshot shows photo-like pixels where they are."""
    a = analysed("ministry.mp4")
    report = with_segments_and_reuse(str(FIXTURES / "cup.mp4"))
    report.flags.clear()
    report.shots = []  # the reused block then sits right below the timeline, inside the screenshot
    path = write_html(render_html(report, {}, reuse_pictures(report, FIXTURES / "ministry.mp4")), tmp_path / "r.html")
    result = check_html.check_page(path, screenshot=tmp_path / "r.png", size=(1200, 1400))
    assert result.console == []
    png = cv2.imread(str(result.screenshot))
    rows = np.where((np.abs(png.astype(int) - png[:, :1].astype(int)).sum(axis=2) > 60).sum(axis=1) > 300)[0]
    assert len(rows) > 150  # two pictures ~400 px tall side by side
    assert a.report.file.sha256 in result.dom


@pytest.mark.parametrize("width", [1280, 412])
def test_pages_are_readable_on_a_desktop_and_a_phone(tmp_path, width):
    """Screenshots at 1280 and 412 px (a phone): no text drawn over other text, no sideways scrolling,
    keyframes labelled on the timeline apart from the cuts, camera motion drawn, segments in words."""
    pages = {}
    for name in ("cuts.mp4", "drive.mp4", "photo.jpg"):
        a = analysed(name)
        pages[name] = write_html(render_html(a.report, a.thumbnails), tmp_path / f"{name}.html")
    report = with_segments_and_reuse(str(FIXTURES / "cup.mp4"))
    a = analysed("ministry.mp4")
    pages["reused"] = write_html(render_html(report, a.thumbnails, reuse_pictures(report, FIXTURES / "ministry.mp4")),
                                 tmp_path / "reused.html")
    for name, path in pages.items():
        result = check_html.layout(path, width)
        (tmp_path / f"{name}-{width}.png").write_bytes(result.screenshot)
        assert result.overlaps == [], (name, width, result.overlaps)
        assert result.scroll_width <= width, (name, width, result.scroll_width)
        png = cv2.imdecode(np.frombuffer(result.screenshot, np.uint8), cv2.IMREAD_COLOR)
        assert png.shape[1] == width and float(png.std()) > 20
    text = pages["drive.mp4"].read_text()
    timeline = text[text.index('id="timeline"'):text.index("<h2>Flags")]
    assert all(f">K{i}</a>" in timeline for i in (1, 2, 3))  # labelled, in their own row
    assert 'class="row keyframes"' in timeline and "keyframe of shot 1 (not a cut)" in timeline
    assert 'class="row camera"' in timeline and "moving (travelling)" in timeline and "fixed camera" in timeline
    segments = text[text.index('id="segments"'):]
    segments = segments[:segments.index("</table>")]
    assert "{" not in segments and "moving (travelling)" in segments and "%" in segments
    assert 'class="zoom"' in text  # keyframes enlarge on a click, without any script
