"""Stills (JPEG, PNG, WebP, TIFF...): the same report as a one-shot video, metadata from EXIF."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np

from .errors import InputError
from .limits import DEFAULT_MAX_PIXELS
from .hashing import pdq_hex, phash_hex
from .report import FileInfo, MediaInfo, Report, Shot

_ORIENTATION_ROTATION = {3: 180, 6: 90, 8: 270}


def load_still(p: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, int, str]:
    """RGB pixels as displayed (EXIF orientation applied), the rotation applied, and the format name."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings(), Image.open(p) as im:
            warnings.simplefilter("ignore")  # Pillow warns on damaged tags; what can be read is used
            fmt = (im.format or "image").lower()
            if im.width * im.height > max_pixels:
                raise InputError(str(p), f"image of {im.width}x{im.height} exceeds the limit of {max_pixels} "
                                         "pixels (--max-pixels)")
            orientation = im.getexif().get(0x0112, 1) if hasattr(im, "getexif") else 1
            im = ImageOps.exif_transpose(im)
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InputError(str(p), f"not a readable image ({str(exc).splitlines()[0][:80] or type(exc).__name__})") from None
    except Image.DecompressionBombError:
        raise InputError(str(p), "image too large to analyse safely") from None
    return rgb, _ORIENTATION_ROTATION.get(orientation, 0), fmt


def analyse_still(p: Path, shown: str, max_pixels: int = DEFAULT_MAX_PIXELS):
    from .metadata import image_metadata
    from .pipeline import Analysis

    rgb, rotation, fmt = load_still(p, max_pixels)
    h, w = rgb.shape[:2]
    media = MediaInfo(container=fmt, duration_s=0.0, width=w, height=h, fps=None, video_codec=fmt,
                      audio_codec=None, rotation=rotation, kind="image", frame_count=1, decoded_duration_s=0.0)
    report = Report(file=FileInfo(shown, "", 0), media=media, metadata=image_metadata(str(p)))
    scale = min(1.0, 384 / max(w, h))
    thumb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    pdq, quality = pdq_hex(thumb)
    report.shots = [Shot(index=1, start_s=0.0, end_s=0.0, keyframe_s=0.0, phash=phash_hex(thumb), pdq=pdq,
                         pdq_quality=quality, start_frame=0, end_frame=1)]
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(thumb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return Analysis(report, {0: jpg.tobytes()} if ok else {})
