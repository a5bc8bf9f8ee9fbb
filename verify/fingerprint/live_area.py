"""The live picture area of a clip: what is left once bars and static overlays are cut off.

Platforms and broadcasters put footage inside letterbox/pillarbox bars (any colour) and add banners,
captions and tickers along the edges.  Both are *static*: across the clip those pixels do not change,
while the footage does.  Working on a stack of small grey thumbnails:

* **bars** are edge rows/columns of one flat colour that do not change over time (or, for a single
  picture, that are flat);
* **static bands** are edge rows/columns, inside the bars, where most pixels (80 %) change far less
  over the clip than the live picture does (a banner with text, a caption strip, a ticker's
  background, bars that noise or a heavy re-encode made flicker).

* **uniform bands** are edge rows/columns of nearly one colour (most of their pixels near the line's
  own dominant grey: bars of any colour, a coloured banner with a line or two of text, a channel's
  side band with its logo) that do not change over time and end at a *sharp, straight edge* (the
  grey steps across most of the line): FFmpeg's cropdetect finds black bars this way; here the
  colour is any, and text inside the band is allowed.  They need no motion.

Stillness and uniformity are fused: where the clip moves enough elsewhere to tell still from live
(``moving``), the static bands are the ``overlay`` area and uniform bands that end elsewhere (by a
row or more: the picture's own still rows next to a band count as band for stillness) are one more
candidate (``uniform``); where nothing moves (a camera on a still scene), stillness says nothing
and the uniform bands are the ``overlay`` area.  The result is a short list of candidate areas (full
frame, without bars, without bars and bands); the matcher hashes each one, because a static camera's
own still sky could look like a band too.
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
UNIFORM_TOL = 12.0  # grey levels from a line's dominant grey that still count as its colour
UNIFORM_SHARE = 0.7  # a uniform band: on average this share of each line's pixels is its dominant grey
UNIFORM_STILL = 0.9  # ...and this share of its pixels does not change (temporal std <= FLAT_TEMPORAL x 2)
EDGE_STEP = 12.0  # a sharp edge: the grey steps by this much between the band and the picture...
EDGE_SHARE = 0.5  # ...along this share of the line
MAX_UNIFORM = 0.45  # uniform bands (bars and a banner) may take this share of a side
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
    """Candidate live areas of a stack of grey thumbnails (n, h, w): ``full``, ``bars``, ``overlay``,
    ``uniform``.

    ``bars``, ``overlay`` and ``uniform`` are present only when they differ from the areas before them.  The
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
    uniform = _uniform_cut(mean, tstd)
    if uniform is not None and (moving < 0.05 or n < MIN_SAMPLES_FOR_BANDS) and _differs(uniform, bars):
        areas["overlay"] = _box(uniform, w, h)  # nothing moves: stillness cannot tell, uniformity can
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
        if uniform is not None and _differs(uniform, bars) and uniform != bands:
            # the sharp-edged bands where stillness ends elsewhere, or a row or two off: the picture's
            # own still rows next to a band count as band for stillness, not for uniformity
            areas["uniform"] = _box(uniform, w, h)
    return areas


def _differs(a: tuple[int, int, int, int], b: tuple[int, int, int, int], tol: int = 3) -> bool:
    return max(abs(x - y) for x, y in zip(a, b)) > tol


def _uniform_share(mean: np.ndarray) -> np.ndarray:
    """For each row of ``mean``: the share of its pixels within ``UNIFORM_TOL`` of its dominant grey
    (the centre of its fullest 8-level histogram bin)."""
    q = np.clip(mean / 8.0, 0, 31.99).astype(np.int32)
    counts = np.zeros((len(mean), 32), np.int32)
    np.add.at(counts, (np.repeat(np.arange(len(mean)), mean.shape[1]), q.ravel()), 1)
    dominant = (np.argmax(counts, axis=1) + 0.5) * 8.0
    return np.mean(np.abs(mean - dominant[:, None]) <= UNIFORM_TOL, axis=1)


def _band_depth(mean: np.ndarray, still: np.ndarray, limit: int) -> int:
    """How many leading rows of ``mean`` (rows of pixels, the picture's edge first) are a uniform band
    that ends at a sharp straight edge: the deepest such edge within ``limit`` rows, or 0."""
    share = _uniform_share(mean[:limit + 2])
    still_rows = still[:limit + 2].mean(axis=1)
    sharp = np.zeros(limit + 2, bool)
    for p in range(2, min(limit, len(mean) - 3) + 1):
        # the step across the edge between rows p-1 and p, measured one row out on each side (a scaled
        # picture's border is a row or two wide)
        sharp[p] = np.mean(np.abs(mean[p + 1] - mean[p - 2]) >= EDGE_STEP) >= EDGE_SHARE
    best = 0
    for p in np.flatnonzero(sharp):
        if share[:p].mean() >= UNIFORM_SHARE and still_rows[:p].mean() >= UNIFORM_STILL:
            best = int(p)
    if best:
        # of the sharp rows around it, the edge lies where neighbouring rows differ most
        near = [q for q in (best - 1, best, best + 1) if q >= 2 and q < len(sharp) and sharp[q]]
        best = max(near, key=lambda q: float(np.mean(np.abs(mean[q] - mean[q - 1]))))
    return best


def _uniform_cut(mean: np.ndarray, tstd: np.ndarray) -> tuple[int, int, int, int] | None:
    """The picture inside uniform bands on any of its four sides (pixel x0, y0, x1, y1), or None."""
    h, w = mean.shape
    still = tstd <= 2 * FLAT_TEMPORAL
    top = _band_depth(mean, still, int(MAX_UNIFORM * h))
    bottom = _band_depth(mean[::-1], still[::-1], int(MAX_UNIFORM * h))
    left = _band_depth(mean.T, still.T, int(MAX_UNIFORM * w))
    right = _band_depth(mean.T[::-1], still.T[::-1], int(MAX_UNIFORM * w))
    x0, y0, x1, y1 = left, top, w - right, h - bottom
    if y1 - y0 < MIN_LIVE * h:
        y0, y1 = 0, h
    if x1 - x0 < MIN_LIVE * w:
        x0, x1 = 0, w
    return None if (x0, y0, x1, y1) == (0, 0, w, h) else (x0, y0, x1, y1)


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
