"""Windows inside the frame: picture-in-picture, split screens, vertical fills, found without motion.

Platforms and broadcasters show footage in a *window* of their own frame: a news broadcast puts a
clip in a corner over other, moving footage; a split screen puts two clips side by side; a vertical
(9:16) post puts a 16:9 clip over a blurred, enlarged copy of itself with a caption box.  What every
layout shares is the window's border: a straight edge that stays in the same place for the whole
clip, while the edges of the footage move (or, for a still camera, at least do not line up into a
rectangle with the frame).  Working on a spread of small grey thumbnails:

1. **Persistent edges.** The mean (over time) of each pixel's horizontal and vertical gradient.  A
   pixel is on a persistent edge when that mean is clearly above the mean two pixels away on both
   sides (a thin ridge, not a textured area).  A vertical (horizontal) *line* is a column (row) with
   such pixels over at least ``MIN_SIDE`` of the picture.
2. **Sharpness steps.** A blurred fill has almost no fine detail; the window in it has plenty.  Rows
   and columns where the time-averaged Laplacian energy steps up or down by ``SHARP_STEP`` are lines
   too (the border between a blurred copy and the sharp footage is often no edge at all).
3. **Rectangles.** Every rectangle whose four sides lie on lines (the frame's own borders count)
   with edge support on at least ``SIDE_SUPPORT`` of each side, 20-100 % of the frame, is a
   candidate, scored by the mean support of its inner sides, less the share of flat rows/columns
   inside it; those within ``SCORE_MARGIN`` of the best that do not overlap each other much are
   kept, and then windows elsewhere in the frame, clear of those, scoring at least ``OTHER_MIN``
   (the clip beside a reaction's face cam), ``MAX_WINDOWS`` in all: usually one (the two halves
   and their union for a split screen).

The caller hashes each window as one more live area; whether a window really holds known footage is
decided by the matcher's picture and motion checks, so a candidate that is only a lower third or a
sign in the scene costs a few hashes and nothing else.
"""

from __future__ import annotations

import cv2
import numpy as np

from .live_area import Box

EDGE_MIN = 3.0  # grey levels of mean gradient a persistent edge pixel needs
EDGE_RATIO = 1.6  # ...and this multiple of the mean gradient two pixels to either side
MIN_SIDE = 0.25  # a window side covers at least this share of the picture's dimension
SIDE_SUPPORT = 0.6  # share of a side's pixels that must be on a persistent edge
SHARP_STEP = 3.0  # a sharpness step: detail on one side this many times the other's
MIN_AREA = 0.18  # windows cover at least this share of the frame (20 %, with rounding)
MAX_AREA = 0.92  # ...and less than this (the whole frame is hashed anyway)
MAX_LINES = 12  # candidate lines per direction (besides the frame borders)
MAX_WINDOWS = 4
FLAT_SHARE = 0.3  # a row/column of a window with less than this share of its median detail is flat
SCORE_MARGIN = 0.06  # windows scoring this much below the best are dropped (each costs 2 hashes a sample)
OVERLAP_MAX = 0.8  # a window overlapping a better one by this much (IoU) is dropped
OTHER_MIN = 0.75  # a window clear of the best ones (elsewhere in the frame) needs this score
OTHER_SHARED = 0.1  # ...and at most this share of it (or of a best one) inside a best one


def _ridge(mean_grad: np.ndarray, axis: int) -> np.ndarray:
    """Pixels of ``mean_grad`` that stand out from the values two steps away along ``axis``."""
    g = mean_grad
    pad = np.pad(g, [(2, 2), (0, 0)] if axis == 0 else [(0, 0), (2, 2)], mode="edge")
    if axis == 0:
        before, after = pad[:-4], pad[4:]
    else:
        before, after = pad[:, :-4], pad[:, 4:]
    return (g >= EDGE_MIN) & (g >= EDGE_RATIO * np.maximum(before, after))


