"""`verify scan`: a folder with good, bad and same-named files; cache; JUnit; exit codes; a dying worker."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES
from verify import scan as scan_module
from verify.scan import ScanOptions, analyse_task, find_media, output_stem, run_scan
from verify.schema import report_schema


def reports_in(out: Path) -> list[Path]:
    return sorted(j for j in out.glob("*.json") if not j.name.startswith("."))  # not the cache


def verify_scan(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify", "scan", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def archive(tmp_path) -> Path:
    """Two clips both named clip.mp4 in different folders, a photo, a damaged and an empty file, and noise."""
    root = tmp_path / "archive"
    (root / "a").mkdir(parents=True)
    (root / "b" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    shutil.copy(FIXTURES / "rotated.mp4", root / "a" / "clip.mp4")
    shutil.copy(FIXTURES / "truncated.mp4", root / "b" / "clip.mp4")
    shutil.copy(FIXTURES / "photo.jpg", root / "b" / "deeper" / "Photo.JPG")
    (root / "b" / "broken.mov").write_bytes(b"\x00\x01garbage, not a video\n" * 200)  # not a video at all
    (root / "empty.mp4").write_bytes(b"")
    (root / "notes.txt").write_text("not media")
    shutil.copy(FIXTURES / "photo.jpg", root / ".hidden" / "skipped.jpg")
    return root


def test_finding_files_and_naming_outputs(archive, tmp_path):
    out = archive / "reports"  # an output folder inside the scanned folder is not scanned
    out.mkdir()
    (out / "old.mp4").write_bytes(b"x")
    found = [p.relative_to(archive).as_posix() for p in find_media(archive, exclude=out)]
    assert found == ["a/clip.mp4", "b/broken.mov", "b/clip.mp4", "b/deeper/Photo.JPG", "empty.mp4"]
    stems = {output_stem(f) for f in found}
    assert len(stems) == 5
    assert output_stem("a/clip.mp4").startswith("a__clip.mp4-") and output_stem("a__clip.mp4") != output_stem(
        "a/clip.mp4")
    assert "/" not in output_stem("../../etc/passwd") and ".." not in output_stem("../../etc/passwd")


def test_scan_with_bad_files_cache_and_junit(archive, tmp_path):
    out, junit = tmp_path / "out", tmp_path / "junit.xml"
    p = verify_scan(archive, "--out", out, "--jobs", "2", "--html", out, "--fail-on", "decode_errors,gps_present",
                    "--junit", junit)
    assert p.returncode == 2, p.stderr  # unreadable files win over fail-on
    totals = "5 files: 3 analysed, 0 unchanged (skipped), 2 unreadable; --fail-on fired on 2"
    assert totals in " ".join(p.stdout.split())
    # one JSON and one HTML per good file; the two clip.mp4 do not collide
    jsons = reports_in(out)
    assert len(jsons) == 3 and len(list(out.glob("*.html"))) == 3
    reports = {json.loads(j.read_text())["file"]["path"]: json.loads(j.read_text()) for j in jsons}
    assert set(reports) == {"a/clip.mp4", "b/clip.mp4", "b/deeper/Photo.JPG"}  # paths below DIR
    schema = jsonschema.Draft202012Validator(report_schema())
    for r in reports.values():
        assert list(schema.iter_errors(r)) == []
    assert reports["b/clip.mp4"]["media"]["decoded_duration_s"] < 13  # truncated.mp4
    # JUnit: one test case per file, errors for the unreadable, failures where --fail-on fired
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "2", "2")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"a/clip.mp4", "b/broken.mov", "b/clip.mp4", "b/deeper/Photo.JPG", "empty.mp4"}
    assert cases["empty.mp4"].find("error").get("message") == "empty file (0 bytes)"
    assert "not a readable video" in cases["b/broken.mov"].find("error").get("message")
    fail = cases["b/clip.mp4"].find("failure")
    assert fail.get("message") == "fail-on fired: decode_errors, gps_present"
    assert "warning decode_errors: Damaged or truncated video stream" in fail.text
    assert cases["b/deeper/Photo.JPG"].find("failure").get("type") == "gps_present"
    assert cases["a/clip.mp4"].find("failure") is None and cases["a/clip.mp4"].find("error") is None
    assert "sha256 " in cases["a/clip.mp4"].find("system-out").text
    first_times = {j.name: json.loads(j.read_text())["analysis"]["analysed_at"] for j in jsons}
    mtimes = {j.name: j.stat().st_mtime_ns for j in jsons}

    # second run: nothing changed, nothing is analysed again, same verdicts
    p2 = verify_scan(archive, "--out", out, "--html", out, "--fail-on", "decode_errors,gps_present", "--junit", junit)
    assert p2.returncode == 2
    totals = "5 files: 0 analysed, 3 unchanged (skipped), 2 unreadable; --fail-on fired on 2"
    assert totals in " ".join(p2.stdout.split())
    assert {j.name: j.stat().st_mtime_ns for j in reports_in(out)} == mtimes
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "2"

    # a changed file (new bytes under the same name) is analysed again, the others are not
    shutil.copy(FIXTURES / "cup.mp4", archive / "a" / "clip.mp4")
    (archive / "b" / "broken.mov").unlink()
    (archive / "empty.mp4").unlink()
    p3 = verify_scan(archive, "--out", out, "--html", out, "--fail-on", "decode_errors,gps_present", "-q")
    assert p3.returncode == 1 and p3.stdout == ""
    after = {j.name: json.loads(j.read_text()) for j in reports_in(out)}
    changed = [n for n, r in after.items() if r["analysis"]["analysed_at"] != first_times[n]
               or r["file"]["sha256"] != reports[r["file"]["path"]]["file"]["sha256"]]
    assert changed == [f"{output_stem('a/clip.mp4')}.json"]
    assert after[changed[0]]["media"]["duration_s"] == pytest.approx(8.1, abs=0.05)  # now cup.mp4


def test_exit_codes_follow_the_single_clip_rules(tmp_path):
    root = tmp_path / "ok"
    root.mkdir()
    shutil.copy(FIXTURES / "photo.jpg", root / "photo.jpg")  # reencoded (warning), gps_present (info)
    # the first run analyses; the others read the cached report, so --fail-on also works on cached files
    for fail_on, expected in [(None, 0), ("critical", 0), ("warning", 1), ("gps_present", 1),
                              ("creation_time_conflict,reused_footage", 0)]:
        p = verify_scan(root, "--out", tmp_path / "out", "-q", *(["--fail-on", fail_on] if fail_on else []))
        assert p.returncode == expected, (fail_on, p.stderr)


def test_missing_folder_and_empty_folder(tmp_path):
    p = verify_scan(tmp_path / "nope", "--out", tmp_path / "out")
    assert p.returncode == 2 and p.stderr.strip() == f"verify: error: {tmp_path / 'nope'}: no such folder"
    (tmp_path / "empty").mkdir()
    p = verify_scan(tmp_path / "empty", "--out", tmp_path / "out")
    assert p.returncode == 0 and "no video or image files" in p.stderr


def test_version_change_invalidates_the_cache(tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(FIXTURES / "photo.jpg", root / "p.jpg")
    first = run_scan(root, tmp_path / "out", ScanOptions(jobs=1))
    again = run_scan(root, tmp_path / "out", ScanOptions(jobs=1))
    monkeypatch.setattr(scan_module, "__version__", "99.0")
    upgraded = run_scan(root, tmp_path / "out", ScanOptions(jobs=1))
    assert [o.status for o in (*first.outcomes, *again.outcomes, *upgraded.outcomes)] == \
        ["analysed", "unchanged", "analysed"]


def test_scan_with_an_index_finds_reused_footage(tmp_path):
    """ministry.mp4's last shot (16-24 s) is cup.mp4: with cup.mp4 in the index the scan gate fires."""
    db = tmp_path / "refs.sqlite"
    add = subprocess.run([sys.executable, "-m", "verify", "index", "add", "--index", str(db), str(FIXTURES / "cup.mp4"),
                          "--title", "Cup demo", "--date", "2017-09-01"], capture_output=True, text=True, timeout=300)
    assert add.returncode == 0, add.stderr
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(FIXTURES / "ministry.mp4", root / "ministry.mp4")
    out, junit = tmp_path / "out", tmp_path / "junit.xml"
    p = verify_scan(root, "--out", out, "--index", db, "--fail-on", "reused_footage", "--junit", junit, "-q")
    assert p.returncode == 1, p.stderr
    (report_path,) = reports_in(out)
    report = json.loads(report_path.read_text())
    assert report["reference_search"]["searched"] is True
    (span,) = report["reused"]
    assert span["start_s"] == pytest.approx(16.0, abs=0.3) and span["end_s"] == pytest.approx(24.0, abs=0.5)
    assert ET.parse(junit).getroot().find("testsuite/testcase/failure").get("type") == "reused_footage"
    # the same index: cached; a changed index: the report no longer holds, so the file is analysed again
    assert run_scan(root, out, ScanOptions(jobs=1, index=db)).outcomes[0].status == "unchanged"
    add = subprocess.run([sys.executable, "-m", "verify", "index", "add", "--index", str(db),
                          str(FIXTURES / "photo.jpg")], capture_output=True, text=True, timeout=300)
    assert add.returncode == 0, add.stderr
    assert run_scan(root, out, ScanOptions(jobs=1, index=db)).outcomes[0].status == "analysed"


