"""What ``verify scan`` shows while it runs, on stderr: a progress bar on a terminal, plain lines otherwise.

On a terminal (stderr is a TTY) a rich progress bar counts the clips done of all (whatever engine
runs them: local, ``--jobs``, ``--workers``, ``--dask``: every one reports each clip back to the
client), with the elapsed and remaining time; a clip that fails is printed above the bar, so no
error scrolls by unseen.  Anywhere else (a pipe, a file, CI logs) each clip is one plain line as it
finishes (``scan.progress_line``), which logs keep and grep finds.  ``-q`` shows neither.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from .scan import Outcome, progress_line


class ScanProgress:
    """The ``progress`` callback of ``scan.run_scan`` (and its ``on_total``); use as a context manager."""

    def __init__(self, stream: TextIO | None = None, terminal: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ScanProgress:
        if self.terminal:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(SpinnerColumn(), TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("scan", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def total(self, count: int) -> None:
        """How many clips the scan has (known once the files are found)."""
        if self._bar is not None:
            self._bar.update(self._task, total=count)

    def __call__(self, outcome: Outcome, done: int, total: int) -> None:
        if self._bar is None:
            print(progress_line(outcome, done, total), file=self.stream, flush=True)
            return
        if outcome.status == "error":
            self._bar.console.print(progress_line(outcome, done, total), markup=False, highlight=False)
        self._bar.update(self._task, completed=done, total=total)
