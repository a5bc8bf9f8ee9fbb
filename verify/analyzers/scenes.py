"""Scene timeline: how many seconds show a street, an interior, other outdoor places; camera motion.

Per frame this analyzer only decides whether to take a sample: one every half second, and the
frame right after a possible cut (which restarts the half-second schedule), so that even a short
shot gets one.  A sample is the frame's colour thumbnail (``frame.rgb()``) shrunk to the scene
model's input and a small grey picture for the zoom rate.

Every sample gets label probabilities, but the network does not look at every one.  Sampling adapts
to the shots and to what the picture does: a short shot (up to ``LOOK_STRIDE`` samples, two seconds)
gets one look, at its middle sample, whose labels all its samples take.  In a longer shot the model
looks at the first sample; later samples are compared with that look by their coarse colour layout
(8 x 8 RGB, a resize of a picture already in memory).  While the picture stays as it was, they take
the look's labels; once it has changed, the model looks again (at most every ``LOOK_STRIDE``
samples), and a steady shot is looked at again every ``LOOK_MAX`` samples all the same.  When two
looks agree (same top label, or nearly the same probabilities), the samples between them take
probabilities interpolated between the two; when they disagree (a camera walking out of a door, a
car entering a tunnel), the model looks between them by bisection (the middle sample, then each
half the same way), so a change is still placed to the half second.  A steady shot thus costs one
network call, a changing one a call every two seconds, and a change of scene the calls around it.
Samples go in batches to a worker thread that runs the scene model (onnxruntime, one thread) beside
the decode, so the per-frame path stays cheap; the queue is bounded, and at most ``LOOK_MAX``
pictures wait for a decision, so memory does not grow with the clip.

``finish`` runs after the shot detector's (order the analyzer after it): the per-sample label
probabilities are smoothed into segments snapped to the shot boundaries in ``report.shots``, each
segment gets its camera motion from the shot detector's per-frame global translation and the
zoom rates, and ``report.scenes`` gets the seconds per label.  Street footage filmed while
travelling raises the ``street_from_vehicle`` flag.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..decode import Frame
from ..report import Report
from ..scenes.cues import FLAT_STD
from ..scenes.model import BUNDLED_SIZE, LABELS, SceneModel, SceneModelError, load_scene_model
from ..scenes.motion import ZoomPair, classify_motion, expansion, zoom_gray
from ..scenes.timeline import Sample, Segment, build_timeline, merge, seconds_by_label
from .base import Analyzer, StreamInfo
from .shots import ShotDetector

SAMPLE_INTERVAL = 0.5  # seconds between samples: at least two a second
BATCH = 4  # samples per inference call (activations of bigger batches cost memory, not speed)
QUEUE_BATCHES = 4  # batches waiting for the worker at most (bounds memory)
WORKER_IDLE_S = 120.0  # a worker that gets nothing for this long stops; finish() takes over
VEHICLE_MIN_S = 1.0  # travelling street footage shorter than this raises no flag
LOOK_STRIDE = 4  # within a changing shot the model looks at every 4th sample (2 s), and between looks that disagree
LOOK_MAX = 16  # within a steady shot it looks again after this many samples (8 s) all the same
SIGNATURE = 8  # side of the colour layout (8 x 8 RGB) that tells whether a picture changed since the last look
MOVED = 14.0  # mean absolute difference of that layout (grey levels) that counts as a changed picture
AGREE_L1 = 0.3  # two looked-at samples with different top labels still agree when their probabilities are this close


@dataclass
class _Batch:
    times: list[float] = field(default_factory=list)
    pictures: list[np.ndarray] = field(default_factory=list)
    grays: list[np.ndarray] = field(default_factory=list)
    flat: list[bool] = field(default_factory=list)
    new_shot: list[bool] = field(default_factory=list)  # the sample is the first after a possible cut


@dataclass
class _Waiting:
    """A sample between two looked-at ones, waiting to learn whether the model must look at it."""

    t: float
    picture: np.ndarray
    flat: bool
    layout: np.ndarray


def layout(picture: np.ndarray) -> np.ndarray:
    """The picture's coarse colour layout (``SIGNATURE`` x ``SIGNATURE`` RGB, float32)."""
    return cv2.resize(picture, (SIGNATURE, SIGNATURE), interpolation=cv2.INTER_AREA).astype(np.float32)


