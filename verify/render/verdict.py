"""The one-line verdict both the terminal summary and the HTML report open with.

It is drawn only from the report: reused spans and critical flags are red flags, warnings are
worth a look, info flags are context.  A clip that was never compared with known footage says so,
so "no red flags" is never read as "not reused".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..report import SEVERITY_ORDER, Report

Level = Literal["critical", "warning", "ok"]

# Short phrases for the verdict line; a code not listed here is shown with its underscores as spaces.
PHRASES: dict[str, str] = {
    "reused_footage": "reused footage found",
    "creation_time_conflict": "metadata conflicts with the claimed date",
    "reencoded": "re-encoded copy, not the camera original",
    "no_creation_time": "no creation time in the metadata",
    "decode_errors": "damaged or truncated stream",
    "c2pa_ai_generated": "the file says a generator (AI) made it",
    "c2pa_invalid": "Content Credentials broken: changed after signing",
    "c2pa_time_conflict": "Content Credentials date conflicts",
    "uploaded_before_claimed": "online before the claimed date",
}


@dataclass
class Verdict:
    level: Level
    headline: str  # "reused footage found · metadata conflicts with the claimed date"
    points: list[str] = field(default_factory=list)  # one sentence each, most important first

    @property
    def line(self) -> str:
        return f"VERDICT: {self.headline}"


def phrase(code: str) -> str:
    return PHRASES.get(code, code.replace("_", " "))


def clock(seconds: float | None) -> str:
    """``1:02.40`` (or ``1:02:03.00`` past an hour); ``?`` when unknown."""
    if seconds is None:
        return "?"
    m, s = divmod(max(0.0, float(seconds)), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:05.2f}" if h else f"{m}:{s:05.2f}"


def reference_name(item: dict[str, Any]) -> str:
    """How a reused finding's reference is named: its title, else its path, else ``?``."""
    ref = item.get("ref") or {}
    name = str(ref.get("title") or ref.get("path") or "?")
    date = ref.get("date")
    return f"{name} ({date})" if date else name


def window_text(window: Any) -> str:
    """Where a reused finding's footage is in the frame, from its ``window``: "in a window at 50%, 6%,
    44%×46% of the frame"; "" for the whole frame or no window."""
    if not isinstance(window, dict) or not all(isinstance(window.get(k), (int, float)) for k in "xywh"):
        return ""
    if window["w"] >= 0.95 and window["h"] >= 0.95:
        return ""
    return f"in a window at {window['x']:.0%}, {window['y']:.0%}, {window['w']:.0%}×{window['h']:.0%} of the frame"


def search_note(report: Report) -> str:
    """What the reference search did, in the report's own words: "searched 2 references (6700
    fingerprints): no reused footage found", or why nothing was searched."""
    rs = report.reference_search
    if rs.get("note"):
        return str(rs["note"])
    if rs.get("searched"):
        return (f"searched {rs.get('references', '?')} references ({rs.get('fingerprints', '?')} fingerprints): "
                + (f"{len(report.reused)} reused spans found" if report.reused else "no reused footage found"))
    return "no reference set was searched"


def verdict(report: Report) -> Verdict:
    flags = sorted(report.flags, key=lambda f: -SEVERITY_ORDER[f.severity])
    critical = [f for f in flags if f.severity == "critical"]
    warnings = [f for f in flags if f.severity == "warning"]
    red: list[str] = []
    points: list[str] = []
    if report.reused:
        red.append(phrase("reused_footage"))
        if not any(f.code == "reused_footage" for f in critical):  # else that flag's messages say it
            seconds = sum(max(0.0, float(r.get("end_s", 0)) - float(r.get("start_s", 0))) for r in report.reused)
            names = sorted({reference_name(r) for r in report.reused})
            points.append(f"{len(report.reused)} span{'s' if len(report.reused) != 1 else ''} "
                          f"({seconds:.1f} s) match known footage: {'; '.join(names)}.")
    for f in critical:
        if phrase(f.code) not in red:
            red.append(phrase(f.code))
        points.append(f.message)
    warn = []
    for f in warnings:
        if phrase(f.code) not in warn:
            warn.append(phrase(f.code))
        points.append(f.message)
    if red:
        level: Level = "critical"
        headline = " · ".join(red)
        if warn:
            headline += f" (+{len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
    elif warn:
        level = "warning"
        headline = "no red flags; worth a look: " + ", ".join(warn)
    else:
        level = "ok"
        headline = "no red flags"
    if not report.reference_search.get("searched"):
        points.append(f"Not compared with known footage: {search_note(report).rstrip('. ')}.")
    elif not report.reused:
        points.append(f"Compared with known footage: {search_note(report).rstrip('. ')}.")
    return Verdict(level, headline, points)
