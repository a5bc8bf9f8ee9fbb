"""What verify writes never collides, keeps the clip's own letters, and can be read by colleagues."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import cv2

from conftest import FIXTURES
from verify.names import jpeg_source
from verify.scan import output_stem

VERIFY = [sys.executable, "-m", "verify"]


def run(*args, cwd=None, env=None):
    return subprocess.run([*VERIFY, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300, env=env)


def other_photo(target: Path) -> Path:
    """A different real picture under the same kind of name (the fixture photo, mirrored)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(target), cv2.flip(cv2.imread(str(FIXTURES / "photo.jpg")), 1))
    return target


def test_same_names_in_two_folders_and_in_other_scripts_never_share_a_file(tmp_path):
    d1, d2 = tmp_path / "d1" / "photo.jpg", other_photo(tmp_path / "d2" / "photo.jpg")
    d1.parent.mkdir()
    shutil.copy(FIXTURES / "photo.jpg", d1)
    house, building = tmp_path / "дом.jpg", other_photo(tmp_path / "здание.jpg")
    shutil.copy(FIXTURES / "photo.jpg", house)
    kf, pages, out = tmp_path / "kf", tmp_path / "pages", tmp_path / "all.json"
    p = run(d1, d2, house, building, "--keyframes", kf, "--html", pages, "--json", out, "-q")
    assert p.returncode == 0, p.stderr
    reports = json.loads(out.read_text())
    written = [Path(r["shots"][0]["keyframe"]) for r in reports]
    assert len({w.name for w in written}) == 4  # four pictures, four files
    assert written[0].name == "photo-shot-001-0.00s.jpg"
    assert written[1].name == f"photo-{reports[1]['file']['sha256'][:8]}-shot-001-0.00s.jpg"
    assert written[2].name == "дом-shot-001-0.00s.jpg" and written[3].name == "здание-shot-001-0.00s.jpg"
    for r, w in zip(reports, written):
        assert jpeg_source(kf / w.name) == r["file"]["sha256"]  # each JPEG names its own source
        assert stat.S_IMODE((kf / w.name).stat().st_mode) == 0o644  # colleagues can read it
    assert len(list(pages.glob("*.html"))) == 4
    assert (pages / "дом.html").is_file() and (pages / "здание.html").is_file()


def test_a_second_run_never_overwrites_another_sources_keyframe(tmp_path):
    kf = tmp_path / "kf"
    first = run(FIXTURES / "photo.jpg", "--keyframes", kf, "-q")
    assert first.returncode == 0, first.stderr
    (mine,) = kf.iterdir()
    before = mine.read_bytes()
    impostor = other_photo(tmp_path / "elsewhere" / "photo.jpg")
    p = run(impostor, "--keyframes", kf, "--json", tmp_path / "r.json", "-q")
    assert p.returncode == 0, p.stderr
    assert mine.read_bytes() == before  # the first picture is still there, untouched
    new = Path(json.loads((tmp_path / "r.json").read_text())["shots"][0]["keyframe"])
    assert new.name != mine.name and (kf / new.name).is_file()
    # the same source again reuses its own name (no pile of copies)
    again = run(FIXTURES / "photo.jpg", "--keyframes", kf, "-q")
    assert again.returncode == 0 and len(list(kf.iterdir())) == 2


def test_scan_report_names_keep_their_letters():
    stem = output_stem("ünï/видео 東京.mp4")
    assert stem.startswith("ünï__видео 東京.mp4-") and "/" not in stem
    assert output_stem("a/b.mp4") != output_stem("a__b.mp4")
    assert not output_stem("../../etc/passwd").startswith(".") and "/" not in output_stem("../../etc/passwd")


def test_keyframes_in_an_absolute_folder_are_printed_and_recorded(tmp_path):
    kf = tmp_path / "keyframes"
    import os

    p = run(FIXTURES / "ministry.mp4", "--keyframes", kf, "--json", tmp_path / "r.json", "--no-scenes",
            cwd=FIXTURES, env={**os.environ, "COLUMNS": "300"})
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["analysis"]["keyframes_dir"] == str(kf)
    assert all(Path(s["keyframe"]).parent == kf and Path(s["keyframe"]).is_file() for s in r["shots"])
    assert f"3 JPEGs in {kf}" in p.stdout


def test_keyframes_option_pointing_at_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "taken.jpg"
    target.write_bytes(b"not a folder")
    p = run(FIXTURES / "photo.jpg", "--keyframes", target, "-q")
    assert p.returncode == 2 and p.stderr.strip() == f"verify: error: --keyframes {target}: is a file, not a folder"
    assert target.read_bytes() == b"not a folder"
    p = run(tmp_path, "-q")
    assert p.returncode == 2 and "verify scan" in p.stderr and "Traceback" not in p.stderr