def moved(a: np.ndarray, b: np.ndarray) -> bool:
    """Two colour layouts differ enough that the scene may have changed (``MOVED``)."""
    return float(np.mean(np.abs(a - b))) > MOVED


class SceneAnalyzer(Analyzer):
    name = "scenes"

    def __init__(self, shots: ShotDetector, model: SceneModel | None = None, model_path: Path | None = None,
                 interval: float = SAMPLE_INTERVAL):
        self.shots = shots
        self.interval = interval
        self._model = model
        self._model_path = model_path
        self._size = model.input_size if model is not None else (BUNDLED_SIZE, BUNDLED_SIZE)
        self._next_t = 0.0
        self._take_next = False
        self._pending = _Batch()
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=QUEUE_BATCHES)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._samples: list[Sample] = []
        self._zooms: list[ZoomPair] = []
        self._last_gray: tuple[float, np.ndarray] | None = None
        self._looked: tuple[float, np.ndarray] | None = None  # (time, probabilities) of the shot's last look
        self._looked_layout: np.ndarray | None = None  # colour layout of that look's picture
        self._waiting: list[_Waiting] = []  # samples after it, in this shot
        self._changed = False  # a waiting sample's picture moved away from the last look's
        self._error: str | None = None
        self.looked_at = 0  # samples the model actually classified
        self._flushed = False

    # -- the pass ------------------------------------------------------------------------------
    def start(self, info: StreamInfo) -> None:
        if self._model is None:  # load in the worker, beside the decode
            self._size = (BUNDLED_SIZE, BUNDLED_SIZE) if self._model_path is None else self._peek_size()
        self._worker = threading.Thread(target=self._work, name="verify-scenes", daemon=True)
        self._worker.start()

    def process(self, frame: Frame) -> None:
        after_cut = self._take_next
        take = frame.t >= self._next_t or after_cut
        self._take_next = self.shots.possible_cut_now
        if not take:
            return
        if after_cut:  # a new shot starts its own schedule: no extra samples, none more than interval apart
            self._next_t = frame.t + self.interval
        while self._next_t <= frame.t:
            self._next_t += self.interval
        rgb = frame.rgb()
        b = self._pending
        b.times.append(frame.t)
        b.pictures.append(cv2.resize(rgb, self._size, interpolation=cv2.INTER_AREA))
        b.new_shot.append(after_cut)
        b.grays.append(zoom_gray(rgb))
        b.flat.append(float(frame.gray.std()) < FLAT_STD)
        if len(b.times) >= BATCH:
            self._submit()

    def end_of_stream(self) -> None:
        """Hand the last samples to the worker and tell it to stop when done (it drains meanwhile)."""
        if self._flushed:
            return
        self._flushed = True
        self._submit()
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)

    def finish(self, report: Report) -> None:
        self.end_of_stream()
        if self._worker is not None:
            self._worker.join()
        self._drain()  # whatever a stopped worker left behind
        with self._lock:
            if self._error is None and self._model is not None:
                self._close_shot()
        if self._error is not None:
            report.analysis["scenes"] = {"error": self._error}
            return
        self._fill(report)

    # -- worker --------------------------------------------------------------------------------
    def _submit(self) -> None:
        if not self._pending.times:
            return
        batch, self._pending = self._pending, _Batch()
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(batch)
        else:  # the worker stopped (idle too long): never block on a queue nobody empties
            self._drain()
            self._classify(batch)

    def _drain(self) -> None:
        """Classify, in order, whatever is still queued (after the worker has stopped)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                self._classify(item)

    def _peek_size(self) -> tuple[int, int]:
        try:
            self._model = load_scene_model(self._model_path)
        except SceneModelError as exc:
            self._error = f"scene model {self._model_path}: {exc}"
            return (BUNDLED_SIZE, BUNDLED_SIZE)
        return self._model.input_size

    def _work(self) -> None:
        with self._lock:  # the model loads at once, beside the first frames, not when the first samples arrive
            self._load()
        while True:
            try:
                item = self._queue.get(timeout=WORKER_IDLE_S)
            except queue.Empty:
                return
            if item is None:
                return
            self._classify(item)

    def _load(self) -> None:
        """Load the scene model unless it is loaded or failed (call with the lock held)."""
        if self._error is None and self._model is None:
            try:
                self._model = load_scene_model(self._model_path)
            except SceneModelError as exc:
                self._error = f"scene model: {exc}"

    def _classify(self, batch: _Batch) -> None:
        with self._lock:
            self._load()
            if self._error is not None or self._model is None:
                return
            for t, pic, gray, flat, new_shot in zip(batch.times, batch.pictures, batch.grays, batch.flat,
                                                    batch.new_shot):
                if self._last_gray is not None:
                    t0, g0 = self._last_gray
                    rate = expansion(g0, gray)
                    if rate is not None and t > t0:
                        self._zooms.append(ZoomPair(t0, t, rate / (t - t0)))
                self._last_gray = (t, gray)
                w = _Waiting(t, pic, flat, layout(pic))
                if new_shot and self._changed_since_shot(w):
                    self._close_shot()
                self._waiting.append(w)
                if self._looked is None:
                    if len(self._waiting) <= LOOK_STRIDE:
                        continue  # maybe a short shot: one look will do (see _close_shot)
                    first = self._waiting.pop(0)  # a longer shot: its first sample is looked at
                    probs = self._look(first.picture)
                    if probs is None:
                        return
                    self._keep(first, probs)
                    self._changed = any(moved(x.layout, first.layout) for x in self._waiting)
                elif not self._changed and moved(w.layout, self._looked_layout):
                    self._changed = True
                if (self._changed and len(self._waiting) >= LOOK_STRIDE) or len(self._waiting) >= LOOK_MAX:
                    self._settle()

    def _changed_since_shot(self, w: _Waiting) -> bool:
        """Whether a sample after a possible cut shows another picture than the shot so far (its last
        look, else its last sample).  A possible cut to the same picture (a flash, a jump cut, a
        false alarm of the shot detector) does not end the shot here: it costs no extra look."""
        before = self._looked_layout if self._looked is not None else (
            self._waiting[-1].layout if self._waiting else None)
        return before is None or moved(w.layout, before)

    def _close_shot(self) -> None:
        """The shot ended: decide its waiting samples.

        A short shot (at most ``LOOK_STRIDE`` samples, two seconds) gets one look, at its middle
        sample (the middle one with a picture, if some are flat), whose labels all its samples take.
        In a longer one, samples that still look like the last look take its labels; if the picture
        changed since, the last sample is looked at and the ones between are settled as usual."""
        if self._looked is None and self._waiting:
            waiting, self._waiting = self._waiting, []
            seen = [w for w in waiting if not w.flat] or waiting
            middle = seen[len(seen) // 2]
            probs = self._look(middle.picture)
            if probs is not None:
                for w in waiting:
                    self._samples.append(Sample(w.t, probs, w.flat))
        if self._changed:
            self._settle()
        elif self._looked is not None:
            for w in self._waiting:
                self._samples.append(Sample(w.t, self._looked[1], w.flat))
        self._waiting = []
        self._looked = None
        self._changed = False

    def _settle(self) -> None:
        """Look at the newest waiting sample; fill or look at the ones between it and the last look."""
        if not self._waiting or self._looked is None:
            self._waiting = []
            return
        *between, last = self._waiting
        self._waiting = []
        probs = self._look(last.picture)
        if probs is None:
            return
        self._between(self._looked, (last.t, probs), between)
        self._keep(last, probs)

    def _between(self, left: tuple[float, np.ndarray], right: tuple[float, np.ndarray],
                 between: list[_Waiting]) -> None:
        """Probabilities for the samples between two looks: interpolated when the looks agree,
        else found by bisection (look at the middle one, then decide each half the same way)."""
        if not between:
            return
        (t0, p0), (t1, p1) = left, right
        if _agree(p0, p1):
            for w in between:
                f = (w.t - t0) / max(t1 - t0, 1e-9)
                self._samples.append(Sample(w.t, (1.0 - f) * p0 + f * p1, w.flat))
            return
        m = len(between) // 2
        mid = between[m]
        probs = self._look(mid.picture)
        if probs is None:
            return
        self._samples.append(Sample(mid.t, probs, mid.flat))
        self._between(left, (mid.t, probs), between[:m])
        self._between((mid.t, probs), right, between[m + 1:])

    def _keep(self, w: _Waiting, probs: np.ndarray) -> None:
        """``w`` was looked at: it becomes the reference the next samples are compared with."""
        self._samples.append(Sample(w.t, probs, w.flat))
        self._looked = (w.t, probs)
        self._looked_layout = w.layout
        self._changed = False

    def _look(self, picture: np.ndarray) -> np.ndarray | None:
        """The model's probabilities for one picture (None after a model failure, which is recorded)."""
        try:
            probs = np.asarray(self._model.classify(picture[None]), dtype=np.float64)[0]  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - a model failure must not sink the whole report
            self._error = f"scene model failed: {type(exc).__name__}: {str(exc)[:160]}"
            self._waiting = []
            return None
        self.looked_at += 1
        return probs

    # -- results -------------------------------------------------------------------------------
    def _fill(self, report: Report) -> None:
        shots = [(s.start_s, s.end_s) for s in report.shots]
        duration = shots[-1][1] if shots else (self._samples[-1].t + self.interval if self._samples else 0.0)
        samples = sorted(self._samples, key=lambda s: s.t)
        starts = [a for a, _ in shots[1:]]
        # zoom pairs that straddle a shot boundary compare two different pictures
        zooms = [z for z in self._zooms if not any(z.t0 < s <= z.t1 for s in starts)]
        segments = build_timeline(samples, shots, duration)
        for seg in segments:
            seg.motion = classify_motion(seg.start_s, seg.end_s, self.shots.motion_t, self.shots.motion_dx,
                                         self.shots.width, zooms)
        segments = merge(segments)
        totals = seconds_by_label(segments)
        sc = report.scenes
        sc.street_seconds = round(totals["street"], 2)
        sc.indoor_seconds = round(totals["indoor"], 2)
        sc.outdoor_seconds = round(totals["outdoor"], 2)
        sc.unknown_seconds = round(totals["unknown"], 2)
        sc.segments = [s.to_dict() for s in segments]
        sc.model = getattr(self._model, "name", None)
        report.analysis["scenes"] = {"samples": len(samples), "looked_at": self.looked_at,
                                     "interval_s": self.interval, "labels": list(LABELS)}
        self._vehicle_flag(report, segments)

    @staticmethod
    def _vehicle_flag(report: Report, segments: list[Segment]) -> None:
        moving = [s for s in segments if s.label == "street" and s.motion == "moving"]
        seconds = sum(s.duration for s in moving)
        if seconds < VEHICLE_MIN_S:
            return
        spans = ", ".join(f"{s.start_s:.1f}–{s.end_s:.1f} s" for s in moving)
        report.add_flag("street_from_vehicle", "info",
                        f"{seconds:.1f} s of street footage were filmed while travelling ({spans}), "
                        "as from a moving vehicle.",
                        seconds=round(seconds, 2),
                        spans=[[round(s.start_s, 3), round(s.end_s, 3)] for s in moving])


def _agree(p0: np.ndarray, p1: np.ndarray) -> bool:
    """Two looked-at samples say the same thing: the same top label, or nearly the same probabilities."""
    return int(np.argmax(p0)) == int(np.argmax(p1)) or float(np.abs(p0 - p1).sum()) <= AGREE_L1
