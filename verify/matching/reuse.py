"""Reused footage: the whole search for one clip, from its fingerprints to ``report.reused``.

1. Every clip hash (each live-area variant, plain and mirrored) is looked up in the reference set's
   FAISS index: all reference hashes within ``RADIUS`` bits (any of the reference's crops).
2. Per reference, the pairs are aligned in time (``align.py``): runs on one offset/speed line.
3. Each run is checked against the reference's thumbnails (``check.py``): the clip's picture must sit
   in the reference picture with a high correlation, and where either side moves, both must move
   alike.  Runs that fail are dropped: when unsure, nothing is reported.
4. What is left becomes a finding (clip span, reference span, reference, transforms, distance,
   confidence) and a ``reused_footage`` flag, critical when the reference is dated before the
   claimed date or before the clip's own creation time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from ..fingerprint.live_area import FULL, Box
from ..fingerprint.pdq import hamming
from ..fingerprint.prints import AREAS, EDGE_AREAS, REF_CROPS, ClipPrints
from ..fingerprint.windows import MAX_WINDOWS
from ..fingerprint.sampling import Samples
from ..report import Report
from .align import MAX_GAP, MIN_SAMPLES, SPEEDS, Run, find_runs, still_runs
from .check import FINE_MOTION_STD, MOTION_MIN_STD, aligned, motion_agreement, ncc, place_in_photo, register, worst_part
from .search import Pairs, ReferenceSet

RADIUS = 72  # PDQ bits: a pair farther apart is not a candidate (random pictures sit near 128)
CHECK_SAMPLES = 12  # clip samples of a run that are checked against the reference
APPEARANCE_MIN = 0.60  # median correlation of the placed clip picture with the reference
STILL_APPEARANCE_MIN = 0.85  # the same when neither side moves (no motion evidence)
WORST_PART_MAX = 4.0  # picture-only evidence: the worst part of the picture may disagree this much more than the typical
MOTION_MIN = 0.35  # median correlation of the two sides' frame differences
MOTION_STEP = 1.0  # seconds of clip between the two pictures of a motion comparison
MIN_MOTION_CHECKS = 2
RETIME_GOOD = 0.95  # a run whose motion agrees this well keeps the line its hashes gave
RETIME_MIN = 0.5  # a line found by motion alone must agree at least this well (stricter than MOTION_MIN)
RETIME_SHIFT = 0.5  # seconds of reference time the motion search may move the line at the run's middle
RETIME_SPAN = 0.1  # relative speed change it may try around an accepted line
EXTEND_RADIUS = 90  # PDQ bits within which the clip samples next to a checked run extend it
MAX_JOIN_GAP = MAX_GAP + 0.5  # seconds between two pieces on one line that are joined into one finding
SHORT_PIECE = 2.5  # seconds: a piece this short has no measurable speed of its own
TIMING_MIN = 2.0  # seconds of motion-confirmed span under which the speed of a finding is not known
SPEED_LABEL = 0.05  # a measured speed this far from 1 (relative) is labelled ``speed``
SPEED_EVIDENCE = 0.05  # a speed found by motion must agree this much better than normal speed does
PICTURE_CONFIDENCE = 0.6  # picture-only evidence: confidence = this x the picture correlation
ANOTHER_WINDOW = 0.1  # an area sharing less than this with every window reported is searched again
WINDOW_STRIDE = 3  # a window's hashes are searched first at every 3rd clip sample only (``search_areas``)
WINDOW_CROP = 0.9  # a window's found border is ~2 % off: a placement narrower than this is a crop


@dataclass
class Candidate:
    """A run of one reference, with everything the check and the finding need."""

    ref_id: int
    run: Run
    q_times: np.ndarray  # clip time of each pair of the run
    r_times: np.ndarray
    distance: np.ndarray
    area: str
    mirrored: bool


@dataclass
class Verdict:
    accepted: bool
    plausible: bool  # not accepted alone (too short to show motion), but nothing speaks against it
    appearance: float
    motion: float | None
    placement: Box
    colour_changed: bool
    retimed: tuple[float, float] | None = None  # (speed, offset) the motion check settled on, if it moved the line
    pan_zoom: bool = False  # a photo shown with a pan or a zoom: the placement moved over the run


def _nearest(times: np.ndarray, t: float) -> int:
    return int(np.argmin(np.abs(times - t)))


def _motion_partner(qt: np.ndarray, i: int, t_end: float) -> int | None:
    """The clip sample ``MOTION_STEP`` after sample ``i`` whose change from ``i`` is compared with the
    reference's, or None when there is none within the run (up to ``t_end``)."""
    k = _nearest(qt, qt[i] + MOTION_STEP)
    if k == i or qt[k] > t_end + 0.3 or abs(qt[k] - qt[i] - MOTION_STEP) > 0.4:
        return None
    return k


def _clip_picture(clip: ClipPrints, i: int, area: Box, mirrored: bool) -> np.ndarray:
    pic = area.cut(clip.samples.thumbs[i])
    return np.ascontiguousarray(pic[:, ::-1]) if mirrored else pic


