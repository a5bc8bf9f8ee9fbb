"""Keyframes: one representative frame per shot, with its pHash and PDQ.

Candidates are sampled about four times a second (plus the frames right after a possible cut, so
that even a three-frame shot has one).  When the shot detector says a stretch of the clip is
settled, each finished shot gets its keyframe: the sharpest frame (variance of the Laplacian) that
is also typical of the shot (close to the shot's median picture), away from dissolves and fades,
not a flat or motion-blurred one.  Only the chosen frames are hashed, and candidate memory is
freed shot by shot, so memory does not grow with the clip's length.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..decode import Frame
from ..hashing import pdq_hex, phash_hex
from ..report import Report
from .base import Analyzer, StreamInfo
from .shots import Boundary, ShotDetector

MAX_CANDIDATES_PER_SHOT = 48


@dataclass
class Candidate:
    index: int
    t: float
    rgb: np.ndarray
    sharpness: float
    tiny: np.ndarray
    std: float


@dataclass
class Keyframe:
    index: int
    t: float
    phash: str
    pdq: str
    pdq_quality: int
    jpeg: bytes  # small JPEG of the thumbnail, for reports that embed pictures


class KeyframePicker(Analyzer):
    name = "keyframes"

    def __init__(self, shots: ShotDetector):
        self.shots = shots
        self.stride = 4
        self.fps = 25.0
        self._cands: list[Candidate] = []
        self._chosen: dict[int, Keyframe] = {}  # by start frame of the shot
        self._take_next = False
        self._done_until = 0  # frames before this belong to shots already decided

    def start(self, info: StreamInfo) -> None:
        self.fps = info.fps or 25.0
        self.stride = max(1, int(round(self.fps / 4)))

    def process(self, frame: Frame) -> None:
        wanted = frame.index % self.stride == 0 or self._take_next or self.shots.possible_cut_now
        self._take_next = self.shots.possible_cut_now
        if wanted:
            rgb = frame.rgb()
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            sharp = float(cv2.Laplacian(gray, cv2.CV_32F).var())
            tiny = cv2.resize(gray, (16, 9), interpolation=cv2.INTER_AREA).astype(np.float32)
            self._cands.append(Candidate(frame.index, frame.t, rgb, sharp, tiny, float(gray.std())))
            self._thin_out()
        if frame.index % max(1, int(self.fps * 2)) == 0:
            self._settle(self.shots.boundaries(settled_before=self.shots.settled_frame()))

    def finish(self, report: Report) -> None:
        bounds = self.shots.boundaries()
        self._settle(bounds, final=True)
        for shot in report.shots:
            kf = self._chosen.get(shot.start_frame or 0)
            if kf is None:  # grouping changed after settling: use whatever chosen frame lies inside
                inside = [k for k in self._chosen.values()
                          if (shot.start_frame or 0) <= k.index < (shot.end_frame or 1 << 62)]
                kf = inside[0] if inside else None
            if kf is None:
                continue
            shot.keyframe_s = round(kf.t, 3)
            shot.phash, shot.pdq, shot.pdq_quality = kf.phash, kf.pdq, kf.pdq_quality

    def keyframe_jpegs(self) -> dict[int, bytes]:
        """Small JPEG per shot start frame (for HTML reports)."""
        return {start: kf.jpeg for start, kf in self._chosen.items()}

    # -- internals -----------------------------------------------------------------------------
    def _thin_out(self) -> None:
        """Cap candidates of the open shot by dropping every other one of the oldest half."""
        open_shot = [c for c in self._cands if c.index >= self._done_until]
        if len(open_shot) <= MAX_CANDIDATES_PER_SHOT:
            return
        half = len(open_shot) // 2
        drop = {id(c) for c in open_shot[:half][1::2]}
        self._cands = [c for c in self._cands if id(c) not in drop]

    def _settle(self, bounds: list[Boundary], final: bool = False) -> None:
        starts = [0] + [b.frame for b in bounds if b.frame > 0]
        ends = starts[1:] + ([1 << 62] if final else [])
        for start, end in zip(starts, ends):
            if end <= self._done_until or start in self._chosen:
                continue
            members = [c for c in self._cands if start <= c.index < end]
            if members:
                self._chosen[start] = self._choose(members, bounds, start, end)
            self._done_until = max(self._done_until, end)
        self._cands = [c for c in self._cands if c.index >= self._done_until]

    def _choose(self, members: list[Candidate], bounds: list[Boundary], start: int, end: int) -> Keyframe:
        margin = max(2, int(self.fps * 0.1))
        in_transition = [any(b.kind != "cut" and b.start - margin <= c.index <= b.end + margin for b in bounds)
                         for c in members]
        pool = [c for c, bad in zip(members, in_transition) if not bad] or members
        edge = [c for c in pool if start + margin <= c.index < end - margin]
        pool = edge or pool
        lively = [c for c in pool if c.std >= 10] or pool
        median = np.median(np.stack([c.tiny for c in lively]), axis=0)
        sharp = np.array([np.log1p(c.sharpness) for c in lively])
        sharp = sharp / max(float(sharp.max()), 1e-6)
        typ = np.array([float(np.mean(np.abs(c.tiny - median))) for c in lively])
        best = lively[int(np.argmax(sharp - typ / 30.0))]
        pdq, quality = pdq_hex(best.rgb)
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(best.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        return Keyframe(best.index, best.t, phash_hex(best.rgb), pdq, quality, jpg.tobytes() if ok else b"")
