"""Full-resolution keyframe JPEGs (``--keyframes DIR``), for reverse image search.

Keyframes are chosen during the decode pass on small pictures; here each chosen frame is fetched
again at full resolution by a seek, turned upright and written as ``<clip>-shot-003-12.40s.jpg``
(shots numbered from 1, as everywhere in verify).  Each JPEG carries its source's SHA-256 in a
comment, and names never collide (:mod:`verify.names`): a second clip called ``photo.jpg`` in
another folder gets ``photo-3f2a9c01-shot-001-0.00s.jpg``.  Written files are 0644 under the usual
umask, like the reports.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from .decode import rotate
from .names import NameBook, clip_stem, files_with_stem, jpeg_source, jpeg_with_source, place_new
from .report import Report


def keyframe_name(stem: str, index: int, t: float) -> str:
    return f"{stem}-shot-{index:03d}-{t:.2f}s.jpg"


def keyframe_owners(folder: Path, stem: str) -> set[str]:
    """Source SHA-256s of the keyframes already named with *stem* in *folder* ("?" when unknown)."""
    return {jpeg_source(p) or "?" for p in files_with_stem(folder, stem, ("shot",), ".jpg")}


def write_keyframes(src: Path, report: Report, outdir: Path, names: NameBook | None = None) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    sha = report.file.sha256
    stem = (names or NameBook()).stem(outdir, clip_stem(src), sha, keyframe_owners)
    if report.media.kind == "image":
        from .still import load_still

        rgb, _, _ = load_still(src)
        shot = report.shots[0]
        shot.keyframe = str(_write(outdir / keyframe_name(stem, shot.index, 0.0), rgb, sha))
        return
    for shot, rgb in zip(report.shots, _frames_at(src, report)):
        if rgb is not None:
            shot.keyframe = str(_write(outdir / keyframe_name(stem, shot.index, shot.keyframe_s), rgb, sha))


def _frames_at(src: Path, report: Report):
    """Full-resolution RGB frame, upright, at each shot's keyframe time (None where it fails)."""
    import av

    start = float(report.analysis.get("decode", {}).get("start_s", 0.0))
    by_dts = report.analysis.get("decode", {}).get("clock") == "dts"  # times came from the frames' dts
    display = (report.media.width or 0, report.media.height or 0)
    with av.open(str(src), metadata_errors="ignore") as container:
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        tb = float(vs.time_base)
        half = 0.5 / (report.media.fps or 25.0)
        for shot in report.shots:
            target = shot.keyframe_s + start
            rgb = None
            try:
                container.seek(int(target / tb), stream=vs, backward=True, any_frame=False)
                for frame in container.decode(vs):
                    stamp = frame.dts if by_dts else frame.pts
                    if stamp is None or stamp * tb >= target - half:
                        rgb = _upright(frame, report.media.rotation, display)
                        break
            except (av.error.FFmpegError, ValueError):
                rgb = None
            yield rgb


def _upright(frame, rotation: int, display: tuple[int, int]) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    rgb = rotate(rgb, rotation)
    if display[0] and display[1] and (rgb.shape[1], rgb.shape[0]) != display:
        rgb = cv2.resize(rgb, display, interpolation=cv2.INTER_AREA)
    return rgb


def _write(target: Path, rgb: np.ndarray, sha: str) -> Path:
    """Write atomically (a half-written JPEG never takes the final name) and never over another
    source's keyframe; returns where the file went."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise OSError(f"cannot encode {target.name}")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(jpeg_with_source(data.tobytes(), sha))
        return place_new(tmp, target, sha, jpeg_source)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