def check_run(clip: ClipPrints, area: Box, mirrored: bool, run: Run, q_samples: np.ndarray,
              ref: Samples, ref_area: Box, still_ref: bool, guess: Box = FULL,
              need_motion: bool = False, known_geometry: bool = False) -> Verdict:
    """Geometry, appearance and motion of one run (see ``check.py``).

    ``guess`` is the placement the hashes suggest (the reference crop that matched best): motion is
    first measured there, and a run whose two sides clearly move differently is refused before the
    costlier registration.  With ``need_motion`` a run without motion evidence is refused, and with
    ``known_geometry`` the guess is taken as it is (both used for repeats, where the clip is its own
    reference and a still scene matches itself)."""
    qt = np.asarray(clip.samples.t)
    rt = np.asarray(ref.t)
    picks = q_samples[np.linspace(0, len(q_samples) - 1, min(CHECK_SAMPLES, len(q_samples))).round().astype(int)]
    picks = np.unique(picks)
    t_end = qt[q_samples].max()

    def ref_pic(tq: float) -> np.ndarray:
        j = 0 if ref.kind == "image" else _nearest(rt, run.ref_time(tq))
        return ref_area.cut(ref.thumbs[j])

    worst: list[float] = []
    slight: list[float] = []  # agreement of changes too small for motion evidence (a tree in light wind)

    def measure(box: Box) -> tuple[list[float], list[float], int, list[float], list[float]]:
        scores, motions, means, stds = [], [], [], []
        tried = 0
        worst.clear()
        slight.clear()
        for i in picks:
            q0, r0 = aligned(_clip_picture(clip, int(i), area, mirrored), ref_pic(qt[i]), box)
            scores.append(ncc(q0, r0))
            worst.append(worst_part(q0, r0))
            means.append(float(q0.mean() - r0.mean()))
            stds.append(float(q0.std() / max(r0.std(), 1e-3)))
            k = None if still_ref else _motion_partner(qt, int(i), t_end)
            if k is None:
                continue
            q1, r1 = aligned(_clip_picture(clip, k, area, mirrored), ref_pic(qt[k]), box)
            tried += 1
            m = motion_agreement(q0, q1, r0, r1)
            if m is not None:
                motions.append(m)
            else:
                m = motion_agreement(q0, q1, r0, r1, FINE_MOTION_STD)
                if m is not None:
                    slight.append(m)
        return scores, motions, tried, means, stds

    box = guess
    scores, motions, tried, means, stds = measure(guess)
    if (len(motions) > MIN_MOTION_CHECKS and float(np.median(motions)) < 0.5 * MOTION_MIN
            and (known_geometry or float(np.median(scores)) < STILL_APPEARANCE_MIN)):
        # (a picture that matches this well may be a nearly still camera whose hash line is off in
        # time: every moment of it looks alike; the motion search below may place it)
        return Verdict(False, False, float(np.median(scores)), float(np.median(motions)), guess, False)
    if not known_geometry:
        thirds = picks[np.linspace(0, len(picks) - 1, min(3, len(picks))).round().astype(int)]
        placements = [register(_clip_picture(clip, int(i), area, mirrored), ref_pic(qt[i])) for i in thirds]
        good = [p for p in placements if p.score >= 0.4] or placements
        box = Box(*np.median([[p.box.x0, p.box.y0, p.box.x1, p.box.y1] for p in good], axis=0).tolist())
        scores, motions, tried, means, stds = measure(box)
    appearance = float(np.median(scores))
    motion = float(np.median(motions)) if len(motions) >= MIN_MOTION_CHECKS else None
    retimed = None
    need = MOTION_MIN  # motion agreement a run needs
    if (not known_geometry and not still_ref and motion is not None and appearance >= APPEARANCE_MIN
            and motion < RETIME_GOOD):
        # the line came from hashes alone; on a static camera (every moment looks alike) or with a
        # speed change it can be off by a few per cent: let the motion of both sides place it
        better = retime(clip, area, mirrored, run, picks, t_end, ref, ref_area, box, wide=motion < MOTION_MIN)
        if better is not None and better[2] >= max(RETIME_MIN if motion < MOTION_MIN else motion, motion + 0.05):
            if motion < MOTION_MIN:  # a line found by motion alone must agree more strictly
                need = RETIME_MIN
            retimed = (better[0], better[1])
            run = Run(better[0], better[1], run.pairs)
            scores, motions, tried, means, stds = measure(box)
            appearance = float(np.median(scores))
            motion = float(np.median(motions)) if len(motions) >= MIN_MOTION_CHECKS else None
    contradicted = uneven = False
    if motion is None:
        # no motion evidence: fine for a still picture, not for a run too short to show any.  Then
        # the picture alone must be convincing: every part of it agrees (another moment of a still
        # camera differs only where something came, went or moved; not asked of a single photo as
        # the clip, compared with the reference sample nearest its moment, up to 1/16 s away), and
        # where both sides change a little (too little for motion evidence) the changes do not
        # disagree (another moment of a tree in wind looks the same, its leaves move otherwise)
        contradicted = len(slight) >= MIN_MOTION_CHECKS and float(np.median(slight)) < MOTION_MIN
        uneven = clip.samples.kind != "image" and float(np.median(worst)) > WORST_PART_MAX
        accepted = (not need_motion and appearance >= STILL_APPEARANCE_MIN and not contradicted and not uneven
                    and (still_ref or tried >= MIN_MOTION_CHECKS))
    else:
        accepted = appearance >= APPEARANCE_MIN and motion >= need
    colour = abs(float(np.median(means))) > 12 or not 0.85 <= float(np.median(stds)) <= 1.18
    plausible = appearance >= STILL_APPEARANCE_MIN and (
        motion is not None and motion >= need
        or motion is None and not uneven and not contradicted)
    return Verdict(accepted, plausible, appearance, motion, box, colour, retimed)


