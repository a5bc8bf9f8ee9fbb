"""`verify URL`: clips fetched with yt-dlp from a local HTTP server started by the test (no internet)."""

from __future__ import annotations

import datetime as dt
import http.server
import time
from email.utils import formatdate

import pytest

from conftest import FIXTURES, local_http_server
from verify.errors import InputError
from verify.provenance.source import fetch, url_folder

CLIP = (FIXTURES / "rotated.mp4").read_bytes()
LAST_MODIFIED = dt.datetime(2020, 3, 3, 10, 0, 0, tzinfo=dt.timezone.utc)


class Handler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def _send(self, status: int, body: bytes, ctype: str, last_modified: bool = False, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:  # without it the body ends when the connection closes (HTTP/1.0)
            self.send_header("Content-Length", str(len(body)))
        if last_modified:
            self.send_header("Last-Modified", formatdate(LAST_MODIFIED.timestamp(), usegmt=True))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out, size limit)
                pass

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.requests.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        pages = {
            "/og.html": f'<html><head><title>A post</title><meta property="og:title" content="Flood in the square">'
                        f'<meta property="og:video" content="{base}/clip.mp4">'
                        f'<meta property="og:video:type" content="video/mp4"></head><body>post</body></html>',
            "/video.html": f'<html><head><title>Page with a player</title></head><body>'
                           f'<video controls src="{base}/clip.mp4"></video></body></html>',
            "/novideo.html": "<html><head><title>Just text</title></head><body><p>No clip here.</p></body></html>",
        }
        if self.path == "/clip.mp4":
            self._send(200, CLIP, "video/mp4", last_modified=True)
        elif self.path == "/unsized.mp4":
            self._send(200, CLIP, "video/mp4", length=False)
        elif self.path == "/slow.mp4":
            time.sleep(3)
            self._send(200, CLIP, "video/mp4")
        elif self.path in pages:
            self._send(200, pages[self.path].encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    with local_http_server(Handler) as url:
        yield url


def test_direct_mp4(server, tmp_path):
    path, source = fetch(f"{server}/clip.mp4", tmp_path)
    assert path.read_bytes() == CLIP
    assert path.parent == url_folder(f"{server}/clip.mp4", tmp_path)
    assert tmp_path / source["cached_file"] == path
    assert source["url"] == f"{server}/clip.mp4" and source["extractor"] == "generic"
    assert source["upload_time"] == "2020-03-03T10:00:00Z" and source["upload_time_trust"] == "low"
    assert "Last-Modified" in source["upload_time_source"]
    assert source["fetched_at"].endswith("Z") and source["cached"] is False
    # the second time it comes from the cache, without a request
    before = len(Handler.requests)
    again, cached = fetch(f"{server}/clip.mp4", tmp_path)
    assert again == path and cached["cached"] is True and cached["fetched_at"] == source["fetched_at"]
    assert len(Handler.requests) == before


@pytest.mark.parametrize("page", ["og.html", "video.html"])
def test_page_with_a_video(server, tmp_path, page):
    path, source = fetch(f"{server}/{page}", tmp_path)
    assert path.read_bytes() == CLIP
    assert source["url"] == f"{server}/{page}"
    assert source["extractor"] in ("generic", "html5mediaembed")  # yt-dlp's extractors for plain pages
    assert source["upload_time"] is None or source["upload_time_trust"] == "low"


@pytest.mark.parametrize("page, reason", [
    ("missing.mp4", "HTTP Error 404"),
    ("novideo.html", "no video found at this address"),
])
def test_failures_are_one_line(server, tmp_path, page, reason):
    with pytest.raises(InputError) as err:
        fetch(f"{server}/{page}", tmp_path)
    assert reason in str(err.value) and "\n" not in str(err.value)
    assert not list((tmp_path / "urls").glob("*"))  # nothing half-written is left in the cache


@pytest.mark.parametrize("name", ["clip.mp4", "unsized.mp4"])  # size declared up front, or not
def test_too_large(server, tmp_path, name):
    with pytest.raises(InputError) as err:
        fetch(f"{server}/{name}", tmp_path, max_download_mb=0.1)
    assert "--max-download-mb 0.1" in str(err.value)
    assert not list((tmp_path / "urls").glob("*"))


def test_timeout(server, tmp_path):
    with pytest.raises(InputError) as err:
        fetch(f"{server}/slow.mp4", tmp_path, timeout_s=0.5)
    assert "time" in str(err.value)


def test_offline_refuses_urls(tmp_path):
    before = len(Handler.requests)
    with pytest.raises(InputError) as err:
        fetch("http://127.0.0.1:9/clip.mp4", tmp_path, offline=True)
    assert "--offline" in str(err.value) and len(Handler.requests) == before


def test_url_analysed_like_a_file_with_its_source(server, tmp_path):
    from verify.links import FetchOptions, analyse_input
    from verify.pipeline import Options

    url = f"{server}/clip.mp4"
    options = Options(scenes=False, claimed_date=dt.date(2023, 12, 20))
    report = analyse_input(url, options, FetchOptions(cache=str(tmp_path))).report
    assert report.source["url"] == url and report.source["upload_time"] == "2020-03-03T10:00:00Z"
    assert report.media.kind == "video" and len(report.file.sha256) == 64
    assert report.to_dict()["source"]["url"] == url and report.file.path == url
    [early] = [f for f in report.flags if f.code == "uploaded_before_claimed"]
    assert early.severity == "critical" and "2020-03-03" in early.message and "low trust" in early.message and "online" not in early.message
    assert "platform_reencode" not in report.flag_codes()  # a plain web server does not re-encode
    # within a day of the claimed date: no flag
    same_day = analyse_input(url, Options(scenes=False, claimed_date=dt.date(2020, 3, 4)),
                             FetchOptions(cache=str(tmp_path))).report
    assert "uploaded_before_claimed" not in same_day.flag_codes()


def test_platform_source_flags():
    from verify.provenance.flags import provenance_flags
    from verify.report import FileInfo, MediaInfo, Report

    report = Report(file=FileInfo("x.mp4", "0" * 64, 1), media=MediaInfo())
    report.source = {"url": "https://www.youtube.com/watch?v=x", "extractor": "youtube",
                     "upload_time": "2019-02-01T00:00:00Z", "upload_time_source": "Youtube (timestamp)",
                     "upload_time_trust": "platform"}
    provenance_flags(report, dt.date(2023, 12, 20))
    codes = {f.code: f for f in report.flags}
    assert codes["uploaded_before_claimed"].severity == "critical"
    assert "low trust" not in codes["uploaded_before_claimed"].message
    assert "4 years" in codes["uploaded_before_claimed"].message
    assert codes["platform_reencode"].severity == "info" and "youtube" in codes["platform_reencode"].message


def test_source_of_a_platform_extractor():
    """What yt-dlp's platform extractors give (timestamp, or only upload_date) becomes the platform's upload time."""
    from verify.provenance.source import source_of

    info = {"extractor_key": "Youtube", "extractor": "youtube", "id": "abc", "title": "Flood",
            "uploader": "Someone", "channel": "Someone's channel", "timestamp": 1548979200, "duration": 12,
            "webpage_url": "https://www.youtube.com/watch?v=abc", "license": "Creative Commons Attribution license"}
    source = source_of("https://youtu.be/abc", info, "2026-01-01T00:00:00Z")
    assert source["extractor"] == "youtube" and source["upload_time"] == "2019-02-01T00:00:00Z"
    assert source["upload_time_trust"] == "platform" and source["upload_time_source"] == "Youtube (timestamp)"
    assert source["duration"] == 12.0 and source["license"].startswith("Creative Commons")
    dated = source_of("https://x/1", {"extractor_key": "Vimeo", "upload_date": "20200105"}, "2026-01-01T00:00:00Z")
    assert dated["upload_time"] == "2020-01-05" and dated["upload_time_trust"] == "platform"
    bare = source_of("https://x/2", {"extractor_key": "Vimeo"}, "2026-01-01T00:00:00Z")
    assert bare["upload_time"] is None and bare["upload_time_trust"] is None
