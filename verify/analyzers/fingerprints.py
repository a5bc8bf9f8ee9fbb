"""Fingerprint samples of the clip, taken in the one decode pass.

About four frames a second (the keyframe picker's frames, so each colour thumbnail is made once)
are kept as 128-px grey thumbnails.  Each is hashed whole as it arrives (beside FFmpeg's decoder
threads rather than after the pass); at the end of the pass ``prints()`` adds the hashes of the live
areas found (``verify/fingerprint/prints.py``).  The search against known footage and the search
for repeats inside the clip run after the pass, in ``verify/matching/``.
"""

from __future__ import annotations

from ..decode import Frame
from ..fingerprint.pdq import pdq_and_mirror
from ..fingerprint.prints import ClipPrints, FullHashes, clip_prints
from ..fingerprint.sampling import Sampler, Samples
from ..report import Report
from .base import Analyzer, StreamInfo


class FingerprintSampler(Analyzer):
    name = "fingerprints"

    def __init__(self) -> None:
        self._sampler: Sampler | None = None
        self._prints: ClipPrints | None = None
        self._full = FullHashes()  # whole-picture hashes, made as the samples arrive

    def start(self, info: StreamInfo) -> None:
        self._sampler = Sampler(info.fps, info.display)

    def process(self, frame: Frame) -> None:
        assert self._sampler is not None
        thumb = self._sampler.feed(frame)
        if thumb is not None:  # a new sample: hash it now, beside the decoder threads
            self._full.add(*pdq_and_mirror(thumb))

    def finish(self, report: Report) -> None:
        """Nothing goes into the report itself: the clip's fingerprints are made here (while a scene
        worker may still be busy) for the searches after the pass; see ``prints()``."""
        self.prints()

    @property
    def samples(self) -> Samples:
        assert self._sampler is not None
        return self._sampler.samples

    def prints(self) -> ClipPrints:
        if self._prints is None:
            self._prints = clip_prints(self.samples, self._full)
        return self._prints