PHOTO_EXTEND_MIN = 0.8  # correlation a clip sample next to a photo run needs to extend it


def check_photo(clip: ClipPrints, area: Box, mirrored: bool, q_samples: np.ndarray, ref: Samples,
                ref_area: Box) -> Verdict:
    """A run of clip samples against a photo: each checked sample is placed in the photo on its own
    (a pan or a zoom moves the placement from sample to sample, ``place_in_photo``); the median
    correlation must reach ``STILL_APPEARANCE_MIN``.  There is no motion to compare (a photo does
    not move), so this is evidence from the picture alone."""
    photo = ref_area.cut(ref.thumbs[0])
    picks = np.unique(q_samples[np.linspace(0, len(q_samples) - 1, min(CHECK_SAMPLES, len(q_samples)))
                                .round().astype(int)])
    pics = [_clip_picture(clip, int(i), area, mirrored) for i in picks]
    placed = [place_in_photo(q, photo) for q in pics]
    scores = [p.score for p in placed]
    appearance = float(np.median(scores))
    worst = float(np.median([worst_part(*aligned(q, photo, p.box)) for q, p in zip(pics, placed)]))
    box = Box(*np.median([[p.box.x0, p.box.y0, p.box.x1, p.box.y1] for p in placed], axis=0).tolist())
    accepted = appearance >= STILL_APPEARANCE_MIN and worst <= WORST_PART_MAX
    return Verdict(accepted, accepted, appearance, None, box, False, pan_zoom=_moved([p.box for p in placed]))


def _moved(boxes: list[Box]) -> bool:
    """Whether placements in a photo differ by a zoom (10 %) or a pan (5 % of the photo)."""
    if len(boxes) < 2:
        return False
    b = np.array([[x.x0, x.y0, x.x1, x.y1] for x in boxes])
    widths = b[:, 2] - b[:, 0]
    return bool(widths.max() / max(widths.min(), 1e-3) > 1.1 or np.ptp(b[:, 0]) > 0.05 or np.ptp(b[:, 1]) > 0.05)


def _extend_photo(clip: ClipPrints, area: Box, mirrored: bool, span: tuple[float, float],
                  shot: tuple[float, float], ref: Samples, ref_area: Box) -> tuple[np.ndarray, list[Box]]:
    """Clip samples of the same shot just before and after a photo run that still show the photo
    (somewhere, at some zoom): a slow zoom soon leaves the crops whose hashes found the run.  Their
    times and placements."""
    qt = np.asarray(clip.samples.t)
    photo = ref_area.cut(ref.thumbs[0])
    times: list[float] = []
    boxes: list[Box] = []
    for direction in (-1, 1):
        order = np.flatnonzero((qt < span[0]) & (qt >= shot[0]))[::-1] if direction < 0 else \
            np.flatnonzero((qt > span[1]) & (qt < shot[1]))
        for i in order:
            placed = place_in_photo(_clip_picture(clip, int(i), area, mirrored), photo)
            if placed.score < PHOTO_EXTEND_MIN:
                break
            times.append(float(qt[i]))
            boxes.append(placed.box)
    return np.asarray(times, float), boxes


