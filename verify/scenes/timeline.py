"""From per-sample scene probabilities to a timeline of labelled segments snapped to shots.

Within each shot the label sequence is smoothed with a Viterbi pass: a label change inside a shot
costs :data:`SWITCH_COST` (log-probability), so one odd sample does not split a shot, while a real
change (a camera walking out of a door) still does, half-way between the two samples.  Shot
boundaries always end a segment.  A flat picture (black, white, a fade) carries no evidence; a shot
of nothing but flat pictures is ``unknown``, and so is a stretch whose label has a mean probability
under :data:`MIN_CONFIDENCE` (the model abstains rather than guess).  Adjacent segments with the
same label and camera motion are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import LABELS

SWITCH_COST = 4.0  # log-probability a label change inside a shot must win by
MIN_CONFIDENCE = 0.6  # a stretch whose label is less sure than this on average is "unknown"
UNKNOWN = LABELS.index("unknown")


@dataclass
class Sample:
    t: float
    probs: np.ndarray  # over LABELS
    flat: bool = False


@dataclass
class Segment:
    label: str
    start_s: float
    end_s: float
    confidence: float
    motion: str = "static"

    @property
    def duration(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "confidence": round(self.confidence, 3), "motion": self.motion}


def effective_probs(sample: Sample) -> np.ndarray:
    """The sample's probabilities; a flat picture (black, white, a fade) carries no evidence."""
    if sample.flat:
        return np.full(len(LABELS), 1.0 / len(LABELS))
    return np.asarray(sample.probs, dtype=np.float64)


def viterbi(probs: np.ndarray, switch_cost: float = SWITCH_COST) -> list[int]:
    """Most likely label sequence for ``probs`` (T x K) with a fixed cost per label change."""
    logp = np.log(np.clip(probs, 1e-6, 1.0))
    t_len, k = logp.shape
    score = logp[0].copy()
    back = np.zeros((t_len, k), dtype=np.int64)
    for t in range(1, t_len):
        stay = score
        best_prev = int(np.argmax(score))
        switch = score[best_prev] - switch_cost
        back[t] = np.where(stay >= switch, np.arange(k), best_prev)
        score = np.maximum(stay, switch) + logp[t]
    path = [int(np.argmax(score))]
    for t in range(t_len - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def shot_segments(samples: list[Sample], start: float, end: float) -> list[Segment]:
    """Segments of one shot ``[start, end)`` from the samples taken inside it (time order)."""
    if not samples or all(s.flat for s in samples):
        return [Segment("unknown", start, end, 1.0 if samples else 0.0)]
    probs = np.stack([effective_probs(s) for s in samples])
    path = viterbi(probs)
    out: list[Segment] = []
    run_start = 0
    for i in range(1, len(path) + 1):
        if i < len(path) and path[i] == path[run_start]:
            continue
        seg_start = start if run_start == 0 else 0.5 * (samples[run_start - 1].t + samples[run_start].t)
        seg_end = end if i == len(path) else 0.5 * (samples[i - 1].t + samples[i].t)
        label = path[run_start]
        seen = [j for j in range(run_start, i) if not samples[j].flat] or list(range(run_start, i))
        conf = float(np.mean(probs[seen, label]))
        if conf < MIN_CONFIDENCE:  # not sure enough to say: abstain
            label, conf = UNKNOWN, 1.0 - conf
        out.append(Segment(LABELS[label], seg_start, seg_end, conf))
        run_start = i
    return out


def build_timeline(samples: list[Sample], shots: list[tuple[float, float]], duration: float) -> list[Segment]:
    """Segments for the whole clip; ``shots`` are (start_s, end_s) in order, covering the clip.

    A shot with no sample inside (shorter than the sampling interval and no sample landed in it)
    borrows the nearest sample in time.
    """
    if not shots:
        shots = [(0.0, duration)]
    times = np.array([s.t for s in samples]) if samples else np.zeros(0)
    segments: list[Segment] = []
    for i, (a, b) in enumerate(shots):
        last = i == len(shots) - 1
        inside = [s for s in samples if a <= s.t < b or (last and s.t >= b)]
        if not inside and samples:
            mid = 0.5 * (a + b)
            inside = [samples[int(np.argmin(np.abs(times - mid)))]]
        segments += shot_segments(inside, a, b)
    return segments


def merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbours with the same label and motion (confidence weighted by duration)."""
    out: list[Segment] = []
    for seg in segments:
        prev = out[-1] if out else None
        if prev is not None and prev.label == seg.label and prev.motion == seg.motion \
                and abs(prev.end_s - seg.start_s) < 1e-6:
            total = prev.duration + seg.duration
            if total > 0:
                prev.confidence = (prev.confidence * prev.duration + seg.confidence * seg.duration) / total
            prev.end_s = seg.end_s
            continue
        out.append(Segment(seg.label, seg.start_s, seg.end_s, seg.confidence, seg.motion))
    return out


def seconds_by_label(segments: list[Segment]) -> dict[str, float]:
    totals = {label: 0.0 for label in LABELS}
    for seg in segments:
        totals[seg.label] += seg.duration
    return totals
