"""Clips from a link: ``verify URL`` fetches the clip with yt-dlp (as a library) and says where it came from.

:func:`fetch` downloads an http(s) URL into a cache folder named by the SHA-256 of the URL
(``<cache>/urls/<24 hex>/``; the cache is the user cache directory from ``platformdirs``, or
``$VERIFY_CACHE``, or the folder given) and returns the file and the report's ``source``:
``{url, webpage_url, extractor, id, title, uploader, channel, upload_time, upload_time_source,
upload_time_trust, fetched_at, duration, license, cached}``.  A URL already in the cache is not
fetched again (``cached: true``, ``fetched_at`` of the first fetch).

The upload time is the platform's when its extractor gives one (``upload_time_trust:
"platform"``).  For a plain web page or file (yt-dlp's ``generic`` extractor) it is the web
server's ``Last-Modified`` header, which says when the file was last written on that server:
``upload_time_trust: "low"``.  Network is used only here, only for a URL the user gave;
every failure (no such page, no video on it, larger than the limit, time-out, offline) raises
:class:`~verify.errors.InputError` with one line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

DEFAULT_MAX_DOWNLOAD_MB = 500
DEFAULT_NETWORK_TIMEOUT_S = 30.0
_SOURCE_JSON = "source.json"
# yt-dlp extractors for plain web pages and files (not a platform): their time is a server's Last-Modified
GENERIC_EXTRACTORS = frozenset({"generic", "html5mediaembed"})


@dataclass(frozen=True)
class FetchOptions:
    """How URL arguments are fetched (plain data: it crosses into scan's worker processes)."""

    cache: str | None = None  # the URL cache (default: $VERIFY_CACHE, else the user cache directory)
    offline: bool = False  # refuse URLs (--offline)
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB  # --max-download-mb
    timeout_s: float = DEFAULT_NETWORK_TIMEOUT_S  # network time-out of one request


def is_url(text: str) -> bool:
    return str(text).lower().startswith(("http://", "https://"))


def cache_root(override: str | os.PathLike[str] | None = None) -> Path:
    """Where fetched clips are kept: *override*, else ``$VERIFY_CACHE``, else the user cache directory."""
    if override:
        return Path(override)
    if os.environ.get("VERIFY_CACHE"):
        return Path(os.environ["VERIFY_CACHE"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("verify"))


def url_folder(url: str, cache: str | os.PathLike[str] | None = None) -> Path:
    return cache_root(cache) / "urls" / hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def _iso(ts: float | int | None) -> str | None:
    if ts is None:
        return None
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def _upload_time(info: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(upload time in UTC, where it comes from, trust) from a yt-dlp info dict."""
    extractor = str(info.get("extractor_key") or info.get("extractor") or "").lower()
    if extractor in GENERIC_EXTRACTORS:
        when = _iso(info.get("timestamp"))
        return (when, "the web server's Last-Modified date", "low") if when else (None, None, None)
    for key in ("timestamp", "release_timestamp"):
        when = _iso(info.get(key))
        if when:
            return when, f"{info.get('extractor_key') or extractor} ({key})", "platform"
    date = str(info.get("upload_date") or "")
    if len(date) == 8 and date.isdigit():
        return f"{date[:4]}-{date[4:6]}-{date[6:]}", f"{info.get('extractor_key') or extractor} (upload_date)", "platform"
    return None, None, None


def _text(value: Any, limit: int = 300) -> str | None:
    return None if value in (None, "") else str(value)[:limit]


def source_of(url: str, info: dict[str, Any], fetched_at: str) -> dict[str, Any]:
    when, origin, trust = _upload_time(info)
    duration = info.get("duration")
    return {"url": url, "webpage_url": _text(info.get("webpage_url")),
            "extractor": _text(str(info.get("extractor_key") or info.get("extractor") or "").lower() or None),
            "id": _text(info.get("id")), "title": _text(info.get("title")),
            "uploader": _text(info.get("uploader")), "channel": _text(info.get("channel")),
            "upload_time": when, "upload_time_source": origin, "upload_time_trust": trust,
            "fetched_at": fetched_at,
            "duration": float(duration) if isinstance(duration, (int, float)) else None,
            "license": _text(info.get("license")), "cached": False}


class _TooLarge(Exception):
    pass


class _Quiet:
    """yt-dlp's logger: keeps the last error line, prints nothing."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def debug(self, msg: str) -> None:
        self.warning(msg)  # quiet yt-dlp sends its "File is larger than max-filesize" line here

    def info(self, msg: str) -> None:
        self.warning(msg)

    def warning(self, msg: str) -> None:
        if "max-filesize" in msg or "larger than max" in msg.lower():
            self.errors.append(msg)

    def error(self, msg: str) -> None:
        self.errors.append(msg)


def _reason(message: str, max_mb: float) -> str:
    """One line for a yt-dlp failure."""
    text = " ".join(str(message).replace("ERROR:", "").split()).split(" (caused by ", 1)[0]
    low = text.lower()
    if "unsupported url" in low or "no video formats" in low or "no media" in low:
        return "no video found at this address"
    if "max-filesize" in low or "larger than max" in low or "file is larger" in low:
        return f"the video is larger than --max-download-mb {max_mb:g}"
    if "timed out" in low or "timeout" in low:
        return "the server did not answer in time (network time-out)"
    if "http error" in low:
        i = low.index("http error")
        return text[i:i + 60].rstrip(".")
    if "name or service not known" in low or "failed to resolve" in low or "connection refused" in low:
        return "cannot connect to the server"
    text = text.split("; please report", 1)[0]
    return text[:160] or "the download failed"


def _check_size(progress: dict[str, Any], limit: int) -> None:
    if (progress.get("downloaded_bytes") or 0) > limit:
        raise _TooLarge()


def _cached(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    meta = folder / _SOURCE_JSON
    if not meta.is_file():
        return None
    try:
        record = json.loads(meta.read_text())
        media = folder / record["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not media.is_file() or media.stat().st_size == 0:
        return None
    source = dict(record["source"])
    source["cached"] = True
    return media, source


def fetch_with(url: str, options: FetchOptions) -> tuple[Path, dict[str, Any]]:
    return fetch(url, options.cache, offline=options.offline, max_download_mb=options.max_download_mb,
                 timeout_s=options.timeout_s)


def fetch(url: str, cache: str | os.PathLike[str] | None = None, *, offline: bool = False,
          max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB,
          timeout_s: float = DEFAULT_NETWORK_TIMEOUT_S) -> tuple[Path, dict[str, Any]]:
    """Download the clip at *url* (or take it from the cache); return its path and the report's ``source``."""
    if not is_url(url):
        raise InputError(url, "not an http(s) address")
    if offline:
        raise InputError(url, "is a web address and --offline forbids the network")
    folder = url_folder(url, cache)
    hit = _cached(folder)
    if hit is not None:
        return hit
    import yt_dlp

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=folder.name + ".part-", dir=folder.parent))
    logger = _Quiet()
    limit = int(max_download_mb * 1024 * 1024)
    options = {
        "outtmpl": str(work / "%(id).60B.%(ext)s"), "restrictfilenames": True, "noplaylist": True,
        "quiet": True, "no_warnings": True, "noprogress": True, "logger": logger,
        "socket_timeout": timeout_s, "retries": 1, "fragment_retries": 1, "extractor_retries": 0,
        "max_filesize": limit, "cachedir": False, "overwrites": True, "playlist_items": "1",
        "format": "bv*+ba/b", "merge_output_format": "mp4",
        "progress_hooks": [lambda d: _check_size(d, limit)],  # a server that does not say the size up front
    }
    try:
        import imageio_ffmpeg

        options["ffmpeg_location"] = imageio_ffmpeg.get_ffmpeg_exe()  # merges separate video and audio (no re-encode)
    except (ImportError, RuntimeError):
        pass
    fetched_at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        try:
            with yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.extract_info(url, download=True)
                if info and info.get("_type") == "playlist":
                    entries = [e for e in info.get("entries") or [] if e]
                    info = entries[0] if entries else None
        except _TooLarge:
            raise InputError(url, f"the video is larger than --max-download-mb {max_download_mb:g}") from None
        except yt_dlp.utils.DownloadError as exc:
            if isinstance(getattr(exc, "exc_info", (None, None))[1], _TooLarge):
                raise InputError(url, f"the video is larger than --max-download-mb {max_download_mb:g}") from None
            raise InputError(url, _reason(str(exc), max_download_mb)) from None
        except (OSError, ValueError) as exc:
            raise InputError(url, _reason(str(exc), max_download_mb)) from None
        if not info:
            raise InputError(url, "no video found at this address")
        media = [p for p in work.iterdir() if p.is_file() and not p.name.endswith((".part", ".ytdl", ".json"))]
        if not media:
            raise InputError(url, _reason(logger.errors[-1], max_download_mb) if logger.errors
                             else "nothing was downloaded")
        if media[0].stat().st_size > limit:
            raise InputError(url, f"the video is larger than --max-download-mb {max_download_mb:g}")
        source = source_of(url, info, fetched_at)
        source["cached_file"] = f"urls/{folder.name}/{media[0].name}"  # below the cache folder
        (work / _SOURCE_JSON).write_text(json.dumps({"file": media[0].name, "source": source}, indent=2))
        if folder.exists():  # a concurrent fetch of the same URL finished first: keep it
            hit = _cached(folder)
            if hit is not None:
                return hit
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(work, folder)
        return folder / media[0].name, source
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
