"""``--fail-on``: which flags make ``verify`` (and ``verify scan``) exit 1.

The option takes flag codes and severities, comma-separated: ``--fail-on critical``,
``--fail-on reused_footage,reencoded``, ``--fail-on warning,gps_present``.  A severity means that
severity *or worse* (``warning`` fires on warnings and criticals).  Reused spans in a report count as
the critical code ``reused_footage`` even if no flag of that code was written.  A word that is
neither a known code nor a severity is refused (a typo must not switch a CI gate off).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .report import FLAG_CODES, SEVERITY_ORDER, Report

REUSED_CODE = "reused_footage"


class FailOnError(ValueError):
    """An unknown word in ``--fail-on``; the message names it, a close match and the known words."""


def known_words() -> list[str]:
    return [*sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get), *sorted(FLAG_CODES)]


def parse_fail_on(text: str | None) -> frozenset[str]:
    """``"Critical, reencoded"`` -> ``{"critical", "reencoded"}``; :class:`FailOnError` on an unknown word."""
    words = [t.strip().lower() for t in (text or "").split(",") if t.strip()]
    if text is not None and not words:
        raise FailOnError("--fail-on needs at least one flag code or severity")
    known = known_words()
    for word in words:
        if word not in known:
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise FailOnError(f"unknown flag code or severity {word!r}{hint}; "
                              f"known: severities {', '.join(known[:3])}; codes {', '.join(known[3:])}")
    return frozenset(words)


def fired(pairs: Iterable[tuple[str, str]], reused: bool, wanted: frozenset[str]) -> list[str]:
    """Codes among (code, severity) *pairs* that match *wanted*, in order, without repeats.

    *reused*: the report has reused spans (they count as ``reused_footage``, critical).
    """
    pairs = list(pairs)
    if reused and REUSED_CODE not in {c for c, _ in pairs}:
        pairs.append((REUSED_CODE, "critical"))
    floor = min((SEVERITY_ORDER[w] for w in wanted if w in SEVERITY_ORDER), default=None)
    out: list[str] = []
    for code, severity in pairs:
        hit = code.lower() in wanted or (floor is not None and SEVERITY_ORDER.get(severity, -1) >= floor)
        if hit and code not in out:
            out.append(code)
    return out


def fired_codes(report: Report, wanted: frozenset[str]) -> list[str]:
    """The codes of *report*'s flags (and reused spans) that *wanted* fires on."""
    return fired([(f.code, f.severity) for f in report.flags], bool(report.reused), wanted)
