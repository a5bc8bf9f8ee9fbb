"""Every line of the terminal summary, and the HTML page's facts, are checked against the JSON report.

A renderer may only say what the report says: each summary row is parsed by its label and compared
with the JSON (``Report.to_dict()``, exactly what ``--json`` writes); a row with a label this test
does not know fails, so a new line cannot slip in unchecked.
"""

from __future__ import annotations

import copy
import html as html_lib
import io
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, analysed
from verify.flags import metadata_flags
from verify.pipeline import Options, analyse
from verify.render.html import render_html
from verify.render.terminal import clock, device_name, mmss, render_summary
from verify.render.verdict import PHRASES


@pytest.fixture(scope="module")
def reports():
    """Reports of real fixtures: a date conflict with a search that finds nothing, reused footage
    found, a timeline with unknown stretches, a still."""
    ministry = copy.deepcopy(analysed("ministry.mp4").report)
    ministry.flags.clear()
    metadata_flags(ministry, date(2023, 12, 20))
    searched = analyse(FIXTURES / "drive.mp4", Options(known=FIXTURES / "photo.jpg")).report
    reused = analyse(FIXTURES / "ministry.mp4", Options(known=FIXTURES / "cup.mp4",
                                                        claimed_date=date(2023, 12, 20))).report
    return {"ministry": ministry, "searched": searched, "reused": reused,
            "cuts": analysed("cuts.mp4").report, "photo": analysed("photo.jpg").report}


def summary(report, width: int) -> list[str]:
    buf = io.StringIO()
    render_summary(report, buf, width=width)
    return buf.getvalue().splitlines()


def rows(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(label, text) of the grid, continuation lines joined; then the shots table's lines."""
    grid: list[tuple[str, str]] = []
    table: list[str] = []
    for line in lines[2:]:
        if not line.strip():
            continue
        if table or re.match(r"\s*#\s+start\s+end", line):
            table.append(line)
        elif line[:12].strip():
            grid.append((line[:12].strip(), line[12:].strip()))
        else:
            label, text = grid[-1]
            grid[-1] = (label, f"{text} {line.strip()}")
    return grid, table


@pytest.mark.parametrize("name", ["ministry", "searched", "reused", "cuts", "photo"])
@pytest.mark.parametrize("width", [80, 120])
def test_every_summary_line_is_in_the_json(reports, name, width):
    report = reports[name]
    j = report.to_dict()
    lines = summary(report, width)
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]
    top = next(i for i, line in enumerate(lines) if j["file"]["sha256"][:16] in line)  # the verdict may wrap
    headline = " ".join(" ".join(lines[:top]).split()).removeprefix("VERDICT: ")
    said = {f["code"] for f in j["flags"]} | ({"reused_footage"} if j["reused"] else set())
    rest = re.sub(r" \(\+\d+ warnings?\)$", "", headline)
    for code in said:  # the headline is made of the phrases of the report's flags, and nothing else
        rest = rest.replace(PHRASES.get(code, code.replace("_", " ")), "")
    assert re.fullmatch(r"(no red flags)?(; worth a look: )?[ ,·]*", rest), (headline, rest)
    grid, table = rows(lines[top - 1:])
    seen_flags = []
    for label, text in grid:
        if label == "media":
            m = j["media"]
            assert f"{m['width']}×{m['height']}" in text and (m["video_codec"] or "?") in text
            if m["kind"] != "image":
                assert clock(m["duration_s"]) in text and f"{m['fps']:g} fps" in text
        elif label == "created":
            ct = j["metadata"]["creation_time"]
            assert (ct.replace("T", " ").replace("Z", " UTC") in text) if ct else "no creation time" in text
        elif label == "written by":
            md = j["metadata"]
            device = device_name(md["make"], md["model"])
            assert (f"device {device}" in text) == bool(device)
            assert not re.search(r"\b(\w+) \1\b", text)  # "Canon Canon EOS 80D"
            for key in ("software", "encoder"):
                assert (f"{key} {md[key]}" in text) == bool(md[key])
        elif label == "location":
            loc = j["metadata"]["location"]
            assert text == f"{loc['lat']:.5f}, {loc['lon']:.5f}"
        elif label == "flag":
            code, message = re.match(r"(?:!!|! |i )(\w+)\s+(.*)", text).groups()
            assert {"code": code, "message": message} in [{"code": f["code"], "message": " ".join(
                f["message"].split())} for f in j["flags"]], text
            seen_flags.append(code)
        elif label == "shots":
            n = len(j["shots"])
            assert text.startswith(f"{n} shot{'s' if n != 1 else ''}")
            for kind in ("cut", "dissolve", "fade"):
                k = sum(1 for s in j["shots"] if s["transition"] == kind)
                assert (f"{k} {kind}" in text) == bool(k)
        elif label == "scenes":
            sc = j["scenes"]
            assert f"street footage: {sc['street_seconds']:.1f} s" in text
            spans = [f"{mmss(s['start_s'])}–{mmss(s['end_s'])}" for s in sc["segments"] if s["label"] == "street"]
            assert all(span in text for span in spans)
            assert f"indoor {sc['indoor_seconds']:.1f} s" in text
            assert f"other outdoor {sc['outdoor_seconds']:.1f} s" in text
            assert (f"unknown {sc['unknown_seconds']:.1f} s" in text) == bool(sc["unknown_seconds"])
            # every second is accounted for
            total = sum(sc[k] for k in ("street_seconds", "indoor_seconds", "outdoor_seconds", "unknown_seconds"))
            assert total == pytest.approx(j["shots"][-1]["end_s"], abs=0.05)
        elif label == "reused":
            if j["reused"]:
                assert any(f"{clock(r['start_s'])}–{clock(r['end_s'])}" in text for r in j["reused"])
            else:
                assert text == j["reference_search"]["note"]
        elif label == "keyframes":
            assert text.startswith(f"{sum(1 for s in j['shots'] if s['keyframe'])} JPEG")
        else:
            pytest.fail(f"a summary row this test does not check: {label!r}")
    assert sorted(seen_flags) == sorted(f["code"] for f in j["flags"])
    if j["media"]["kind"] != "image":
        assert len(table) == 1 + len(j["shots"])
        for line, s in zip(table[1:], j["shots"]):
            cells = line.split()
            assert cells[:5] == [str(s["index"]), clock(s["start_s"]), clock(s["end_s"]), s["transition"],
                                 clock(s["keyframe_s"])], line
            assert cells[5] == s["pdq"][:8] and "…" not in line


