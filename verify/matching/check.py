"""Checking a candidate span against the reference's own thumbnails: where, how alike, moving alike.

Hashes only say "these pictures look alike".  Before a span is reported:

1. **Geometry.** The clip's live area is placed inside the reference picture: a template search over
   crops keeping 76-100 % of each dimension (``register``).  The best placement tells whether, and
   how much, the clip was cropped, and gives the appearance score (normalised cross-correlation,
   which ignores brightness and contrast changes).
2. **Motion.** Over about a second, the clip's picture changes (people walk, the camera pans); the
   reference must change *the same way* at the mapped times: the frame differences of both sides,
   in the registered geometry, must correlate (``motion_agreement``).  This is what tells the same
   footage from another stretch of the same static camera, where the background matches perfectly
   but the moving things do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..fingerprint.live_area import Box

SCALES = np.round(np.arange(0.76, 1.0001, 0.03), 3)
MOTION_MIN_STD = 2.0  # grey levels of frame-difference std below which a side did not move
FINE_MOTION_STD = 0.8  # ...and below which it did not move at all (a re-encoded still changes by ~0.1-0.3)


@dataclass(frozen=True)
class Placement:
    """Where the clip picture sits in the reference picture (fractions of the reference)."""

    box: Box
    score: float  # normalised cross-correlation, -1..1


def _f32(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32)


def _best_size(img: np.ndarray, q: np.ndarray, sizes: Iterable[tuple[int, int, Any]],
               smallest: int) -> tuple[float, Any, Box]:
    """Template-match ``q`` resized to each (width, height, tag) of *sizes* inside ``img`` (float32);
    the best correlation, its tag and where it lies (sizes under *smallest* px, larger than ``img``
    or of a flat picture are skipped)."""
    H, W = img.shape
    best: tuple[float, Any, Box] = (-1.0, 1.0, Box())
    for tw, th, tag in sizes:
        if tw < smallest or th < smallest or tw > W or th > H:
            continue
        qs = cv2.resize(q, (tw, th), interpolation=cv2.INTER_AREA)
        if float(qs.std()) < 1.0:
            continue
        res = cv2.matchTemplate(img, _f32(qs), cv2.TM_CCOEFF_NORMED)
        _, score, _, (x, y) = cv2.minMaxLoc(res)
        if score > best[0]:
            best = (float(score), tag, Box(x / W, y / H, (x + tw) / W, (y + th) / H))
    return best


def _search(q: np.ndarray, rf: np.ndarray, scales_w: np.ndarray, scales_h: np.ndarray) -> tuple[float, float, Box]:
    hr, wr = rf.shape
    sizes = ((int(round(sw * wr)), int(round(sh * hr)), float(sw) + 1j * float(sh))
             for sw in scales_w for sh in scales_h)
    return _best_size(rf, q, sizes, 4)


def register(q: np.ndarray, r: np.ndarray) -> Placement:
    """Best placement of picture ``q`` inside ``r`` as a crop of 76-100 % per dimension: a coarse
    search at half size over the whole scale grid, then a fine one around the best scales."""
    half = cv2.resize(r, (max(8, r.shape[1] // 2), max(8, r.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    _, s, _ = _search(q, _f32(half), SCALES, SCALES)
    step = float(SCALES[1] - SCALES[0])
    fine_w = np.clip(np.array([-1, 0, 1]) * step / 2 + s.real, SCALES[0], 1.0)
    fine_h = np.clip(np.array([-1, 0, 1]) * step / 2 + s.imag, SCALES[0], 1.0)
    score, _, box = _search(q, _f32(r), np.unique(fine_w), np.unique(fine_h))
    return Placement(box, score)


def aligned(q: np.ndarray, r: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """``q`` resized onto ``box`` of ``r``, and that part of ``r`` (both float32, same size)."""
    x0, y0, x1, y1 = box.pixels(r.shape[1], r.shape[0])
    part = _f32(r[y0:y1, x0:x1])
    return _f32(cv2.resize(q, (part.shape[1], part.shape[0]), interpolation=cv2.INTER_AREA)), part


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation of two same-size pictures."""
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-6 else 0.0


def motion_agreement(q0: np.ndarray, q1: np.ndarray, r0: np.ndarray, r1: np.ndarray,
                     least: float = MOTION_MIN_STD) -> float | None:
    """Correlation of the clip's change (q0 -> q1) with the reference's (r0 -> r1), or None when
    either side is still (changes by less than ``least``: nothing to compare)."""
    dq, dr = q1 - q0, r1 - r0
    if float(dq.std()) < least or float(dr.std()) < least:
        return None
    return ncc(dq, dr)


PHOTO_SCALES = np.geomspace(0.45, 1.0, 16)  # a clip zooming up to ~2.2x into a photo


def place_in_photo(q: np.ndarray, r: np.ndarray) -> Placement:
    """Best placement of clip picture ``q`` inside photo ``r`` at any zoom up to ~2.2x, keeping
    ``q``'s shape (a pan-and-zoom over a photo crops it, it does not stretch it): a coarse search at
    half size over ``PHOTO_SCALES``, then a fine one around the best."""
    hr, wr = r.shape
    aspect = q.shape[1] / q.shape[0]
    w0, h0 = (wr, wr / aspect) if wr / aspect <= hr else (hr * aspect, hr)

    def search(img: np.ndarray, f: float, scales: np.ndarray) -> tuple[float, float, Box]:
        return _best_size(img, q, ((int(round(s * w0 * f)), int(round(s * h0 * f)), float(s)) for s in scales), 6)

    half = cv2.resize(r, (max(8, wr // 2), max(8, hr // 2)), interpolation=cv2.INTER_AREA)
    _, s, _ = search(_f32(half), half.shape[1] / wr, PHOTO_SCALES)
    fine = np.clip(s * np.exp(np.arange(-2, 3) * 0.02), PHOTO_SCALES[0], 1.0)
    score, _, box = search(_f32(r), 1.0, np.unique(fine))
    return Placement(box, score)


BLOCKS = 6  # the picture is cut into BLOCKS x BLOCKS parts for ``worst_part``


def worst_part(q: np.ndarray, r: np.ndarray) -> float:
    """How much the worst-matching part of two aligned pictures disagrees, against the typical part:
    ``q`` is fitted to ``r`` by gain and offset, and the RMS residual of each of 6 x 6 blocks taken;
    returned is the largest over the median (floored at 2 grey levels).  A copy (re-encoded, scaled,
    colour-shifted) disagrees about evenly everywhere (~1.5-2.5); another moment of the same still
    camera disagrees where something came, went or moved (a walker, a car, a branch: 6-10)."""
    qf, rf = q.astype(np.float32).ravel(), r.astype(np.float32).ravel()
    if float(qf.std()) < 1e-3:
        return float("inf")
    gain, offset = np.polyfit(qf, rf, 1)
    res = (gain * q.astype(np.float32) + offset - r.astype(np.float32)) ** 2
    h, w = res.shape
    rms = [float(np.sqrt(res[i * h // BLOCKS:(i + 1) * h // BLOCKS, j * w // BLOCKS:(j + 1) * w // BLOCKS].mean()))
           for i in range(BLOCKS) for j in range(BLOCKS)]
    return max(rms) / max(float(np.median(rms)), 2.0)
