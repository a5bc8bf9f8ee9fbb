"""Small shareable MP4 excerpts (``--excerpts DIR``): each street segment and each reused span.

ffmpeg-python builds the command and the ``ffmpeg`` program that the imageio-ffmpeg wheel ships
runs it (nothing from apt).  Each excerpt is re-encoded small (H.264, at most 480 px on the short
side, AAC audio), upright, without the source's metadata (no GPS leaves with it) but with a comment
naming the source's SHA-256 and the span, and is written atomically under a file name such as
``clip-street-001-0.00-4.00s.mp4`` (numbered from 1 within its kind, three digits like shots) that
never collides with another source's (:mod:`verify.names`; the comment tells whose a file is).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .names import NameBook, clip_stem, files_with_stem, place_new
from .report import Report

MAX_SHORT_SIDE = 480
# Short side at most MAX_SHORT_SIDE, both sides even (H.264 4:2:0), aspect kept.
_SCALE = ("scale=w='if(gte(iw,ih),-2,trunc(min({m},iw)/2)*2)':h='if(gte(iw,ih),trunc(min({m},ih)/2)*2,-2)'"
          .format(m=MAX_SHORT_SIDE))


class ExcerptError(Exception):
    """ffmpeg could not cut an excerpt; the message is ffmpeg's last line."""


@dataclass
class Excerpt:
    kind: str  # "street" or "reused"
    index: int  # 1-based within its kind
    start_s: float
    end_s: float
    path: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def spans_to_cut(report: Report) -> list[tuple[str, float, float]]:
    """(kind, start, end) of every street segment and every reused span, in time order per kind."""
    spans: list[tuple[str, float, float]] = []
    for seg in report.scenes.segments:
        if str(seg.get("label", "")).lower() == "street":
            spans.append(("street", float(seg["start_s"]), float(seg["end_s"])))
    for item in report.reused:
        spans.append(("reused", float(item["start_s"]), float(item["end_s"])))
    return [s for s in sorted(spans, key=lambda s: (s[0] != "street", s[1])) if s[2] > s[1]]


def excerpt_name(stem: str, kind: str, index: int, start_s: float, end_s: float) -> str:
    kind = re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_") or "span"
    return f"{stem}-{kind}-{index:03d}-{start_s:.2f}-{end_s:.2f}s.mp4"


def excerpt_source(path: Path) -> str | None:
    """The source SHA-256 named in an excerpt's comment (as :func:`write_excerpts` writes it), else None."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            comment = container.metadata.get("comment", "")
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    m = re.search(r"sha256:([0-9a-f]{64})", comment)
    return m.group(1) if m else None


def excerpt_owners(folder: Path, stem: str) -> set[str]:
    return {excerpt_source(p) or "?" for p in files_with_stem(folder, stem, ("street", "reused"), ".mp4")}


def cut_excerpt(src: str | os.PathLike[str], start_s: float, end_s: float, target: str | os.PathLike[str],
                comment: str | None = None, source: str | None = None) -> Path:
    """Cut ``[start_s, end_s)`` of *src* (seconds from the start of the file) into a small MP4 at *target*.

    With *source* (the SHA-256 named in *comment*), an existing *target* of another source is kept
    and the excerpt takes a prefixed name; returns where it went.
    """
    import ffmpeg
    import imageio_ffmpeg

    if end_s <= start_s:
        raise ExcerptError(f"empty span {start_s:.2f}-{end_s:.2f} s")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    out_args: dict[str, Any] = {
        "f": "mp4", "vf": _SCALE, "vcodec": "libx264", "preset": "veryfast", "crf": 26, "pix_fmt": "yuv420p",
        "acodec": "aac", "audio_bitrate": "96k", "movflags": "+faststart", "map_metadata": -1,
        "map_chapters": -1, "sn": None, "dn": None,
    }
    if comment:
        out_args["metadata"] = f"comment={comment}"
    stream = (ffmpeg.input(str(src), ss=f"{start_s:.3f}", t=f"{end_s - start_s:.3f}")
              .output(tmp, **out_args).overwrite_output().global_args("-nostdin", "-loglevel", "error"))
    try:
        ffmpeg.run(stream, cmd=imageio_ffmpeg.get_ffmpeg_exe(), capture_stdout=True, capture_stderr=True)
        if os.path.getsize(tmp) == 0:
            raise ExcerptError("ffmpeg wrote nothing")
        if source is None:
            from .atomic import publish

            publish(tmp, target)
        else:
            target = place_new(tmp, target, source, excerpt_source)
    except ffmpeg.Error as exc:
        lines = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ExcerptError(lines[-1] if lines else "ffmpeg failed") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def write_excerpts(src: str | os.PathLike[str], report: Report, outdir: str | os.PathLike[str],
                   names: NameBook | None = None) -> list[Excerpt]:
    """Cut every street segment and reused span of *report*; nothing is written when there are none.

    Returns what was written; spans ffmpeg could not cut raise :class:`ExcerptError` only after the
    others were written (the message lists them).
    """
    spans = spans_to_cut(report)
    if not spans:
        return []
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stem = (names or NameBook()).stem(outdir, clip_stem(src), report.file.sha256, excerpt_owners)
    written: list[Excerpt] = []
    failed: list[str] = []
    counters: dict[str, int] = {}
    for kind, start, end in spans:
        counters[kind] = counters.get(kind, 0) + 1
        target = outdir / excerpt_name(stem, kind, counters[kind], start, end)
        comment = f"{kind} excerpt {start:.2f}-{end:.2f} s of sha256:{report.file.sha256}, cut by verify"
        try:
            target = cut_excerpt(src, start, end, target, comment, source=report.file.sha256)
        except ExcerptError as exc:
            failed.append(f"{kind} {start:.2f}-{end:.2f} s: {exc}")
            continue
        written.append(Excerpt(kind, counters[kind], round(start, 3), round(end, 3), str(target)))
    report.analysis["excerpts"] = [e.to_dict() for e in written]
    if failed:
        raise ExcerptError("; ".join(failed))
    return written