def retime(clip: ClipPrints, area: Box, mirrored: bool, run: Run, picks: np.ndarray, t_end: float,
           ref: Samples, ref_area: Box, box: Box, wide: bool) -> tuple[float, float, float] | None:
    """The time mapping (speed, offset) near ``run``'s under which the clip's picture changes most
    like the reference's, and that median motion agreement; None without enough motion to tell.

    The line keeps passing near the run's middle (within ``RETIME_SHIFT`` s of reference time, twice
    that when ``wide``); its speed ranges over ``SPEEDS`` when ``wide`` (the hash line failed the
    motion check), else within ``RETIME_SPAN`` of the run's.  A coarse grid, then a fine one around
    its best.  Each pick's clip-side change is computed once; per mapping only the reference's
    pictures at the mapped times are compared, so hundreds of mappings cost a fraction of a second."""
    qt = np.asarray(clip.samples.t)
    rt = np.asarray(ref.t)
    parts = [box.cut(ref_area.cut(ref.thumbs[j])).astype(np.float32) for j in range(len(rt))]
    size = (parts[0].shape[1], parts[0].shape[0])
    clip_steps: list[tuple[float, float, np.ndarray]] = []
    for i in picks:
        k = _motion_partner(qt, int(i), t_end)
        if k is None:
            continue
        q0, q1 = (cv2.resize(_clip_picture(clip, int(j), area, mirrored), size, interpolation=cv2.INTER_AREA)
                  for j in (i, k))
        dq = q1.astype(np.float32) - q0.astype(np.float32)
        if float(dq.std()) < MOTION_MIN_STD:
            continue
        dq = dq - dq.mean()
        clip_steps.append((float(qt[i]), float(qt[k]), dq / float(np.linalg.norm(dq))))
    if len(clip_steps) < MIN_MOTION_CHECKS + 1:
        return None
    t_mid = 0.5 * (qt[picks].min() + t_end)
    r_mid = float(run.ref_time(t_mid))
    lo, hi = rt[0] - 0.2, rt[-1] + 0.2

    def score(speed: float, shift: float) -> float:
        offset = r_mid + shift - speed * t_mid
        agreement = []
        for t0, t1, dq in clip_steps:
            a, b = speed * t0 + offset, speed * t1 + offset
            if a < lo or b > hi:
                continue
            dr = parts[_nearest(rt, b)] - parts[_nearest(rt, a)]
            if float(dr.std()) < MOTION_MIN_STD:
                continue
            dr = dr - dr.mean()
            agreement.append(float((dq * dr).sum()) / max(float(np.linalg.norm(dr)), 1e-6))
        return float(np.median(agreement)) if len(agreement) >= MIN_MOTION_CHECKS else -1.0

    reach = RETIME_SHIFT * (2 if wide else 1)
    speeds = SPEEDS[::3] if wide else SPEEDS[np.abs(np.log(SPEEDS / run.speed)) <= RETIME_SPAN]
    if not len(speeds):
        speeds = np.array([run.speed])
    grid = [(score(float(a), float(sh)), float(a), float(sh)) for a in speeds
            for sh in np.arange(-reach, reach + 1e-9, reach / 4)]
    _, a0, sh0 = max(grid)
    fine = [(score(float(a), float(sh)), float(a), float(sh))
            for a in a0 * np.exp(np.arange(-3, 4) * 0.01) for sh in sh0 + np.arange(-2, 3) * reach / 16]
    best, a, sh = max(fine + grid)
    if best <= -1.0:
        return None
    if abs(a - 1.0) > SPEED_LABEL:
        # a speed is a claim: normal speed, at its own best offset, wins unless clearly worse (a tree in
        # light wind moves alike at many speeds)
        normal = max((score(1.0, float(x)), float(x)) for x in np.arange(-reach, reach + 1e-9, reach / 16))
        if normal[0] >= best - SPEED_EVIDENCE:
            best, a, sh = normal[0], 1.0, normal[1]
    return a, r_mid + sh - a * t_mid, best


def _closest_pairs(qs: np.ndarray, rs: np.ndarray, d: np.ndarray, n_ref: int) -> np.ndarray:
    """Of all hash pairs, the closest one per (clip sample, reference sample)."""
    key = qs.astype(np.int64) * n_ref + rs
    order = np.lexsort((d, key))
    _, first = np.unique(key[order], return_index=True)
    return order[first]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two spans share at least half of the shorter one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter >= 0.5 * max(0.25, min(a[1] - a[0], b[1] - b[0]))


def _majority(values: np.ndarray) -> int:
    vals, counts = np.unique(values, return_counts=True)
    return int(vals[np.argmax(counts)])


@dataclass
class Piece:
    """An accepted run: its pairs' clip/reference times and distances, and how it was matched."""

    run: Run
    tq: np.ndarray
    tr: np.ndarray
    d: np.ndarray
    area: str
    mirrored: bool
    verdict: Verdict

    @property
    def start(self) -> float:
        return float(self.tq.min())

    @property
    def end(self) -> float:
        return float(self.tq.max())


def _extend(clip: ClipPrints, refs: ReferenceSet, ref_id: int, rt: np.ndarray, run: Run,
            span: tuple[float, float], shot: tuple[float, float], area: str,
            mirrored: bool) -> tuple[np.ndarray, np.ndarray]:
    """Clip samples just before and after an accepted run (same shot, same line) whose hashes are
    within ``EXTEND_RADIUS`` of the reference at the mapped time: the ends of a span often miss the
    strict search radius (motion blur, a tiny copy) though the line through them is certain."""
    qt = np.asarray(clip.samples.t)
    code = 2 * AREAS.index(area) + int(mirrored)
    times: list[float] = []
    dists: list[int] = []
    for direction in (-1, 1):
        order = np.flatnonzero((qt < span[0]) & (qt >= shot[0])) if direction < 0 else \
            np.flatnonzero((qt > span[1]) & (qt < shot[1]))
        for i in (order[::-1] if direction < 0 else order):
            tr = float(run.ref_time(qt[i]))
            if tr < rt[0] - 0.2 or tr > rt[-1] + 0.2:
                break
            j = _nearest(rt, tr)
            rows = refs.rows_of(ref_id, j - 1, j + 1)
            q = clip.prints.hashes[(clip.prints.sample == i) & (clip.prints.variant == code)]
            if not len(rows) or not len(q):
                break
            best = int(hamming(q[:, None, :], refs.hashes[rows][None, :, :]).min())
            if best > EXTEND_RADIUS:
                break
            times.append(float(qt[i]))
            dists.append(best)
    return np.asarray(times, float), np.asarray(dists, np.int64)


