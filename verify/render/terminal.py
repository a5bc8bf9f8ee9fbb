"""Compact terminal summary (rich) and the progress bar for long clips."""

from __future__ import annotations

import io
import os
import sys
from typing import IO

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from ..report import SEVERITY_ORDER, Report
from .provenance import provenance_rows
from .safe import visible
from .verdict import reference_name, search_note, verdict, window_text

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
_SEVERITY_MARK = {"critical": "!!", "warning": "! ", "info": "i "}
_VERDICT_STYLE = {"critical": "bold white on red", "warning": "bold black on yellow", "ok": "bold white on green"}


def escape(text: str) -> str:
    """Text from the file, safe for rich markup and for the terminal (no escape sequences)."""
    return _markup_escape(visible(text))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    m, s = divmod(max(0.0, seconds), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:05.2f}" if h else f"{m}:{s:05.2f}"


def mmss(seconds: float | None) -> str:
    """Whole seconds as m:ss (h:mm:ss past an hour), the way people quote video times."""
    if seconds is None:
        return "?"
    total = int(round(max(0.0, seconds)))
    h, rest = divmod(total, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def scene_lines(report: Report) -> tuple[str, str]:
    """'street footage: 6.4 s of 2:13 (0:00–0:04, 1:58–2:01), from a moving vehicle' and the rest."""
    sc = report.scenes
    street = [seg for seg in sc.segments if seg["label"] == "street"]
    spans = ", ".join(f"{mmss(seg['start_s'])}–{mmss(seg['end_s'])}" for seg in street)
    length = report.media.duration_s or (sc.segments[-1]["end_s"] if sc.segments else None)
    line = f"street footage: {sc.street_seconds or 0.0:.1f} s of {mmss(length)}"
    if spans:
        line += f" ({spans})"
    moving = sum(seg["end_s"] - seg["start_s"] for seg in street if seg["motion"] == "moving")
    if street and moving >= 0.5 * (sc.street_seconds or 0.0):
        line += ", from a moving vehicle"
    elif moving > 0:
        line += f", {moving:.1f} s of it from a moving vehicle"
    other = f"indoor {sc.indoor_seconds or 0.0:.1f} s · other outdoor {sc.outdoor_seconds or 0.0:.1f} s"
    if sc.unknown_seconds:
        other += f" · unknown {sc.unknown_seconds:.1f} s"
    if sc.model:
        other += f" · {escape(sc.model)}"
    return line, other


def device_name(make: str | None, model: str | None) -> str:
    """``Canon`` + ``Canon EOS 80D`` -> ``Canon EOS 80D`` (a model that already names its make)."""
    if make and model and model.lower().startswith(make.strip().lower()):
        return model
    return " ".join(x for x in (make, model) if x)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def render_summary(report: Report, stream: IO[str] | None = None, width: int | None = None) -> None:
    """The summary on *stream* (a terminal: in colour at its width; else plain text at $COLUMNS or
    80 columns, without trailing spaces, for CI logs and files)."""
    out = stream or sys.stdout
    tty = hasattr(out, "isatty") and out.isatty()
    console = Console(file=io.StringIO(), highlight=False, soft_wrap=False, force_terminal=tty,
                      width=width or (Console(file=out).width if tty else _columns()),
                      color_system="auto" if tty else None)
    _summary(console, report)
    text = console.file.getvalue()
    if not tty:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text)
    out.flush()


def _columns() -> int:
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 80


def _summary(console: Console, report: Report) -> None:
    f, m, md = report.file, report.media, report.metadata
    v = verdict(report)
    console.print(f"[{_VERDICT_STYLE[v.level]}] {escape(v.line)} [/]")
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
    device = device_name(md.make, md.model)
    bits = [f"device {escape(device)}" if device else None,
            f"software {escape(md.software)}" if md.software else None,
            f"encoder {escape(md.encoder)}" if md.encoder else None]
    if any(bits):
        grid.add_row("written by", " · ".join(b for b in bits if b))
    if md.location:
        grid.add_row("location", f"{md.location.lat:.5f}, {md.location.lon:.5f}")
    for label, text in provenance_rows(report):  # the Provenance section: source, Content Credentials, AI marks
        grid.add_row(label, escape(text))
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
    if report.scenes.street_seconds is not None:
        street_line, other_line = scene_lines(report)
        grid.add_row("scenes", street_line)
        grid.add_row("", other_line)
    if report.reused:
        for r in report.reused:
            photo = (r.get("ref") or {}).get("kind") == "photo"
            ref_span = (" (a photo)" if photo else f" at {clock(r.get('ref_start_s'))}–{clock(r.get('ref_end_s'))}"
                        if r.get("ref_start_s") is not None else "")
            shown = r.get("transform")
            shown = ", ".join(map(str, shown)) if isinstance(shown, list) else shown
            how = [escape(str(shown)) if shown else "",
                   f"confidence {r['confidence']}" if r.get("confidence") is not None else "",
                   "picture only" if r.get("evidence") == "picture" else "",
                   window_text(r.get("window"))]
            how_text = f" ({', '.join(h for h in how if h)})" if any(how) else ""
            grid.add_row("reused", f"[bold red]{clock(r.get('start_s'))}–{clock(r.get('end_s'))}[/] = "
                                   f"{escape(reference_name(r))}{ref_span}{how_text}")
    else:
        grid.add_row("reused", escape(search_note(report)))
    written = [s.keyframe for s in report.shots if s.keyframe]
    if written:
        folders = sorted({os.path.dirname(k) or "." for k in written})
        grid.add_row("keyframes", f"{len(written)} JPEG{'s' if len(written) != 1 else ''} in "
                                  + ", ".join(escape(d) for d in folders)
                                  + f" ({escape(os.path.basename(written[0]))}{', …' if len(written) > 1 else ''})")
    console.print(grid)
    if m.kind != "image" and report.shots:
        console.print(shots_table(report, console.width))
    console.print()


def shots_table(report: Report, width: int = 200) -> Table:
    """One row per shot; times, transitions and hashes are never cut short (no ``0:0…`` cells).  The
    keyframe's file name gets a column when the console is wide enough for it (else the keyframes
    line names the first file and the pattern)."""
    files = [os.path.basename(s.keyframe) for s in report.shots if s.keyframe]
    n = len(str(len(report.shots)))
    fixed = n + 4 * 11 + 9 + 15  # "#", four times of up to 10 characters, "via", "pdq (q)", one space each
    with_files = bool(files) and width >= fixed + max(len(f) for f in files)
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="dim", padding=(0, 1))
    table.add_column("#", no_wrap=True, justify="right", min_width=len(str(len(report.shots))))
    for col in ("start", "end", "via", "keyframe"):
        table.add_column(col, no_wrap=True, min_width=7 if col != "via" else 5)
    table.add_column("pdq (q)", no_wrap=True, min_width=14)
    if with_files:
        table.add_column("keyframe file", no_wrap=True)
    shown = report.shots if len(report.shots) <= 40 else report.shots[:20] + report.shots[-20:]
    for s in shown:
        row = [str(s.index), clock(s.start_s), clock(s.end_s), s.transition, clock(s.keyframe_s),
               f"{s.pdq[:8]} ({s.pdq_quality})" if s.pdq else "-"]
        if with_files:
            row.append(escape(os.path.basename(s.keyframe)) if s.keyframe else "-")
        table.add_row(*row)
    if len(report.shots) > 40:
        table.caption = f"{len(report.shots) - 40} shots in the middle not shown (all are in the JSON)"
    return table


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