def _sharp_steps(energy: np.ndarray, length: int) -> list[int]:
    """Positions (0..length) where the detail profile ``energy`` steps up or down by ``SHARP_STEP``:
    means of four rows/columns either side, leaving out the row/column on each side of the step
    itself (a border is sharp in itself); of neighbouring positions, the steepest."""
    steps: list[tuple[int, float]] = []
    for p in range(5, length - 4):
        a, b = float(energy[p - 5:p - 1].mean()), float(energy[p + 1:p + 5].mean())
        lo, hi = min(a, b), max(a, b)
        if hi >= 4.0 and hi >= SHARP_STEP * max(lo, 0.5):
            steps.append((p, hi / max(lo, 0.5)))
    kept: list[tuple[int, float]] = []
    for p, r in steps:
        if kept and p - kept[-1][0] <= 2:
            if r > kept[-1][1]:
                kept[-1] = (p, r)
            continue
        kept.append((p, r))
    return [p for p, _ in kept]


def _top_lines(count: np.ndarray, least: float) -> list[int]:
    """Up to ``MAX_LINES`` positions with the highest ``count`` (at least ``least``), 3 apart."""
    order = np.argsort(-count, kind="stable")
    kept: list[int] = []
    for p in order:
        if count[p] < least or len(kept) >= MAX_LINES:
            break
        if all(abs(int(p) - k) >= 3 for k in kept):
            kept.append(int(p))
    return kept