def dying_worker(task):
    """Stands in for a decoder that crashes its process on one file."""
    if task.rel == "crash.jpg":
        os._exit(70)
    return analyse_task(task)


def test_a_worker_that_dies_is_one_error_row(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a.jpg", "crash.jpg", "z.jpg"):
        shutil.copy(FIXTURES / "photo.jpg", root / name)
    result = run_scan(root, tmp_path / "out", ScanOptions(jobs=2), worker=dying_worker)
    status = {o.rel: (o.status, o.error) for o in result.outcomes}
    assert status["a.jpg"][0] == status["z.jpg"][0] == "analysed"
    assert status["crash.jpg"] == ("error", "the analysis process died (crash or out of memory) while reading "
                                            "this file")
    assert result.exit_code == 2


def _scan_on_a_terminal(*args: object) -> tuple[int, str]:
    """``verify scan ARGS`` with stdout and stderr on a pseudo-terminal (as a user at a terminal runs
    it); its exit code and everything it wrote there."""
    import pty

    main, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "verify", "scan", *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(archive, tmp_path):
    code, shown = _scan_on_a_terminal(archive, "--out", tmp_path / "tty", "--jobs", "2")
    assert code == 2, shown  # two unreadable files (exit 2, as for a single clip)
    assert "scanning" in shown and "━" in shown and "5/5" in shown  # rich's bar, counting the clips
    assert "analysed  (" not in shown  # no line a clip on a terminal...
    assert re.search(r"\[\d/5\] (empty\.mp4|b/broken\.mov)  error: ", shown)  # ...except for errors
    piped = verify_scan(archive, "--out", tmp_path / "pipe", "--jobs", "2")
    lines = [line for line in piped.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 5 and all(re.match(r"\[\d/5\] ", line) for line in lines), piped.stderr
    assert "━" not in piped.stderr + piped.stdout
    code, shown = _scan_on_a_terminal(archive, "--out", tmp_path / "quiet", "-q")
    assert code == 2 and "━" not in shown and "scanning" not in shown and "[1/5]" not in shown, shown
