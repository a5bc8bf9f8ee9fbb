"""Provenance: Content Credentials (``c2pa.py``), generator marks (``ai_markers.py``), clips
fetched from a link (``source.py``) and what they mean (``flags.py``).

:func:`read_provenance` fills ``report.provenance`` for a file already analysed (the pipeline
calls it before the metadata flags, which take a manifest for metadata) and
:func:`provenance_flags` adds the provenance flags after them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..report import Report


def read_provenance(path: Path, report: Report, trust_pem: str | None = None) -> None:
    """Fill ``report.provenance``: the file's Content Credentials and its generator marks."""
    from .ai_markers import ai_markers
    from .c2pa import read_c2pa

    try:
        report.provenance.c2pa = read_c2pa(path, trust_pem)
    except Exception as exc:  # noqa: BLE001 - an SDK failure must not cost the rest of the report
        report.provenance.c2pa = None
        report.analysis["c2pa_error"] = f"Content Credentials could not be read ({type(exc).__name__}: {str(exc)[:160]})"
    if report.provenance.c2pa is not None:
        report.provenance.c2pa["trust_anchors"] = bool(trust_pem)
    report.provenance.ai_markers = ai_markers(path, report.media.kind, report.metadata.tags)


def provenance_flags(report: Report, claimed_date: date | None = None) -> None:
    """The provenance flags (see :mod:`verify.provenance.flags`)."""
    from .flags import provenance_flags as flags

    flags(report, claimed_date)

