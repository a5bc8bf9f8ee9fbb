"""Repeats inside one clip: the same span shown twice (a loop used as padding, a replayed scene).

The clip is searched against itself: its live-area hashes go into a small FAISS index (a plain
matrix product for a clip of minutes), pairs at
least ``MIN_OFFSET`` apart are aligned in time exactly like matches with known footage, and each
run must pass the same picture check *with motion evidence*: a still scene, or a static camera
watching different people walk by, is not a repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..fingerprint.live_area import FULL
from ..fingerprint.prints import AREAS, EDGE_AREAS, ClipPrints
from ..report import Report
from .align import MIN_SAMPLES, SPEEDS, find_runs
from .reuse import RADIUS, check_run, clock
from .search import build_faiss

MIN_OFFSET = 1.5  # seconds between the two showings
NEIGHBOURS = 24  # nearest hashes looked at per sample
SEARCH_CHUNK = 4096  # query hashes per self-search call (bounds the raw neighbour lists)
EXACT_MAX = 4096  # up to this many hashes (17 minutes of samples) the self-search is a matrix product
EXACT_CHUNK = 512  # query hashes per product
REPEAT_SPEEDS = SPEEDS[(SPEEDS > 0.9) & (SPEEDS < 1.1)]  # a loop or replay runs at (about) the same speed


def find_repeats(clip: ClipPrints, cuts: list[float] | None = None) -> list[dict[str, Any]]:
    """``[{"first": {start_s, end_s}, "second": {start_s, end_s}}]``, in clip order."""
    if clip.samples.kind == "image" or len(clip.samples.t) < 2 * MIN_SAMPLES:
        return []
    # the tightest live area cut from the edges (``uniform`` is an alternative to ``overlay``, not tighter)
    name = next(a for a in reversed(EDGE_AREAS) if a in clip.areas and a != "uniform")
    code = 2 * AREAS.index(name)
    rows = np.flatnonzero(clip.prints.variant == code)
    if len(rows) < 2 * MIN_SAMPLES:
        return []
    hashes = clip.prints.hashes[rows]
    search = _exact_search(hashes) if len(rows) <= EXACT_MAX else build_faiss(hashes).search
    # nearest neighbours, not every hash within the radius: a clip that loops one scene hundreds of
    # times would otherwise make (samples x loops) pairs; a few per sample are enough to align.
    # Searched a chunk of queries at a time, keeping only close, later pairs as compact integers,
    # so a two-hour clip's self-search does not hold every raw neighbour list at once.
    k = min(NEIGHBOURS, len(rows))
    t = np.asarray(clip.samples.t)
    sample_of = clip.prints.sample[rows].astype(np.int32)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, len(rows), SEARCH_CHUNK):
        dist, hits = search(np.ascontiguousarray(hashes[start:start + SEARCH_CHUNK]), k)
        a = np.repeat(np.arange(start, start + len(dist), dtype=np.int32), k)
        dist, hits = dist.reshape(-1), hits.reshape(-1)
        keep = (hits >= 0) & (dist <= RADIUS)
        q, r = sample_of[a[keep]], sample_of[hits[keep]]
        later = t[q] - t[r] >= MIN_OFFSET  # (later showing, earlier showing)
        parts.append((q[later], r[later], dist[keep][later].astype(np.int16)))
    qs = np.concatenate([p[0] for p in parts])
    rs = np.concatenate([p[1] for p in parts])
    d = np.concatenate([p[2] for p in parts]).astype(np.int64)
    del parts
    if len(qs) < MIN_SAMPLES:
        return []
    bounds = np.asarray(sorted(cuts or []), float)
    shot = np.searchsorted(bounds, t[qs], side="right")
    area = clip.areas.get(name, FULL)
    found: list[dict[str, Any]] = []
    for g in np.unique(shot):
        idx = np.flatnonzero(shot == g)
        for run in find_runs(t[qs[idx]], t[rs[idx]], qs[idx], d[idx], RADIUS, speeds=REPEAT_SPEEDS):
            members = idx[run.pairs]
            verdict = check_run(clip, area, False, run, np.unique(qs[members]), clip.samples, area,
                                still_ref=False, need_motion=True, known_geometry=True)
            if not verdict.accepted:
                continue
            s0, s1 = float(t[qs[members]].min()), float(t[qs[members]].max())
            if any(min(s1, f["second"]["end_s"]) - max(s0, f["second"]["start_s"]) > 0.5 * min(s1 - s0, f["second"]["end_s"] - f["second"]["start_s"]) for f in found):
                continue  # the same repeat found along a neighbouring line
            r0, r1 = (max(0.0, float(run.ref_time(x))) for x in (s0, s1))
            found.append({"first": {"start_s": round(r0, 2), "end_s": round(r1, 2)},
                          "second": {"start_s": round(s0, 2), "end_s": round(s1, 2)}})
    found.sort(key=lambda r: r["second"]["start_s"])
    return found


def _exact_search(hashes: np.ndarray):
    """``search(queries, k)`` over ``hashes`` by one matrix product (FAISS's answer for a few thousand
    hashes, without loading FAISS or building an index: most clips are minutes long)."""
    bits = np.unpackbits(hashes, axis=1).astype(np.float32)
    flipped = 1.0 - bits

    def search(queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dists, hits = [], []
        for start in range(0, len(queries), EXACT_CHUNK):  # bounds the distance matrix (8 MB)
            q = np.unpackbits(queries[start:start + EXACT_CHUNK], axis=1).astype(np.float32)
            dist = (q @ flipped.T + (1.0 - q) @ bits.T).astype(np.int32)  # differing bits
            near = (np.argpartition(dist, k - 1, axis=1)[:, :k] if k < dist.shape[1]
                    else np.tile(np.arange(dist.shape[1]), (len(dist), 1)))
            dists.append(np.take_along_axis(dist, near, axis=1))
            hits.append(near.astype(np.int64))
        return np.concatenate(dists), np.concatenate(hits)

    return search


def add_repeats(report: Report, repeats: list[dict[str, Any]]) -> None:
    """One ``repeated_footage`` flag per repeat, naming both spans."""
    for r in repeats:
        f, s = r["first"], r["second"]
        report.add_flag("repeated_footage", "warning",
                        f"{clock(f['start_s'])}–{clock(f['end_s'])} is shown again at "
                        f"{clock(s['start_s'])}–{clock(s['end_s'])} of this clip (a loop or a replayed span).",
                        first=f, second=s)