def _continues(a: Piece, b: Piece) -> bool:
    """Whether piece ``b`` carries on piece ``a`` along the same time mapping (across a clip cut).
    A piece shorter than ``SHORT_PIECE`` has no speed of its own worth comparing (a second of a
    static or slow picture fits many lines): it only has to meet ``a``'s line at the join."""
    short = min(a.end - a.start, b.end - b.start) < SHORT_PIECE
    if a.mirrored != b.mirrored or b.start - a.end > MAX_JOIN_GAP or (
            abs(a.run.speed - b.run.speed) > 0.06 and not short):
        return False
    t = 0.5 * (a.end + b.start)
    return abs(float(a.run.ref_time(t)) - float(b.run.ref_time(t))) <= 0.5


def _ref_findings(clip: ClipPrints, refs: ReferenceSet, ref_id: int, ref: Samples, ref_area: Box,
                  m: np.ndarray, q_sample: np.ndarray, q_variant: np.ndarray, r_sample: np.ndarray,
                  r_crop: np.ndarray, distance: np.ndarray, bounds: np.ndarray,
                  clip_fps: float | None) -> list[dict[str, Any]]:
    """The findings of one reference from the pairs ``m`` selects: runs shot by shot, checked, joined."""
    qt_all = np.asarray(clip.samples.t)
    still_clip = clip.samples.kind == "image"
    rt = np.asarray(ref.t)
    keep = _closest_pairs(q_sample[m], r_sample[m], distance[m], len(rt))
    qs, rs, d, variants = q_sample[m][keep], r_sample[m][keep], distance[m][keep], q_variant[m][keep]
    crops = r_crop[m][keep]
    tq, tr = qt_all[qs], rt[rs]
    still = still_clip or ref.kind == "image"
    shot = np.searchsorted(bounds, tq, side="right")

    def shot_span(g: int) -> tuple[float, float]:
        return (float(bounds[g - 1]) if g > 0 else 0.0, float(bounds[g]) if g < len(bounds) else np.inf)

    pieces: list[Piece] = []
    weak: list[Piece] = []  # too short to be reported alone; kept when they carry on a reported piece
    for g in np.unique(shot):
        idx = np.flatnonzero(shot == g)
        if still_clip:
            best = idx[int(np.argmin(d[idx]))]
            runs = [Run(0.0, float(tr[best]), np.array([best]))]
        elif ref.kind == "image":
            runs = [Run(r.speed, r.offset, idx[r.pairs]) for r in still_runs(tq[idx], qs[idx], d[idx])]
        else:
            runs = [Run(r.speed, r.offset, idx[r.pairs]) for r in find_runs(tq[idx], tr[idx], qs[idx], d[idx], RADIUS)]
        kept: list[tuple[float, float]] = []
        for run in sorted(runs, key=lambda r: -len(r.pairs)):
            span = (float(tq[run.pairs].min()), float(tq[run.pairs].max()))
            if any(_overlap(span, k) for k in kept):
                continue  # a clip moment shows one moment of a reference: keep the best-supported run
            area_name, mirrored = clip.variant_of(_majority(variants[run.pairs]))
            near = [name for name in ("overlay", "uniform", "bars") if area_name.startswith("window")
                    and name in clip.areas and _near(clip.areas[area_name], clip.areas[name])]
            if near:  # a window that is the picture between bars and banners: checked as that
                area_name = near[0]
            crop = _majority(crops[run.pairs])
            live = clip.areas.get(area_name, FULL)
            if ref.kind == "image" and not still_clip:  # a photo shown as video
                verdict = check_photo(clip, live, mirrored, np.unique(qs[run.pairs]), ref, ref_area)
            else:
                guess = REF_CROPS[crop] if crop < len(REF_CROPS) else FULL
                verdict = check_run(clip, live, mirrored, run, np.unique(qs[run.pairs]), ref, ref_area,
                                    still_ref=still, guess=guess)
            r_times = tr[run.pairs]
            if verdict.retimed is not None:  # the motion check moved the line: report that one
                run = Run(verdict.retimed[0], verdict.retimed[1], run.pairs)
                r_times = run.ref_time(tq[run.pairs])
            if verdict.plausible and not verdict.accepted:
                weak.append(Piece(run, tq[run.pairs], r_times, d[run.pairs], area_name, mirrored, verdict))
            if verdict.accepted and ref.kind == "image" and not still_clip:
                kept.append(span)
                ext_t, ext_boxes = _extend_photo(clip, live, mirrored, span, shot_span(g), ref, ref_area)
                if not verdict.pan_zoom and _moved([verdict.placement, *ext_boxes]):
                    verdict = replace(verdict, pan_zoom=True)
                pieces.append(Piece(run, np.concatenate([tq[run.pairs], ext_t]),
                                    np.concatenate([r_times, np.zeros(len(ext_t))]),
                                    d[run.pairs], area_name, mirrored, verdict))
            elif verdict.accepted:
                kept.append(span)
                ext_t, ext_d = _extend(clip, refs, int(ref_id), rt, run, span, shot_span(g), area_name,
                                       mirrored)
                pieces.append(Piece(run, np.concatenate([tq[run.pairs], ext_t]),
                                    np.concatenate([r_times, run.ref_time(ext_t)]),
                                    np.concatenate([d[run.pairs], ext_d]), area_name, mirrored, verdict))
    groups: list[list[Piece]] = []
    photo = ref.kind == "image" and not still_clip
    for piece in sorted(pieces + weak, key=lambda x: x.start):
        if groups and photo and piece.start - max(x.end for x in groups[-1]) <= MAX_JOIN_GAP:
            groups[-1].append(piece)  # one photo shown on: pieces of one pan/zoom are one finding
        elif groups and not still and _continues(groups[-1][-1], piece):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    groups = [g for g in groups if any(p.verdict.accepted for p in g)]
    return [_finding(clip, refs, int(ref_id), ref, group, clip_fps) for group in groups]


