"""The live picture area of a clip: what is left once bars and static overlays are cut off.

Platforms and broadcasters put footage inside letterbox/pillarbox bars (any colour) and add banners,
captions and tickers along the edges.  Both are *static*: across the clip those pixels do not change,
while the footage does.  Working on a stack of small grey thumbnails:

* **bars** are edge rows/columns of one flat colour that do not change over time (or, for a single
  picture, that are flat);
* **static bands** are edge rows/columns, inside the bars, where most pixels (80 %) change far less
  over the clip than the live picture does (a banner with text, a caption strip, a ticker's
  background, bars that noise or a heavy re-encode made flicker).

Bands are only looked for when the clip moves enough elsewhere to tell still from live.  The
result is a short list of candidate areas (full frame, without bars, without bars and bands); the
matcher hashes each one, because a static camera's own still sky could look like a band too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLAT_STD = 4.0  # spatial luma std (0-255) of a bar row
FLAT_TEMPORAL = 3.0  # temporal std under which a pixel is static
BAND_QUANTILE = 80  # a static band's row/column: this percentile of its pixels' temporal std...
BAND_RELATIVE = 0.25  # ...at most this share of the clip's typical row/column level (or FLAT_TEMPORAL)
MAX_BAR = 0.42  # bars may take this share of a side (a portrait video pillarboxed in 16:9)
MAX_BAND = 0.30  # static bands may take this share of each dimension, per side
MIN_LIVE = 0.30  # the live area keeps at least this share of each dimension
MIN_SAMPLES_FOR_BANDS = 6
MAX_STATS_SAMPLES = 600  # evenly spread samples used for the statistics (bounded memory on long clips)


@dataclass(frozen=True)
class Box:
    """A rectangle as fractions of the picture: x0, y0 inclusive, x1, y1 exclusive."""

    x0: float = 0.0
    y0: float = 0.0
    x1: float = 1.0
    y1: float = 1.0

    def pixels(self, w: int, h: int) -> tuple[int, int, int, int]:
        x0, y0 = int(round(self.x0 * w)), int(round(self.y0 * h))
        x1, y1 = max(x0 + 2, int(round(self.x1 * w))), max(y0 + 2, int(round(self.y1 * h)))
        return x0, y0, min(w, x1), min(h, y1)

    def cut(self, img: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.pixels(img.shape[1], img.shape[0])
        return img[y0:y1, x0:x1]

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def is_full(self, tol: float = 0.02) -> bool:
        return self.x0 <= tol and self.y0 <= tol and self.x1 >= 1 - tol and self.y1 >= 1 - tol


FULL = Box()


def _edge_run(ok: np.ndarray, limit: int) -> int:
    """How many leading entries of ``ok`` are true, up to ``limit``."""
    n = 0
    while n < min(limit, len(ok)) and ok[n]:
        n += 1
    return n


def _trim(ok_rows: np.ndarray, ok_cols: np.ndarray, box: tuple[int, int, int, int],
          share: float) -> tuple[int, int, int, int]:
    """Move the edges of ``box`` (pixel x0, y0, x1, y1) inward over rows/columns that are ``ok``."""
    x0, y0, x1, y1 = box
    h, w = len(ok_rows), len(ok_cols)
    lim_y, lim_x = int(share * h), int(share * w)
    top = _edge_run(ok_rows[y0:y1], lim_y)
    bottom = _edge_run(ok_rows[y0:y1][::-1], lim_y)
    left = _edge_run(ok_cols[x0:x1], lim_x)
    right = _edge_run(ok_cols[x0:x1][::-1], lim_x)
    ny0, ny1, nx0, nx1 = y0 + top, y1 - bottom, x0 + left, x1 - right
    if ny1 - ny0 < MIN_LIVE * h:
        ny0, ny1 = y0, y1
    if nx1 - nx0 < MIN_LIVE * w:
        nx0, nx1 = x0, x1
    return nx0, ny0, nx1, ny1


def live_areas(stack: np.ndarray) -> dict[str, Box]:
    """Candidate live areas of a stack of grey thumbnails (n, h, w): ``full``, ``bars``, ``overlay``.

    ``bars`` and ``overlay`` are present only when they differ from the area before them.  The
    statistics need a spread of samples, not all of them: callers pass at most ``MAX_STATS_SAMPLES``
    (``Samples.spread``), which also bounds memory on long clips.
    """
    n, h, w = stack.shape
    mean, tstd = _temporal_stats(stack)
    still = tstd <= FLAT_TEMPORAL
    # a bar row: one flat colour, not changing
    flat_rows = (mean.std(axis=1) <= FLAT_STD) & still.all(axis=1)
    flat_cols = (mean.std(axis=0) <= FLAT_STD) & still.all(axis=0)
    areas: dict[str, Box] = {"full": FULL}
    bars = _trim(flat_rows, flat_cols, (0, 0, w, h), MAX_BAR)
    if bars != (0, 0, w, h):
        areas["bars"] = _box(bars, w, h)
    moving = (~still).mean() if n >= MIN_SAMPLES_FOR_BANDS else 0.0
    if moving >= 0.05:
        x0, y0, x1, y1 = bars
        inner = tstd[y0:y1, x0:x1]
        # a row (column) of a static band: most of its pixels change little, "little" measured
        # against how much the live picture changes (noise and a heavy re-encode make the bars
        # and banners flicker a few grey levels too, while the footage changes by tens)
        row_level = np.percentile(inner, BAND_QUANTILE, axis=1)
        col_level = np.percentile(inner, BAND_QUANTILE, axis=0)
        limit = max(FLAT_TEMPORAL, BAND_RELATIVE * float(np.median(np.concatenate([row_level, col_level]))))
        rows = np.zeros(h, bool)
        cols = np.zeros(w, bool)
        rows[y0:y1] = row_level <= limit
        cols[x0:x1] = col_level <= limit
        bands = _trim(rows, cols, bars, MAX_BAND)
        if bands != bars:
            areas["overlay"] = _box(bands, w, h)
    return areas


def _temporal_stats(stack: np.ndarray, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and standard deviation over time, summed a chunk at a time (a float copy of
    the whole stack would cost ~50 MB at 600 samples)."""
    n = len(stack)
    s1 = np.zeros(stack.shape[1:], np.float64)
    s2 = np.zeros(stack.shape[1:], np.float64)
    for i in range(0, n, chunk):
        part = stack[i:i + chunk].astype(np.float32)
        s1 += part.sum(axis=0, dtype=np.float64)
        s2 += np.square(part).sum(axis=0, dtype=np.float64)
    mean = s1 / max(n, 1)
    var = np.maximum(s2 / max(n, 1) - mean * mean, 0.0) if n > 1 else np.zeros_like(mean)
    return mean.astype(np.float32), np.sqrt(var).astype(np.float32)


def _box(px: tuple[int, int, int, int], w: int, h: int) -> Box:
    x0, y0, x1, y1 = px
    return Box(x0 / w, y0 / h, x1 / w, y1 / h)
