"""Camera motion of a stretch of video: ``static``, ``panning`` or ``moving`` (travelling).

Two measurements from the one decode pass are used:

* the global translation of every frame (the shot detector's phase correlation on the 64-px luma
  picture), summed over one-second windows so that hand shake cancels out;
* a zoom (expansion) rate between consecutive scene samples, half a second apart: the left and right
  halves of a 192-px grey picture are matched separately (phase correlation), as are the top and
  bottom halves; when the camera travels forward the halves move apart, so their difference over
  the half-width is the relative growth of the picture.

A stretch is ``moving`` when the picture keeps expanding steadily (most sample pairs agree on a
growth of at least ``ZOOM_MOVING`` a second: travel forward, as from a car's
windscreen) or when it slides fast and steadily one way for seconds (looking out of a side
window); ``panning`` when it slides steadily but slower; otherwise ``static``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

ZOOM_W = 192  # width of the grey pictures the zoom rate is measured on
ZOOM_MOVING = 0.03  # relative expansion per second that means travelling forward
PAN_SPEED = 0.06  # frame widths per second of steady sliding that make a pan
TRAVEL_SPEED = 0.6  # frame widths per second of steady sliding that mean travelling sideways
STEADY = 0.7  # share of one-second windows that must slide the same way (or keep growing)
MIN_RESPONSE = 0.05  # phase-correlation peaks weaker than this are no measurement


@dataclass
class ZoomPair:
    t0: float
    t1: float
    rate: float  # relative expansion per second (0.1 = the picture grows 10 % a second)


def zoom_gray(rgb: np.ndarray) -> np.ndarray:
    """The grey picture zoom rates are measured on (``ZOOM_W`` wide, float32)."""
    h, w = rgb.shape[:2]
    zh = max(16, int(round(ZOOM_W * h / max(1, w))))
    small = cv2.resize(rgb, (ZOOM_W, zh), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


_WINDOWS: dict[tuple[int, int], np.ndarray] = {}


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    shape = (a.shape[1], a.shape[0])
    win = _WINDOWS.get(shape)
    if win is None:
        win = _WINDOWS[shape] = cv2.createHanningWindow(shape, cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(np.ascontiguousarray(a), np.ascontiguousarray(b), win)
    return float(dx), float(dy), float(response)


def expansion(prev: np.ndarray, cur: np.ndarray) -> float | None:
    """Relative growth of the picture from ``prev`` to ``cur``, or None when it is not a zoom.

    The left/right halves give one estimate, the top/bottom halves another; a camera travelling
    forward makes both agree, while an object moving in front of a still camera (a hand, a
    passer-by) makes them differ, and then there is no measurement.
    """
    if prev.shape != cur.shape or float(prev.std()) < 4.0 or float(cur.std()) < 4.0:
        return None
    h, w = cur.shape
    lx, _, lr = _shift(prev[:, : w // 2], cur[:, : w // 2])
    rx, _, rr = _shift(prev[:, w // 2:], cur[:, w // 2:])
    _, ty, tr = _shift(prev[: h // 2], cur[: h // 2])
    _, by, br = _shift(prev[h // 2:], cur[h // 2:])
    if min(lr, rr, tr, br) < MIN_RESPONSE:
        return None
    ex, ey = (rx - lx) / (w / 2), (by - ty) / (h / 2)
    if abs(ex - ey) > max(0.5 * abs(ex + ey) / 2, 0.01):
        return None
    return float((ex + ey) / 2)


def classify_motion(a: float, b: float, t: Sequence[float], dx: Sequence[float], width: int,
                    zooms: Sequence[ZoomPair]) -> str:
    """``static``, ``panning`` or ``moving`` for the stretch ``[a, b)`` of a clip.

    ``t``/``dx`` are per-frame times and horizontal translations (analysis pixels per frame, the
    analysis picture being ``width`` pixels wide); ``zooms`` are expansion rates between samples.
    """
    pairs = [z for z in zooms if a <= z.t0 and z.t1 <= b + 1e-6]
    expected = max(1, int((b - a) / 0.5) - 1)  # sample pairs the stretch should have
    rates = np.array([z.rate for z in pairs])
    if len(rates) >= 2 and np.sum(rates >= ZOOM_MOVING) >= STEADY * expected:
        return "moving"
    tt = np.asarray(t, dtype=np.float64)
    xx = np.asarray(dx, dtype=np.float64)
    inside = (tt >= a) & (tt < b)
    if not inside.any() or b - a <= 0:
        return "static"
    tt, xx = tt[inside], xx[inside] / max(1, width)
    edges = np.arange(a, b, 1.0)
    speeds = []  # net frame widths per second, window by window
    for w0 in edges:
        sel = (tt >= w0) & (tt < w0 + 1.0)
        span = min(1.0, b - w0)
        if sel.sum() >= 2 and span >= 0.5:
            speeds.append(float(xx[sel].sum()) / span)
    if not speeds:
        return "static"
    sp = np.array(speeds)
    steady = max(np.mean(sp > PAN_SPEED / 2), np.mean(sp < -PAN_SPEED / 2))  # one way, allowing ease-in/out
    if steady < STEADY or float(np.median(np.abs(sp))) < PAN_SPEED:
        return "static"
    if b - a >= 2.0 and float(np.median(np.abs(sp))) >= TRAVEL_SPEED:
        return "moving"
    return "panning"
