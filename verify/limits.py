"""Caps that keep one hostile or huge input from taking the machine: pixels, duration, frames, time.

* ``max_pixels``: a video frame or still larger than this is refused (exit 2, one line).
* ``max_duration_s`` / ``max_frames``: only the first part is analysed; the report says so with an
  ``analysis_limited`` flag (the rest of the file is not looked at).
* ``timeout_s``: the decode pass stops at the next frame once this much wall time has passed
  (``analysis_limited`` again).
* ``stall_s``: when no new frame arrives for this long (a decoder stuck inside one call), the file
  is given up with a one-line error; the stuck work is abandoned in a background thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_MAX_PIXELS = 8192 * 8192  # 67 Mpx: 8K video and large camera stills pass
DEFAULT_STALL_S = 60.0

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_duration_s: float | None = None
    max_frames: int | None = None
    timeout_s: float | None = None
    stall_s: float = DEFAULT_STALL_S


class Stalled(Exception):
    """The watched work made no progress for too long."""


class Heartbeat:
    """Progress marks from the worker; the watchdog reads how long ago the last one was."""

    def __init__(self) -> None:
        self._last = time.monotonic()

    def beat(self) -> None:
        self._last = time.monotonic()

    def idle(self) -> float:
        return time.monotonic() - self._last


def run_watched(work: Callable[[Heartbeat], T], stall_s: float) -> T:
    """Run ``work`` in a worker thread; raise :class:`Stalled` if it stops beating for ``stall_s``."""
    heart = Heartbeat()
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = work(heart)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="verify-pass", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=min(1.0, stall_s))
        if worker.is_alive() and heart.idle() > stall_s:
            raise Stalled(f"decoding stalled: no progress for {stall_s:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