def windows(stack: np.ndarray) -> list[Box]:
    """Candidate windows (best first) in a stack of grey thumbnails (n, h, w)."""
    n, h, w = stack.shape
    if n == 0 or h < 24 or w < 24:
        return []
    gx = np.zeros((h, w - 1), np.float64)
    gy = np.zeros((h - 1, w), np.float64)
    lap = np.zeros((h, w), np.float64)
    for thumb in stack:
        f = thumb.astype(np.float32)
        gx += np.abs(np.diff(f, axis=1))
        gy += np.abs(np.diff(f, axis=0))
        lap += np.abs(cv2.Laplacian(f, cv2.CV_32F, ksize=1))
    gx, gy, lap = gx / n, gy / n, lap / n
    # vertical lines: edge pixels between column x-1 and x sit at position x (1..w-1)
    vx = np.zeros((h, w + 1), bool)
    vx[:, 1:w] = _ridge(gx, axis=1)
    vx[:, 0] = vx[:, w] = True
    hy = np.zeros((h + 1, w), bool)
    hy[1:h] = _ridge(gy, axis=0)
    hy[0] = hy[h] = True
    # sharpness steps (blurred fills): the whole line counts as supported where the step is
    # (where a persistent edge lies within 3 pixels the edge is the border, more precisely placed)
    row_count, col_count = hy.sum(axis=1), vx.sum(axis=0)
    for y in _sharp_steps(lap.mean(axis=1), h):
        if row_count[max(1, y - 3):min(h, y + 4)].max() < MIN_SIDE * w:
            hy[y] = True
    for x in _sharp_steps(lap.mean(axis=0), w):
        if col_count[max(1, x - 3):min(w, x + 4)].max() < MIN_SIDE * h:
            vx[:, x] = True
    xs = sorted({p + 1 for p in _top_lines(vx[:, 1:w].sum(axis=0).astype(float), MIN_SIDE * h)} | {0, w})
    ys = sorted({p + 1 for p in _top_lines(hy[1:h].sum(axis=1).astype(float), MIN_SIDE * w)} | {0, h})
    row_detail, col_detail = lap.mean(axis=1), lap.mean(axis=0)
    # cumulative sums along each line, for the support of any segment in O(1)
    cx = np.vstack([np.zeros((1, w + 1)), np.cumsum(vx, axis=0)])  # (h+1, w+1)
    cy = np.hstack([np.zeros((h + 1, 1)), np.cumsum(hy, axis=1)])  # (h+1, w+1)
    found: list[tuple[float, tuple[int, int, int, int]]] = []
    for i, x0 in enumerate(xs):
        for x1 in xs[i + 1:]:
            if x1 - x0 < MIN_SIDE * w:
                continue
            for j, y0 in enumerate(ys):
                for y1 in ys[j + 1:]:
                    if y1 - y0 < MIN_SIDE * h:
                        continue
                    area = (x1 - x0) * (y1 - y0) / (w * h)
                    if not MIN_AREA <= area <= MAX_AREA:
                        continue
                    left = (cx[y1, x0] - cx[y0, x0]) / (y1 - y0)
                    right = (cx[y1, x1] - cx[y0, x1]) / (y1 - y0)
                    top = (cy[y0, x1] - cy[y0, x0]) / (x1 - x0)
                    bottom = (cy[y1, x1] - cy[y1, x0]) / (x1 - x0)
                    inner = [s for s, at_border in ((left, x0 == 0), (right, x1 == w), (top, y0 == 0),
                                                    (bottom, y1 == h)) if not at_border]
                    if len(inner) < 2 or min(left, right, top, bottom) < SIDE_SUPPORT:
                        continue  # one inner side only is a band along an edge: live_area's business
                    # a window is sharp throughout: rows/columns with little detail (a blurred fill,
                    # a caption's margin) inside it count against it
                    rows, cols = row_detail[y0:y1], col_detail[x0:x1]
                    flat = 0.5 * (np.mean(rows < FLAT_SHARE * np.median(rows))
                                  + np.mean(cols < FLAT_SHARE * np.median(cols)))
                    found.append((float(np.mean(inner)) - flat + 0.02 * len(inner), (x0, y0, x1, y1)))
    found.sort(key=lambda s: -s[0])
    best: list[tuple[int, int, int, int]] = []  # the best window and those nearly as good
    for score, r in found:
        if len(best) >= MAX_WINDOWS or score < found[0][0] - SCORE_MARGIN:
            break
        if all(_iou(r, k) < OVERLAP_MAX for k in best):
            best.append(r)
    # a window elsewhere in the frame, clear of the best ones (the clip beside or above a reaction's
    # face cam, the other half of a split screen whose border is weaker), may score lower
    other: list[tuple[int, int, int, int]] = []
    for score, r in found:
        if len(best) + len(other) >= MAX_WINDOWS or score < OTHER_MIN:
            break
        if all(_shared(r, k) < OTHER_SHARED for k in best) and all(_iou(r, k) < OVERLAP_MAX for k in other):
            other.append(r)
    return [Box(x0 / w, y0 / h, x1 / w, y1 / h) for x0, y0, x1, y1 in best + other]


def _shared(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The share of the smaller of two rectangles that lies in the other."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / small if small else 0.0


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


STILL_AROUND = 0.9  # share of the pixels around a window that must not change for it to be "framed"


CALM_LEVEL = 12.0  # grey levels (std over time) under which a pixel shows no moving footage (noise, flicker)


def still_around(stack: np.ndarray, box: Box, level: float = 3.0) -> bool:
    """Whether the frame around window ``box`` stays still (its pixels change by under ``level`` grey
    levels, std over time): bars, banners and captions around footage, as opposed to a picture-in-picture
    over other, moving footage, a vertical post over a blurred copy of itself or a reaction's face cam.
    With ``level=CALM_LEVEL``: whether no other footage moves around it (bars that noise or a heavy
    re-encode make flicker still count)."""
    if len(stack) < 2:
        return True
    n, h, w = stack.shape
    x0, y0, x1, y1 = box.pixels(w, h)
    mask = np.ones((h, w), bool)
    mask[max(0, y0 - 1):y1 + 1, max(0, x0 - 1):x1 + 1] = False
    if not mask.any():
        return False
    step = max(1, n // 120)
    tstd = stack[::step].astype(np.float32).std(axis=0)
    return bool(np.mean(tstd[mask] <= level) >= STILL_AROUND)
