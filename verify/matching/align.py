"""Temporal alignment: matched sample pairs that share one time mapping become spans.

Each pair says "clip time ``tq`` looks like reference time ``tr``".  Reused footage shows up as many
pairs on one line ``tr = speed * tq + offset`` (speed 0.7-1.6 covers slowed-down and sped-up copies),
while chance look-alikes scatter.  A Hough vote over a grid of speeds and 0.25 s offset bins finds
the best-supported line, a least-squares fit refines it, its inliers are split into runs where the
clip keeps matching (gaps under ``MAX_GAP``), and the search repeats on what is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEEDS = np.exp(np.arange(np.log(0.7), np.log(1.6) + 1e-9, 0.02))  # 2 % steps
OFFSET_BIN = 0.25  # seconds
TOLERANCE = 0.35  # seconds off the line a pair may be and still count
MAX_GAP = 2.5  # seconds of clip without a match that end a run
MIN_SAMPLES = 3  # distinct clip samples a run needs
MAX_LINES = 8


@dataclass
class Run:
    """A stretch of the clip matched along one line; ``pairs`` index the input arrays."""

    speed: float
    offset: float
    pairs: np.ndarray

    def ref_time(self, tq: float | np.ndarray) -> float | np.ndarray:
        return self.speed * tq + self.offset


def _best_per_sample(idx: np.ndarray, qs: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Of the pairs ``idx``, the closest one for each clip sample."""
    order = idx[np.lexsort((d[idx], qs[idx]))]
    _, first = np.unique(qs[order], return_index=True)
    return order[first]


def _vote(tq: np.ndarray, tr: np.ndarray, qs: np.ndarray, w: np.ndarray,
          live: np.ndarray, speeds: np.ndarray) -> tuple[float, float, int]:
    """The (speed, offset) whose 0.5 s offset window collects the most weight, each clip sample
    counting once (with its best pair) per bin; returns the line and its distinct clip samples."""
    best = (1.0, 0.0, 0.0, 0)
    nq = int(qs.max()) + 1
    tq, tr, qs, w = tq[live], tr[live], qs[live], w[live]
    for a in speeds:
        bins = np.floor((tr - a * tq) / OFFSET_BIN).astype(np.int64)
        lo = bins.min()
        keys = (bins - lo) * nq + qs
        order = np.lexsort((-w, keys))
        uniq, first = np.unique(keys[order], return_index=True)
        top = w[order][first]  # best weight of each (bin, sample)
        b_of = uniq // nq
        score = np.bincount(b_of, weights=top)
        count = np.bincount(b_of)
        window = score + np.append(score[1:], 0.0)  # two neighbouring bins = 0.5 s
        k = int(np.argmax(window))
        if window[k] > best[2]:
            n = int(count[k] + (count[k + 1] if k + 1 < len(count) else 0))
            best = (float(a), (lo + k + 1) * OFFSET_BIN, float(window[k]), n)
    return best[0], best[1], best[3]


def find_runs(tq: np.ndarray, tr: np.ndarray, qs: np.ndarray, d: np.ndarray, radius: int,
              min_samples: int = MIN_SAMPLES, speeds: np.ndarray = SPEEDS) -> list[Run]:
    """Runs of pairs (clip time ``tq``, reference time ``tr``, clip sample ``qs``, distance ``d``).

    Votes are weighted by closeness, ``(radius + 1 - d)^2``: on a static camera every picture is
    near every other, and only the closeness of the true pairs singles out the true line."""
    live = np.ones(len(tq), bool)
    w = (radius + 1.0 - d.astype(float)) ** 2
    runs: list[Run] = []
    for _ in range(MAX_LINES):
        if live.sum() < min_samples or len(np.unique(qs[live])) < min_samples:
            break
        a, b, votes = _vote(tq, tr, qs, w, live, speeds)
        if votes < min_samples:
            break
        band = live & (np.abs(tr - (a * tq + b)) <= TOLERANCE)
        members = _best_per_sample(np.flatnonzero(band), qs, d)
        if len(members) >= 3 and np.ptp(tq[members]) > 0.5:  # refine the line by least squares
            fa, fb = np.polyfit(tq[members], tr[members], 1)
            if speeds[0] * 0.97 <= fa <= speeds[-1] * 1.03:
                a, b = float(fa), float(fb)
                band = live & (np.abs(tr - (a * tq + b)) <= TOLERANCE)
                members = _best_per_sample(np.flatnonzero(band), qs, d)
        live &= ~band
        members = members[np.argsort(tq[members])]
        cuts = np.flatnonzero(np.diff(tq[members]) > MAX_GAP) + 1
        for part in np.split(members, cuts):
            if len(part) >= min_samples:
                runs.append(Run(a, b, part))
    return runs


def still_runs(tq: np.ndarray, qs: np.ndarray, d: np.ndarray, max_gap: float = 1.0,
               min_samples: int = MIN_SAMPLES) -> list[Run]:
    """Runs of clip samples that all match one still picture (reference time stays 0)."""
    members = _best_per_sample(np.arange(len(tq)), qs, d)
    members = members[np.argsort(tq[members])]
    cuts = np.flatnonzero(np.diff(tq[members]) > max_gap) + 1
    return [Run(0.0, 0.0, part) for part in np.split(members, cuts) if len(part) >= min_samples]
