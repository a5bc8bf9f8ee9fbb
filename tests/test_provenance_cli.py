"""Provenance from the command line: `verify URL`, --offline, --max-download-mb, --c2pa-trust, the
Provenance section of the summary and the HTML page, and `verify scan --urls` with its counts."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path

import pytest

from conftest import FIXTURES, local_http_server

CLIP = (FIXTURES / "rotated.mp4").read_bytes()


class _Server(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path != "/clip.mp4":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(CLIP)))
        self.send_header("Last-Modified", formatdate(1583229600, usegmt=True))  # 2020-03-03 10:00 UTC
        self.end_headers()
        try:
            self.wfile.write(CLIP)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    with local_http_server(_Server) as url:
        yield url


def verify(*args, cache: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VERIFY_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "verify", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_url_argument(base_url, tmp_path):
    url = f"{base_url}/clip.mp4"
    p = verify(url, "--no-scenes", "--claimed-date", "2023-12-20", "--json", "-", cache=tmp_path)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["source"]["url"] == url and report["source"]["upload_time"] == "2020-03-03T10:00:00Z"
    assert report["file"]["path"] == url
    cached = tmp_path / report["source"]["cached_file"]
    assert cached.read_bytes() == CLIP and report["file"]["sha256"] == __import__("hashlib").sha256(CLIP).hexdigest()
    assert any(f["code"] == "uploaded_before_claimed" for f in report["flags"])
    assert list((tmp_path / "urls").iterdir())  # cached under the user's cache folder
    assert "uploaded  " in p.stderr and "2020-03-03T10:00:00Z" in p.stderr  # the summary's Provenance rows
    # --fail-on knows the new codes
    p = verify(url, "--no-scenes", "--claimed-date", "2023-12-20", "-q", "--fail-on", "uploaded_before_claimed",
               cache=tmp_path)
    assert p.returncode == 1, p.stderr


@pytest.mark.parametrize("args, words", [
    (["--offline"], "--offline forbids the network"),
    (["--max-download-mb", "0.1"], "larger than --max-download-mb 0.1"),
])
def test_url_refused(base_url, tmp_path, args, words):
    p = verify(f"{base_url}/clip.mp4", "-q", *args, cache=tmp_path)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and words in p.stderr and "Traceback" not in p.stderr


def test_url_404_is_one_line_and_the_other_clips_still_run(base_url, tmp_path):
    p = verify(f"{base_url}/gone.mp4", FIXTURES / "photo.jpg", "-q", "--json", tmp_path / "r.json", cache=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == f"verify: error: {base_url}/gone.mp4: HTTP Error 404: Not Found"
    assert json.loads((tmp_path / "r.json").read_text())[0]["file"]["path"].endswith("photo.jpg")


def test_c2pa_trust_and_the_provenance_section(provenance_files, tmp_path):
    signed, root = provenance_files["camera-signed.mp4"], provenance_files["test-root.pem"]
    p = verify(signed, "--no-scenes", "--c2pa-trust", root, "--html", tmp_path / "page.html", cache=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "credentials" in p.stdout and "VerifyTestCam 1.0" in p.stdout
    assert "TRUSTED: intact and signed by a certificate" in " ".join(p.stdout.split())
    page = (tmp_path / "page.html").read_text()
    assert "<h2>Provenance</h2>" in page and "TRUSTED" in page
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing")
    p = verify(signed, "-q", "--c2pa-trust", bad, cache=tmp_path)
    assert p.returncode == 2 and "--c2pa-trust" in p.stderr and p.stderr.count("\n") == 1


def test_tampered_clip_fails_on_c2pa_invalid(provenance_files, tmp_path):
    p = verify(provenance_files["ai-tampered.mp4"], "--no-scenes", "--fail-on", "c2pa_invalid,c2pa_ai_generated",
               cache=tmp_path)
    assert p.returncode == 1
    assert "c2pa_invalid" in p.stderr and "VERDICT" in p.stdout
    assert "Content Credentials broken" in " ".join(p.stdout.split())


def test_scan_counts_and_urls(provenance_files, base_url, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in ("ai-signed.mp4", "ai-tampered.mp4", "generated.png", "camera-signed.jpg"):
        (folder / name).write_bytes(provenance_files[name].read_bytes())
    links = tmp_path / "links.txt"
    links.write_text(f"# clips to check\n{base_url}/clip.mp4\n\n")
    p = verify("scan", folder, "--urls", links, "--out", tmp_path / "out", "--jobs", "1", "--no-scenes",
               "--junit", tmp_path / "junit.xml", cache=tmp_path / "cache")
    assert p.returncode == 0, p.stderr
    assert "5 files" in p.stdout
    assert "3 marked as AI-generated, 1 with broken Content Credentials" in " ".join(p.stdout.split())
    import xml.etree.ElementTree as ET

    props = {p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").getroot().iter("property")}
    assert props["files.ai_generated"] == "3" and props["files.c2pa_invalid"] == "1"
    reports = [json.loads(f.read_text()) for f in (tmp_path / "out").glob("*.json") if not f.name.startswith(".")]
    by_path = {r["file"]["path"]: r for r in reports}
    assert by_path[f"{base_url}/clip.mp4"]["source"]["upload_time"] == "2020-03-03T10:00:00Z"
    assert by_path["ai-tampered.mp4"]["provenance"]["c2pa"]["state"] == "invalid"
    links.write_text("ftp://example.org/clip.mp4\n")
    p = verify("scan", "--urls", links, "--out", tmp_path / "out2", cache=tmp_path / "cache")
    assert p.returncode == 2 and "links.txt:1: not an http(s) link" in p.stderr
