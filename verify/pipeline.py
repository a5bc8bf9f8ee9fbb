"""Analysis of one file: identity, probe, metadata, the one decode pass, flags.

``analyse(path, options)`` returns a :class:`~verify.report.Report` or raises
:class:`~verify.errors.InputError` with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import InputError
from .report import FileInfo, MediaInfo, Report

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".heic", ".heif"}


@dataclass
class Options:
    claimed_date: dt.date | None = None
    keyframes_dir: Path | None = None
    progress: Callable[[float, float | None], None] | None = None  # (seconds done, total)
    absolute_paths: bool = False


@dataclass
class Analysis:
    """A report plus what renderers may want besides it (thumbnails are not in the JSON)."""

    report: Report
    thumbnails: dict[int, bytes] = field(default_factory=dict)


def analyse(path: str | os.PathLike[str], options: Options | None = None) -> Analysis:
    options = options or Options()
    p = Path(path)
    _check_file(p)
    started = time.perf_counter()
    hasher = _Sha256(p)
    hasher.start()
    shown = str(p.resolve()) if options.absolute_paths else str(path)
    if _looks_like_image(p):
        from .still import analyse_still

        analysis = analyse_still(p, shown)
    else:
        analysis = _analyse_video(p, shown, options)
    report = analysis.report
    hasher.join()
    report.file.sha256, report.file.size_bytes = hasher.hexdigest, hasher.size
    from .flags import metadata_flags

    metadata_flags(report, options.claimed_date)
    if options.keyframes_dir is not None and report.shots:
        from .export import write_keyframes

        write_keyframes(p, report, options.keyframes_dir)
    report.analysis.update({
        "analysed_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "seconds": round(time.perf_counter() - started, 3),
        "claimed_date": options.claimed_date.isoformat() if options.claimed_date else None,
        "versions": _versions(),
    })
    return analysis


def _check_file(p: Path) -> None:
    if not p.exists():
        raise InputError(str(p), "no such file")
    if p.is_dir():
        raise InputError(str(p), "is a directory, not a video or image file")
    if not os.access(p, os.R_OK):
        raise InputError(str(p), "cannot be read (permission denied)")
    if p.stat().st_size == 0:
        raise InputError(str(p), "empty file (0 bytes)")


def _looks_like_image(p: Path) -> bool:
    if p.suffix.lower() in IMAGE_EXTENSIONS:
        return True
    with open(p, "rb") as fh:
        head = fh.read(16)
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"II*\x00", b"MM\x00*")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP")


class _Sha256(threading.Thread):
    """SHA-256 of the file, computed beside the decode pass."""

    def __init__(self, p: Path):
        super().__init__(daemon=True)
        self.p = p
        self.hexdigest = ""
        self.size = 0

    def run(self) -> None:
        h = hashlib.sha256()
        with open(self.p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                self.size += len(chunk)
        self.hexdigest = h.hexdigest()


def _versions() -> dict[str, str]:
    import av
    import cv2
    import numpy

    versions = {"verify": __version__, "pyav": av.__version__, "numpy": numpy.__version__, "opencv": cv2.__version__}
    try:
        lib = av.library_versions.get("libavcodec")
        versions["libavcodec"] = ".".join(map(str, lib)) if lib else "?"
    except AttributeError:
        pass
    for mod in ("imagehash", "pdqhash"):
        try:
            versions[mod] = __import__(mod).__version__
        except (ImportError, AttributeError):
            pass
    return versions


def _analyse_video(p: Path, shown: str, options: Options) -> Analysis:
    import av

    from .analyzers import StreamInfo
    from .analyzers.keyframes import KeyframePicker
    from .analyzers.shots import ShotDetector
    from .decode import DecodeStats, decode_frames
    from .metadata import video_metadata

    try:
        container = av.open(str(p), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(p), _open_problem(exc)) from None
    with container:
        vstreams = list(container.streams.video)
        if not vstreams:
            kinds = sorted({s.type for s in container.streams})
            what = "audio-only file" if "audio" in kinds else "no streams we can use"
            raise InputError(str(p), f"no video stream ({what})")
        vs = vstreams[0]
        media = _media_info(container, vs)
        metadata = video_metadata(dict(container.metadata),
                                  [(s.type, dict(s.metadata)) for s in container.streams])
        report = Report(file=FileInfo(shown, "", 0), media=media, metadata=metadata)
        stats = DecodeStats()
        shots = ShotDetector()
        keyframes = KeyframePicker(shots)
        analyzers = [shots, keyframes]
        total = media.duration_s
        progress = (lambda t: options.progress(t, total)) if options.progress else None
        frames = decode_frames(container, vs, stats, progress=progress)
        first = next(frames, None)
        if first is None:
            problem = "no video frame could be decoded"
            if stats.error_messages:
                problem += f" ({stats.error_messages[0]})"
            raise InputError(str(p), problem)
        media.rotation = first.rotation
        media.width, media.height = first.display
        info = StreamInfo(fps=media.fps or 25.0, duration_s=media.duration_s,
                          display=(media.width or 0, media.height or 0), rotation=media.rotation)
        for a in analyzers:
            a.start(info)
        for frame in _chain(first, frames):
            for a in analyzers:
                a.process(frame)
        for a in analyzers:
            a.finish(report)
    media.frame_count = stats.frames
    media.decoded_duration_s = round(stats.decoded_duration, 3)
    _decode_flags(report, stats)
    report.analysis["decode"] = {"frames": stats.frames, "errors": stats.errors,
                                 "corrupt_frames": stats.corrupt_frames, "seconds": round(stats.seconds, 3),
                                 "start_s": round(stats.first_time or 0.0, 6)}
    return Analysis(report, keyframes.keyframe_jpegs())


def _chain(first, rest):
    yield first
    yield from rest


def _open_problem(exc: Exception) -> str:
    text = str(exc)
    if "Invalid data" in text or "moov atom not found" in text:
        return "not a readable video or image (unrecognised or damaged data)"
    return f"cannot be opened as video ({text.split(':')[-1].strip() or type(exc).__name__})"


def _media_info(container, vs) -> MediaInfo:
    cc = vs.codec_context
    rate = vs.average_rate or vs.guessed_rate or vs.base_rate
    duration = None
    if container.duration:
        duration = container.duration / 1_000_000
    elif vs.duration and vs.time_base:
        duration = float(vs.duration * vs.time_base)
    audio = list(container.streams.audio)
    return MediaInfo(
        container=container.format.name,
        duration_s=round(duration, 3) if duration is not None else None,
        width=cc.width or None, height=cc.height or None,
        fps=round(float(rate), 3) if rate else None,
        video_codec=cc.name,
        audio_codec=audio[0].codec_context.name if audio else None,
        coded_width=cc.width or None, coded_height=cc.height or None,
        pixel_format=cc.format.name if cc.format else None,
        bit_rate=container.bit_rate or None,
        audio_channels=audio[0].codec_context.channels if audio else None,
        audio_sample_rate=audio[0].codec_context.sample_rate if audio else None,
    )


def _decode_flags(report: Report, stats) -> None:
    media = report.media
    declared = media.duration_s or 0.0
    decoded = stats.decoded_duration
    short = declared > 0 and decoded < declared - max(1.0, 0.05 * declared)
    if stats.errors or stats.corrupt_frames or short or stats.stopped_early:
        parts = []
        if stats.errors:
            parts.append(f"{stats.errors} damaged packet(s) skipped")
        if stats.corrupt_frames:
            parts.append(f"{stats.corrupt_frames} frame(s) decoded with errors")
        if short:
            parts.append(f"only {decoded:.2f} s of the declared {declared:.2f} s decode")
        if stats.stopped_early and not short:
            parts.append(stats.stopped_early)
        report.add_flag("decode_errors", "warning",
                        "Damaged or truncated video stream: " + "; ".join(parts) + " (analysed as far as it decodes).",
                        errors=stats.errors, corrupt_frames=stats.corrupt_frames,
                        decoded_duration_s=round(decoded, 3), declared_duration_s=declared,
                        messages=stats.error_messages)