def test_a_search_that_found_nothing_says_so(reports):
    j = reports["searched"].to_dict()
    note = j["reference_search"]["note"]
    assert re.fullmatch(r"searched 1 reference \(\d+ fingerprints\): no reused footage found", note)
    lines = summary(reports["searched"], 200)
    assert any(line.startswith("reused") and line.endswith(note) for line in lines)
    assert "no reference set was searched" not in "\n".join(lines)


@pytest.mark.parametrize("name", ["ministry", "searched", "reused", "cuts"])
def test_the_html_page_says_what_the_json_says(reports, name):
    report = reports[name]
    j = report.to_dict()
    page = html_lib.unescape(re.sub(r"<[^>]+>", " ", render_html(report)))
    text = " ".join(page.split())
    for f in j["flags"]:
        assert " ".join(f["message"].split()) in text
    for s in j["shots"]:
        assert f"shot {s['index']} · {clock(s['start_s'])}–{clock(s['end_s'])}" in text
    if not j["reused"]:
        assert j["reference_search"]["note"] in text
        assert ("no reference set was searched" in text) == (not j["reference_search"]["searched"])
    sc = j["scenes"]
    assert f"Street: {sc['street_seconds']:.1f} s" in text and f"indoor: {sc['indoor_seconds']:.1f} s" in text


def test_readme_example_is_what_the_code_prints(tmp_path):
    """The README's example command, run as written; every line it shows must come out the same."""
    import os
    import subprocess
    import sys

    readme = (FIXTURES.parent / "README.md").read_text()
    block = readme[readme.index("### Example"):]
    block = block[block.index("```") + 4:]
    block = block[:block.index("```")]
    command, *shown = block.rstrip("\n").split("\n")
    assert command.startswith("$ verify fixtures/ministry.mp4")
    (tmp_path / "fixtures").symlink_to(FIXTURES)
    env = {**os.environ, "COLUMNS": "100"}
    p = subprocess.run([sys.executable, "-m", "verify", *command[len("$ verify "):].split()], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.rstrip("\n").split("\n") == shown
    assert Path(tmp_path / "out" / "keyframes").is_dir()
