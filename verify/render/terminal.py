"""Compact terminal summary (rich) and the progress bar for long clips."""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..report import SEVERITY_ORDER, Report

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
_SEVERITY_MARK = {"critical": "!!", "warning": "! ", "info": "i "}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    m, s = divmod(max(0.0, seconds), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:05.2f}" if h else f"{m}:{s:05.2f}"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def render_summary(report: Report, stream: IO[str] | None = None) -> None:
    console = Console(file=stream or sys.stdout, highlight=False, soft_wrap=False)
    f, m, md = report.file, report.media, report.metadata
    console.print(f"[bold]{escape(f.path)}[/]  sha256 {f.sha256[:16]}…  {_size(f.size_bytes)}")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    if m.kind == "image":
        grid.add_row("media", f"{escape(m.container or '?')} still · {m.width}×{m.height}")
    else:
        parts = [escape(m.container or "?"), clock(m.duration_s), f"{m.width}×{m.height}",
                 f"{m.fps:g} fps" if m.fps else "? fps",
                 escape(m.video_codec or "?") + (f" + {escape(m.audio_codec)}" if m.audio_codec else " (no audio)")]
        if m.rotation:
            parts.append(f"rotated {m.rotation}°")
        if m.decoded_duration_s is not None and m.duration_s and m.decoded_duration_s < m.duration_s - 1:
            parts.append(f"[yellow]decoded only {clock(m.decoded_duration_s)}[/]")
        grid.add_row("media", " · ".join(parts))
    if md.creation_time:
        src = f" from {escape(md.creation_time_source)}" if md.creation_time_source else ""
        local = f", recorded as {escape(md.creation_time_local)}" if md.creation_time_local else ""
        grid.add_row("created", f"{md.creation_time.replace('T', ' ').replace('Z', ' UTC')}{src}{local}")
    else:
        grid.add_row("created", "[yellow]no creation time in the metadata[/]")
    device = " ".join(x for x in (md.make, md.model) if x)
    bits = [f"device {escape(device)}" if device else None,
            f"software {escape(md.software)}" if md.software else None,
            f"encoder {escape(md.encoder)}" if md.encoder else None]
    if any(bits):
        grid.add_row("written by", " · ".join(b for b in bits if b))
    if md.location:
        grid.add_row("location", f"{md.location.lat:.5f}, {md.location.lon:.5f}")
    for fl in sorted(report.flags, key=lambda x: -SEVERITY_ORDER[x.severity]):
        style = _SEVERITY_STYLE[fl.severity]
        grid.add_row("flag", f"[{style}]{_SEVERITY_MARK[fl.severity]}{escape(fl.code)}[/]  {escape(fl.message)}")
    if m.kind != "image":
        kinds: dict[str, int] = {}
        for s in report.shots[1:]:
            kinds[s.transition] = kinds.get(s.transition, 0) + 1
        how = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
        grid.add_row("shots", f"{len(report.shots)} shot{'s' if len(report.shots) != 1 else ''}"
                     + (f" ({how})" if how else ""))
    street = report.scenes.street_seconds
    if street is not None:
        grid.add_row("street", f"{street:.1f} s of {clock(m.duration_s)}")
    if report.reused:
        for r in report.reused:
            ref = r.get("ref", {})
            grid.add_row("reused", f"{clock(r.get('start_s'))}–{clock(r.get('end_s'))} = "
                                   f"{escape(str(ref.get('title') or ref.get('path') or '?'))}")
    else:
        grid.add_row("reused", escape(report.reference_search.get("note", "no reference set was searched")))
    console.print(grid)
    if m.kind != "image" and report.shots:
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="dim")
        for col in ("#", "start", "end", "via", "keyframe", "pdq (q)", "file"):
            table.add_column(col, no_wrap=True)
        shown = report.shots if len(report.shots) <= 40 else report.shots[:20] + report.shots[-20:]
        for s in shown:
            table.add_row(str(s.index), clock(s.start_s), clock(s.end_s), s.transition, clock(s.keyframe_s),
                          f"{(s.pdq or '')[:12]}… ({s.pdq_quality})" if s.pdq else "-",
                          escape(s.keyframe or ""))
        console.print(table)
    console.print()


class ProgressReporter:
    """A progress bar on stderr for clips longer than ten seconds, when stderr is a terminal."""

    def __init__(self, label: str):
        self.label = label
        self._progress = None
        self._task = None
        self._enabled = sys.stderr.isatty()

    def update(self, done: float, total: float | None) -> None:
        if not self._enabled or not total or total < 10:
            return
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                                      console=Console(file=sys.stderr), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(escape(self.label), total=total)
        self._progress.update(self._task, completed=min(done, total))

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