def search_areas(refs: ReferenceSet, hashes: np.ndarray, sample: np.ndarray, variant: np.ndarray,
                 shot: np.ndarray) -> Pairs:
    """The clip's pairs, in two stages, so that windows that show nothing known cost little.

    ``sample``, ``variant`` (2 x area + mirrored) of each hash, ``shot`` of each clip sample.  Stage 1
    searches the edge areas' hashes (full, bars, overlay, uniform) at every sample and the windows'
    (``window1``...) at every ``WINDOW_STRIDE``-th sample.  Stage 2 searches the rest of the samples
    of every window that got any pair at all in stage 1 (generous on purpose: known footage in a
    window for ``MIN_SAMPLES`` samples has at least one sample searched in stage 1, a long stretch
    several).  The pairs are then those ``ReferenceSet.search_shots`` gives for the hashes searched
    (its second look at weak shots included), indexed into ``hashes``: for the edge areas and the
    windows with a hit, the same pairs as searching every hash at once.  A window with no known
    footage costs a third of its hashes."""
    sample = np.asarray(sample, np.int64)
    variant = np.asarray(variant, np.int64)
    window = variant >= 2 * len(EDGE_AREAS)
    later = window & (sample % WINDOW_STRIDE != 0)
    first = np.flatnonzero(~later)
    found = refs.search(hashes[first], RADIUS)
    hit = np.unique(variant[first[found.query]] // 2)
    rest = np.flatnonzero(later & np.isin(variant // 2, hit))
    if len(rest):
        more = refs.search(hashes[rest], RADIUS)
        keep = np.sort(np.concatenate([first, rest]))
        query = np.searchsorted(keep, np.concatenate([first[found.query], rest[more.query]]))
        ref_row = np.concatenate([found.ref_row, more.ref_row])
        distance = np.concatenate([found.distance, more.distance])
        order = np.lexsort((ref_row, query))  # ``search``'s own (query, row) order
        found = Pairs(query[order], ref_row[order], distance[order])
    else:
        keep = first
    pairs = refs.search_shots(hashes[keep], RADIUS, sample[keep], shot, MIN_SAMPLES, pairs=found)
    return Pairs(keep[pairs.query], pairs.ref_row, pairs.distance)


def search_clip(clip: ClipPrints, refs: ReferenceSet, cuts: list[float] | None = None,
                clip_fps: float | None = None) -> list[dict[str, Any]]:
    """Findings for ``report.reused``, sorted by clip time.

    ``cuts`` are the clip's shot boundaries (seconds): runs are looked for shot by shot, so that a
    line never borrows support from another shot, and pieces that continue one another across a cut
    are joined again afterwards."""
    p = clip.prints
    qt_all = np.asarray(clip.samples.t)
    bounds = np.asarray(sorted(cuts or []), float)
    pairs = search_areas(refs, p.hashes, p.sample, p.variant, np.searchsorted(bounds, qt_all, side="right"))
    if not len(pairs.query):
        return []
    q_sample = p.sample[pairs.query]
    q_variant = p.variant[pairs.query]
    owner = refs.owner[pairs.ref_row]
    r_sample = refs.sample[pairs.ref_row]
    r_crop = refs.variant[pairs.ref_row]
    still_clip = clip.samples.kind == "image"
    findings: list[dict[str, Any]] = []
    n_codes = 2 * len(AREAS)
    for ref_id in np.unique(owner):
        mine = owner == ref_id
        if len(np.unique(q_sample[mine])) < (1 if still_clip else MIN_SAMPLES):
            continue
        ref, ref_area = refs.store.load_samples(int(ref_id))
        # a split screen may show the same footage in two windows: once a finding is made, the pairs
        # of the areas clear of every window reported so far are searched again, for another window
        shown: list[Box] = []
        m = mine
        for _ in range(1 + MAX_WINDOWS):
            found = _ref_findings(clip, refs, int(ref_id), ref, ref_area, m, q_sample, q_variant, r_sample,
                                  r_crop, pairs.distance, bounds, clip_fps)
            findings += found
            if not found:
                break
            shown += [Box(w["x"], w["y"], w["x"] + w["w"], w["y"] + w["h"]) for w in (f["window"] for f in found)]
            clear = np.array([code // 2 < len(AREAS) and AREAS[code // 2] in clip.areas
                              and all(_shared(clip.areas[AREAS[code // 2]], b) < ANOTHER_WINDOW for b in shown)
                              for code in range(n_codes)])
            m = mine & clear[q_variant]
            if len(np.unique(q_sample[m])) < (1 if still_clip else MIN_SAMPLES):
                break
    findings.sort(key=lambda f: (f["start_s"], f["ref"]["id"]))
    return findings


def _finding(clip: ClipPrints, refs: ReferenceSet, ref_id: int, ref: Samples, group: list[Piece],
             clip_fps: float | None) -> dict[str, Any]:
    info = refs.refs[ref_id]
    first = group[0]
    tq = np.concatenate([x.tq for x in group])
    tr = np.concatenate([x.tr for x in group])
    d = np.concatenate([x.d for x in group])
    start, end = float(tq.min()), float(tq.max())
    run = first.run
    if len(group) > 1:  # one line through the joined pieces
        speed, offset = np.polyfit(tq, tr, 1)
        run = Run(float(speed), float(offset), first.run.pairs)
    # evidence: did the two sides also move alike (a still camera or a photo gives the picture only)
    moved = any(x.verdict.accepted and x.verdict.motion is not None for x in group)
    evidence = "picture+motion" if moved else "picture"
    video_pair = clip.samples.kind != "image" and ref.kind != "image"
    timing_known = moved and end - start >= TIMING_MIN
    if video_pair and not timing_known:
        # the pictures place the clip in the reference, but nothing measures the speed: the line
        # at normal speed through the closest pairs (a still picture fits any line), kept inside
        # the reference (a still clip as long as its reference can only start where it starts)
        offset = float(np.median(tr - tq))
        lo, hi = -start, (ref.duration_s or max(ref.t)) - end
        run = Run(1.0, float(np.clip(offset, lo, hi)) if lo <= hi else offset, first.run.pairs)
    if clip.samples.kind == "image":
        r0 = r1 = run.offset
    elif ref.kind == "image":
        r0 = r1 = 0.0
    else:
        r0, r1 = run.ref_time(start), run.ref_time(end)
    limit = ref.duration_s or max(ref.t)
    r0, r1 = (min(max(0.0, float(x)), limit) for x in (r0, r1))
    verdict = first.verdict
    area_name = first.area
    live = clip.areas.get(area_name, FULL)
    if area_name == "uniform":  # bars and banners cut off by their flat colour: labelled as overlay
        area_name = "overlay"
    in_window = area_name.startswith("window")
    bars = clip.areas.get("bars")
    near = [name for name in ("overlay", "uniform", "bars") if in_window and name in clip.areas
            and _near(live, clip.areas[name])]
    if near:  # the window is (within the found borders' accuracy) the picture between bars and banners
        in_window, area_name = False, near[0].replace("uniform", "overlay")
    elif in_window and area_name in clip.framed:
        # nothing around the window moves: the footage sits between bars and a banner or caption
        in_window, area_name = False, "overlay"
    elif in_window and bars is not None and _spans_side(live, bars) and area_name in clip.calm:
        # a "window" as wide or as tall as the picture between the bars, with no other footage moving
        # around it (not a reaction's face cam): the bars, and a banner over the picture, cut off (what
        # the edge trims of live_area.py find when the picture moves)
        in_window = False
        area_name = "overlay" if max(abs(live.y1 - bars.y1), abs(live.y0 - bars.y0), abs(live.x0 - bars.x0),
                                     abs(live.x1 - bars.x1)) > 0.03 else "bars"
    transform: list[str] = []
    if first.mirrored:
        transform.append("hflip")
    box = verdict.placement
    crop_below = WINDOW_CROP if in_window else 0.95
    if box.width < crop_below or box.height < crop_below:
        transform.append("crop")
    if area_name in ("bars", "overlay") and ("bars" in clip.areas or first.area in clip.framed):
        transform.append("bars")
    if area_name == "overlay":
        transform.append("overlay")
    if in_window:
        transform.append("window")
    if ref.kind == "image" and any(x.verdict.pan_zoom for x in group):
        transform.append("pan_zoom")
    # (and the spans reported show it: a line through the end of the reference is cut there)
    shown_speed = (r1 - r0) / (end - start) if end > start else 1.0
    if video_pair and timing_known and abs(run.speed - 1.0) > SPEED_LABEL and abs(shown_speed - 1.0) > SPEED_LABEL:
        transform.append("speed")
    clip_px = clip.samples.display[0] * live.width
    ref_px = ref.display[0] * box.width
    if clip_px and ref_px and not 0.8 <= clip_px / ref_px <= 1.25:
        transform.append("scale")
    if any(x.verdict.colour_changed for x in group):
        transform.append("colour")
    if (clip_fps and ref.fps and "speed" not in transform
            and abs(clip_fps / ref.fps - 1.0) > 0.05):
        transform.append("frame_rate")
    appearance = min(x.verdict.appearance for x in group)
    motions = [x.verdict.motion for x in group if x.verdict.motion is not None]
    if moved:
        confidence = 0.5 * appearance + 0.5 * float(np.mean(motions))
    else:
        confidence = PICTURE_CONFIDENCE * appearance
    confidence = max(0.0, min(1.0, confidence))
    ref_info = {**info.public(), "kind": "photo" if ref.kind == "image" else "video"}
    window = {"x": round(live.x0, 3), "y": round(live.y0, 3), "w": round(live.width, 3), "h": round(live.height, 3)}
    return {"start_s": round(start, 2), "end_s": round(end, 2), "ref_start_s": round(r0, 2),
            "ref_end_s": round(r1, 2), "ref": ref_info, "transform": transform,
            "distance": int(np.median(d)), "confidence": round(confidence, 2), "evidence": evidence,
            "window": window}


def _near(a: Box, b: Box, tol: float = 0.05) -> bool:
    return max(abs(a.x0 - b.x0), abs(a.y0 - b.y0), abs(a.x1 - b.x1), abs(a.y1 - b.y1)) <= tol


def _shared(a: Box, b: Box) -> float:
    """The share of the smaller of two boxes that lies inside the other."""
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    small = min(a.width * a.height, b.width * b.height)
    return ix * iy / small if small > 0 else 0.0


def _spans_side(inner: Box, outer: Box, tol: float = 0.03) -> bool:
    """Whether ``inner`` reaches across ``outer`` from side to side or from top to bottom."""
    return ((abs(inner.x0 - outer.x0) <= tol and abs(inner.x1 - outer.x1) <= tol)
            or (abs(inner.y0 - outer.y0) <= tol and abs(inner.y1 - outer.y1) <= tol))


def clock(seconds: float) -> str:
    """m:ss.ss, as the terminal summary prints times."""
    m, s = divmod(max(0.0, float(seconds)), 60)
    return f"{int(m)}:{s:05.2f}"


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def add_reuse(report: Report, findings: list[dict[str, Any]], searched: list[ReferenceSet],
              claimed_date: dt.date | None) -> None:
    """Put the findings, what was searched and the ``reused_footage`` flags into the report."""
    report.reused = findings
    n_refs, n_prints = sum(len(r.refs) for r in searched), sum(len(r) for r in searched)
    found = (f"{len(findings)} reused span{'s' if len(findings) != 1 else ''} found" if findings
             else "no reused footage found")
    default = any(getattr(r, "default", False) for r in searched)
    report.reference_search = {"searched": True, "index": " + ".join(r.name for r in searched),
                               "references": n_refs, "fingerprints": n_prints,
                               "note": (f"searched {n_refs} reference{'s' if n_refs != 1 else ''} "
                                        f"({n_prints} fingerprints){' in the default index' if default else ''}: "
                                        f"{found}")}
    if default:
        report.reference_search["default_index"] = True
    outdated = sum(r.outdated for refs in searched for r in refs.refs.values())
    if outdated:
        # photos fingerprinted before their pan-and-zoom crops: searched, but a slow zoom over them is missed
        report.reference_search["outdated"] = outdated
        report.reference_search["note"] += (f"; {outdated} reference{'s' if outdated != 1 else ''} fingerprinted by "
                                            "an older verify (a photo shown with a pan or zoom can be missed): "
                                            "refresh with `verify index add --refresh`")
    created = _date(report.metadata.creation_time)
    for f in findings:
        ref = f["ref"]
        ref_date = _date(ref.get("date"))
        earlier = [what for what, when in (("the claimed date", claimed_date), ("the clip's creation time", created))
                   if ref_date and when and ref_date < when]
        name = ref.get("title") or ref.get("path")
        how = f" ({', '.join(f['transform'])})" if f["transform"] else ""
        dated = f", dated {ref['date']}" if ref.get("date") else ""
        source = f", from {ref['source']}" if ref.get("source") else ""
        if ref.get("kind") == "photo":
            message = f"{clock(f['start_s'])}–{clock(f['end_s'])} of this clip shows the known photo '{name}'"
        else:
            message = (f"{clock(f['start_s'])}–{clock(f['end_s'])} of this clip is {clock(f['ref_start_s'])}–"
                       f"{clock(f['ref_end_s'])} of known footage '{name}'")
        message += dated + source + how
        win = f.get("window")
        if win and (win["w"] < 0.95 or win["h"] < 0.95):
            message += (f"; shown in a window of the frame (from {win['x']:.0%}, {win['y']:.0%}, "
                        f"{win['w']:.0%} wide, {win['h']:.0%} high)")
        if f.get("evidence") == "picture":
            message += "; matched by the picture alone (nothing moved that could confirm it)"
        if earlier:
            message += f"; the footage is older than {' and '.join(earlier)}"
        report.add_flag("reused_footage", "critical" if earlier else "warning", message + ".",
                        **{k: f[k] for k in ("start_s", "end_s", "ref_start_s", "ref_end_s", "ref", "transform",
                                             "evidence", "window") if k in f})
