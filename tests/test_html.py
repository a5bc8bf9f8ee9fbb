"""The HTML report: self-contained, escaped, faithful to the report, carrying its JSON twin's SHA-256."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from conftest import FIXTURES, analysed
from verify.flags import metadata_flags
from verify.pipeline import Options, analyse
from verify.render.html import render_html
from verify.render.json_out import dumps
from verify.render.pictures import reuse_pictures

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "section", "div", "ul",
                "li", "dl", "dt", "dd", "code", "span", "small", "table", "tr", "th", "td", "a", "figure", "img",
                "figcaption", "details", "summary", "pre", "p", "b", "br", "i", "footer",
                "label", "input"}  # a checkbox that enlarges a keyframe (CSS only)

HOSTILE = {
    "title": "<script>alert(1)</script>",
    "comment": 'TikTok "><img src=x onerror=alert(2)>',  # also quoted inside the platform_hint flag
    "artist": "</pre></details><script>alert(3)</script>",
    "com.apple.quicktime.make": "Apple' onmouseover='alert(4)",
    "com.apple.quicktime.model": "\u202egpj.exe \x1b[2J",
}
HOSTILE_NAME = 'x"><img src=x onerror=alert(5)>.mp4'


class Page(HTMLParser):
    """Every element, attribute and text node of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def assert_self_contained(text: str) -> Page:
    page = Page(text)
    assert {t for t, _ in page.tags} <= ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not [k for k in attrs if k.lower().startswith("on")], (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/jpeg;base64,")
        if tag == "a":
            assert attrs["href"].startswith("#")
    lowered = text.lower()
    for needle in ("<script", "<link", "<iframe", "@import", "url(", "http://", "https://"):
        assert needle not in lowered, needle
    csp = [a["content"] for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]
    return page


def json_twin(text: str) -> tuple[str, str]:
    """(the embedded JSON text, the SHA-256 the page states for it)."""
    embedded = html.unescape(re.search(r'<pre id="json-twin">(.*?)</pre>', text, re.S).group(1))
    stated = re.search(r'<meta name="verify-json-sha256" content="([0-9a-f]{64})">', text).group(1)
    return embedded, stated


def jpeg(uri: str) -> np.ndarray:
    data = base64.b64decode(uri.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


def test_ministry_page_is_self_contained_and_faithful():
    a = analysed("ministry.mp4")
    report = copy.deepcopy(a.report)
    report.flags.clear()
    metadata_flags(report, date(2023, 12, 20))
    text = render_html(report, a.thumbnails)
    page = assert_self_contained(text)
    assert "VERDICT: metadata conflicts with the claimed date (+1 warning)" in text
    assert f'<code id="sha256">{report.file.sha256}</code>' in text
    # one embedded keyframe per shot, each a real picture of its shot
    imgs = [im["src"] for im in page.all("img")]
    assert len(imgs) == len(report.shots) == 3
    assert all(jpeg(src).shape[1] >= 200 for src in imgs)
    # the timeline: shots at 0-4, 4-16, 16-24 s of 24 s
    for span in ("left:0.000%;width:16.667%", "left:16.667%;width:50.000%", "left:66.667%;width:33.333%"):
        assert span in text
    # flags grouped by severity, most severe first
    assert text.index('id="flags-critical"') < text.index('id="flags-warning"') < text.index('id="flags-info"')
    # the metadata table explains values and marks the tags flags cite
    assert "com.apple.quicktime.creationdate" in text and "What the metadata" not in text
    assert re.search(r"format:encoder <span class=\"cited\">← reencoded</span>", text)
    # the JSON twin is embedded byte for byte and its hash is stated
    embedded, stated = json_twin(text)
    assert embedded == dumps(report.to_dict())
    assert hashlib.sha256(embedded.encode()).hexdigest() == stated


def test_still_image_page_has_no_timeline():
    a = analysed("photo.jpg")
    text = render_html(a.report, a.thumbnails)
    page = assert_self_contained(text)
    assert 'id="timeline"' not in text and "Picture (1)" in text and len(page.all("img")) == 1
    assert "VERDICT: no red flags; worth a look: re-encoded copy, not the camera original" in text
    assert "50.850300, 4.351700" in text  # the GPS position from EXIF


def with_segments_and_reuse(ref_path: str) -> object:
    report = copy.deepcopy(analysed("ministry.mp4").report)
    report.scenes.segments = [{"label": "street", "start_s": 0.0, "end_s": 4.0, "confidence": 0.91},
                              {"label": "indoor", "start_s": 4.0, "end_s": 24.0}]
    report.scenes.street_seconds = 4.0
    report.reused = [{"start_s": 16.0, "end_s": 24.0, "ref_start_s": 0.0, "ref_end_s": 8.0,
                      "ref": {"title": "Cup <b>clip</b>", "date": "2017-09-01", "source": "opencv-doc",
                              "path": ref_path},
                      "transform": "scaled", "confidence": 0.97, "matched_shots": [2]}]
    report.reference_search = {"searched": True, "note": "1 reference searched"}
    return report


def test_segments_and_reused_spans_are_drawn_from_the_report():
    a = analysed("ministry.mp4")
    report = with_segments_and_reuse(str(FIXTURES / "cup.mp4"))
    text = render_html(report, a.thumbnails, reuse_pictures(report, FIXTURES / "ministry.mp4"))
    page = assert_self_contained(text)
    assert "VERDICT: reused footage found (+1 warning)" in text
    assert "left:0.000%;width:16.667%;background:#e8710a" in text  # street, 0-4 s
    assert "left:16.667%;width:83.333%;background:#1a73e8" in text  # indoor, 4-24 s
    assert 'class="seg reused" style="left:66.667%;width:33.333%"' in text
    assert "Cup &lt;b&gt;clip&lt;/b&gt; (2017-09-01)" in text and "<b>clip" not in text
    assert "Street: <b>4.0 s</b>" in text
    block = text[text.index('id="reused-0"'):]
    block = block[:block.index("</table>")]
    pics = re.findall(r'src="(data:image/jpeg;base64,[^"]+)"', block)
    assert len(pics) == 2  # this clip's frame beside the reference's
    clip_pic, ref_pic = (jpeg(p) for p in pics)
    assert clip_pic.shape[0] < clip_pic.shape[1] and ref_pic.shape == (288, 384)  # 16:9 clip, 4:3 cup.mp4

    def diff(x, y):
        return float(np.abs(cv2.resize(x, (64, 48)).astype(float) - cv2.resize(y, (64, 48))).mean())

    thumbs = {s.index: jpeg("data:image/jpeg;base64," + base64.b64encode(a.thumbnails[s.start_frame]).decode())
              for s in report.shots}
    assert diff(clip_pic, thumbs[3]) < diff(clip_pic, thumbs[1])  # the clip frame is from the cup shot
    assert "matched_shots" in text  # keys the page has no special place for are still shown
    assert len(page.all("img")) == 3 + 2


def test_window_photo_and_evidence_come_from_the_report():
    report = with_segments_and_reuse("/nonexistent/leuven.jpg")
    report.reused[0].update(ref_start_s=0.0, ref_end_s=0.0, evidence="picture",
                            window={"x": 0.5, "y": 0.06, "w": 0.44, "h": 0.46})
    report.reused[0]["ref"]["kind"] = "photo"
    text = render_html(report, {}, {})
    block = text[text.index('id="reused-0"'):]
    block = block[:block.index("</table>")]
    assert "<th>in the reference</th><td>a photo</td>" in block
    assert "<th>evidence</th><td>the picture alone (nothing moved to compare)</td>" in block
    assert "<th>where</th><td>in a window at 50%, 6%, 44%×46% of the frame</td>" in block


def test_reference_not_on_this_machine_gets_a_placeholder():
    report = with_segments_and_reuse("/nonexistent/reference.mp4")
    text = render_html(report, {}, reuse_pictures(report, FIXTURES / "ministry.mp4"))
    block = text[text.index('id="reused-0"'):]
    assert block.count("data:image/jpeg") == 1 and "(no picture)" in block
    assert text.count("(no picture)") == 1 + 3  # and the 3 keyframes without thumbnails


@pytest.fixture(scope="module")
def hostile_clip(tmp_path_factory) -> Path:
    """rotated.mp4 stream-copied with hostile tags under a hostile file name (built at test time)."""
    target = tmp_path_factory.mktemp("hostile") / HOSTILE_NAME
    args = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(FIXTURES / "rotated.mp4"), "-map", "0",
            "-c", "copy", "-movflags", "use_metadata_tags"]
    for key, value in HOSTILE.items():
        args += ["-metadata", f"{key}={value}"]
    subprocess.run([*args, str(target)], check=True, capture_output=True, timeout=120)
    return target


def test_hostile_tags_and_file_name_are_escaped(hostile_clip, tmp_path):
    out = tmp_path / "page.html"
    p = subprocess.run([sys.executable, "-m", "verify", str(hostile_clip), "--html", str(out), "--json",
                        str(tmp_path / "r.json"), "-q"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["metadata"]["tags"]["format:title"] == HOSTILE["title"]  # the tags really are in the file
    assert "platform_hint" in {f["code"] for f in report["flags"]}  # so a flag message quotes a hostile tag
    text = out.read_text()
    page = assert_self_contained(text)
    for value in [*HOSTILE.values(), HOSTILE_NAME]:
        if "<" in value or '"' in value or "'" in value:
            assert value not in text, value
    shown = "".join(page.text)
    assert HOSTILE["title"] in shown and HOSTILE["artist"] in shown and HOSTILE_NAME in shown  # as text
    assert "⟨U+202E⟩gpj.exe ⟨U+001B⟩[2J" in shown and "\u202e" not in shown.split("{")[0]
    embedded, stated = json_twin(text)
    assert embedded == (tmp_path / "r.json").read_text()
    assert stated == hashlib.sha256((tmp_path / "r.json").read_bytes()).hexdigest()


def test_cli_html_for_several_clips_and_json_twins(tmp_path):
    pages = tmp_path / "pages"
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "photo.jpg"), str(FIXTURES / "rotated.mp4"),
                        "--html", str(pages), "--json", str(tmp_path / "all.json")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    written = sorted(pages.glob("*.html"))
    assert len(written) == 2 and p.stdout.count("HTML report: ") == 2
    umask = os.umask(0o022)
    os.umask(umask)
    assert written[0].stat().st_mode & 0o777 == 0o666 & ~umask  # as readable as any new file, not 0600
    reports = json.loads((tmp_path / "all.json").read_text())
    twins = {json.loads(json_twin(w.read_text())[0])["file"]["path"]: json.loads(json_twin(w.read_text())[0])
             for w in written}
    for r in reports:
        assert twins[r["file"]["path"]] == r


def test_analysis_records_what_it_ran_with():
    r = analyse(FIXTURES / "photo.jpg", Options()).report.to_dict()
    versions = r["analysis"]["versions"]
    assert {"verify", "python", "pyav", "libavcodec", "libavformat", "opencv", "numpy", "imagehash", "pdqhash",
            "pillow", "exifread"} <= set(versions)
    assert r["analysis"]["models"] == {}  # a still runs no model
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["analysis"]["analysed_at"])
    assert r["file"]["sha256"] == hashlib.sha256((FIXTURES / "photo.jpg").read_bytes()).hexdigest()
