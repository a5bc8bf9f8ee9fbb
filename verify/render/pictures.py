"""Pictures the HTML page shows beside the report: the clip frame and the reference frame of
each reused finding, fetched by one seek each (the analysis keeps only per-shot thumbnails)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..report import Report

THUMB_LONG_SIDE = 384


def frame_jpeg(path: str | os.PathLike[str], t: float, long_side: int = THUMB_LONG_SIDE) -> bytes | None:
    """A small upright JPEG of the frame shown at *t* seconds (stream time) of a video or still, or None."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        rgb = _still(p) if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"} \
            else _video_frame(p, t)
    except Exception:  # noqa: BLE001 - a picture is an illustration; any failure means a placeholder
        return None
    if rgb is None:
        return None
    h, w = rgb.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return jpg.tobytes() if ok else None


def _still(p: Path) -> np.ndarray:
    from ..still import load_still

    return load_still(p)[0]


def _video_frame(p: Path, t: float) -> np.ndarray | None:
    import av

    from ..decode import display_geometry, frame_rotation, thumbnail

    with av.open(str(p), metadata_errors="ignore") as container:
        vs = container.streams.video[0]
        if vs.time_base is None:
            return None
        tb = float(vs.time_base)
        start = vs.start_time * tb if vs.start_time is not None else 0.0  # report times count from here
        target = start + max(0.0, t)
        container.seek(int(target / tb), stream=vs, backward=True, any_frame=False)
        last = None
        for frame in container.decode(vs):
            last = frame
            if frame.pts is None or frame.pts * tb >= target - 0.02:
                break
        if last is None:
            return None
        rotation = frame_rotation(last)
        sar = float(vs.sample_aspect_ratio) if vs.sample_aspect_ratio else None
        display = display_geometry(last.width, last.height, sar, rotation)
        return thumbnail(last, rotation, display, THUMB_LONG_SIDE)


def reuse_pictures(report: Report, source: str | os.PathLike[str]) -> dict[int, tuple[bytes | None, bytes | None]]:
    """For each reused finding: (frame of *source* mid-span, frame of the reference file mid-span).

    The reference frame is read from ``ref.path`` when that file is on this machine; otherwise it
    is None and the page shows a placeholder.
    """
    out: dict[int, tuple[bytes | None, bytes | None]] = {}
    for i, item in enumerate(report.reused):
        out[i] = (_at(source, item, "start_s", "end_s"), _at((item.get("ref") or {}).get("path"), item,
                                                              "ref_start_s", "ref_end_s"))
    return out


def _at(path: Any, item: dict[str, Any], a: str, b: str) -> bytes | None:
    if not path:
        return None
    try:
        t = (float(item[a]) + float(item[b])) / 2
    except (KeyError, TypeError, ValueError):
        return None
    return frame_jpeg(str(path), t)
