"""Provenance: Content Credentials (``c2pa.py``), generator marks (``ai_markers.py``), clips
fetched from a link (``source.py``) and what they mean (``flags.py``).

:func:`check_provenance` fills ``report.provenance`` for a file already analysed and adds the
provenance flags; the pipeline calls it after the metadata flags.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..report import Report


def check_provenance(path: Path, report: Report, trust_pem: str | None = None,
                     claimed_date: date | None = None) -> None:
    from .ai_markers import ai_markers
    from .c2pa import read_c2pa
    from .flags import provenance_flags

    report.provenance.c2pa = read_c2pa(path, trust_pem)
    if report.provenance.c2pa is not None:
        report.provenance.c2pa["trust_anchors"] = bool(trust_pem)
    report.provenance.ai_markers = ai_markers(path, report.media.kind, report.metadata.tags)
    provenance_flags(report, claimed_date)
