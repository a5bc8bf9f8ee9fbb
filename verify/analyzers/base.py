"""The one interface every analyzer implements.

The decode pass (``verify/decode.py``) calls ``start`` once, ``process`` for every decoded frame in
order, ``end_of_stream`` once for every analyzer after the last frame (an analyzer with work in a
background thread flushes it there, so that it overlaps the others' ``finish``), then ``finish`` once
with the report to fill.  An analyzer must be cheap per frame: work on
``frame.gray`` (tiny luma) every frame, and ask ``frame.rgb()`` (a small colour thumbnail) only for
the few frames it samples.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from ..decode import Frame
from ..report import Report


@dataclass(frozen=True)
class StreamInfo:
    fps: float
    duration_s: float | None  # as declared by the container; may be wrong for damaged files
    display: tuple[int, int]  # displayed width, height
    rotation: int


class Analyzer(ABC):
    name: ClassVar[str]

    def start(self, info: StreamInfo) -> None:  # noqa: B027 - optional hook
        """Called once before the first frame."""

    @abstractmethod
    def process(self, frame: Frame) -> None:
        """Called for every decoded frame, in presentation order."""

    def end_of_stream(self) -> None:  # noqa: B027 - optional hook
        """Called once after the last frame, for every analyzer, before any ``finish``."""

    @abstractmethod
    def finish(self, report: Report) -> None:
        """Called once after the last frame: write results into ``report``."""
