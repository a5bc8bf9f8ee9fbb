"""What the provenance of a file means: flags from Content Credentials, generator marks and the source page.

:func:`provenance_flags` reads ``report.provenance`` and ``report.source`` and appends flags:

* ``c2pa_ai_generated`` (critical): a C2PA action (in the active manifest or an ingredient's)
  has a digital source type of generative or algorithmic media, or the still's XMP
  ``DigitalSourceType``, a PNG generator chunk or a writer tag names a generator.
* ``c2pa_invalid`` (critical): the file carries Content Credentials that no longer validate:
  it was changed after signing, or the signature is broken.
* ``c2pa_present`` (info): the file carries Content Credentials (claim generator, signer and
  what the validation state means), or points to them at a URL that was not fetched.
* ``c2pa_time_conflict``: the manifest's time (the time stamp of the signature, else the
  time its first action records) is more than a day before the claimed date (critical), after
  it (warning), or more than a day from the container's creation time (warning).
* ``uploaded_before_claimed`` (critical): the platform says the clip was online more than a
  day before the claimed date.
* ``platform_reencode`` (info): the clip was fetched from a platform, which re-encodes uploads:
  its metadata is the platform's, not the camera's.

A file without a manifest gets no flag: most files have none.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from ..flags import describe_gap
from ..metadata import parse_timestamp
from ..report import Report
from .c2pa import AI_SOURCE_TYPES, state_meaning
from .source import GENERIC_EXTRACTORS


def _signer(c2pa: dict[str, Any]) -> str:
    signer = (c2pa.get("active_manifest") or {}).get("signer") or {}
    name, issuer = signer.get("common_name"), signer.get("issuer")
    if name and issuer and issuer != name:
        return f"{name} (issued by {issuer})"
    return name or issuer or "an unnamed signer"


def _ai_evidence(report: Report) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    c2pa = report.provenance.c2pa or {}
    manifest = c2pa.get("active_manifest") or {}
    for action in manifest.get("actions") or []:
        if action.get("digital_source_type") in AI_SOURCE_TYPES:
            found.append({"origin": "c2pa", "action": action.get("action"),
                          "digital_source_type": action["digital_source_type"],
                          "software_agent": action.get("software_agent"),
                          "claim_generator": manifest.get("claim_generator"),
                          "validation_state": c2pa.get("state")})
    for ing in manifest.get("ingredients") or []:
        for dst in ing.get("digital_source_types") or []:
            if dst in AI_SOURCE_TYPES:
                found.append({"origin": "c2pa ingredient", "ingredient": ing.get("title"),
                              "relationship": ing.get("relationship"), "digital_source_type": dst,
                              "validation_state": ing.get("validation_state")})
    for marker in report.provenance.ai_markers:
        found.append({"origin": marker["source"], "value": marker["value"], "generator": marker.get("generator")})
    return found


def _describe(item: dict[str, Any]) -> str:
    if item["origin"] == "c2pa":
        agent = f" by {item['software_agent']}" if item.get("software_agent") else ""
        return (f"its Content Credentials record {item['action']} with digital source type "
                f"{item['digital_source_type']} ({AI_SOURCE_TYPES[item['digital_source_type']]}){agent}")
    if item["origin"] == "c2pa ingredient":
        return (f"an ingredient of its Content Credentials ({item.get('ingredient') or 'untitled'}) is "
                f"{item['digital_source_type']} ({AI_SOURCE_TYPES[item['digital_source_type']]})")
    what = f" ({item['generator']})" if item.get("generator") else ""
    return f"{item['origin']} = {item['value']!r}{what}"


def _ai_flag(report: Report) -> None:
    evidence = _ai_evidence(report)
    if not evidence:
        return
    signed = any(e["origin"] == "c2pa" for e in evidence)
    state = (report.provenance.c2pa or {}).get("state")
    if signed and state in ("valid", "trusted"):
        caveat = ("The manifest validates, so the signer stated this"
                  + (" and the signer is trusted." if state == "trusted" else
                     " (the signer's identity was not checked against a trust list)."))
    elif signed:
        caveat = "The manifest does not validate, but a generator's own label is still a strong hint."
    else:
        caveat = ("These marks are written by generators and can be added or removed by anyone; "
                  "they are a strong hint, not a signature.")
    shown = "; ".join(_describe(e) for e in evidence[:3]) + (f"; and {len(evidence) - 3} more" if len(evidence) > 3 else "")
    report.add_flag("c2pa_ai_generated", "critical",
                    f"The file says a generator made or composited the picture: {shown}. {caveat}",
                    markers=evidence)


def _present_flags(report: Report) -> None:
    c2pa = report.provenance.c2pa
    if not c2pa or not c2pa.get("present"):
        return
    manifest = c2pa.get("active_manifest") or {}
    state = c2pa.get("state")
    codes = c2pa.get("validation_status") or []
    if not c2pa.get("embedded") and c2pa.get("remote_url"):
        report.add_flag("c2pa_present", "info",
                        f"The file points to Content Credentials at {c2pa['remote_url']} instead of carrying "
                        "them; verify works offline and did not fetch them: open that address yourself to "
                        "read and validate them.", remote_url=c2pa["remote_url"])
        return
    generator = manifest.get("claim_generator") or "an unnamed program"
    if state == "invalid":
        failures = [c for c in codes if c != "signingCredential.untrusted"] or codes
        why = f" ({', '.join(failures[:4])})" if failures else (f" ({c2pa['error']})" if c2pa.get("error") else "")
        written = f" (written by {generator}, signed by {_signer(c2pa)})" if manifest else ""
        report.add_flag("c2pa_invalid", "critical",
                        f"The file's Content Credentials{written} no longer match it{why}: it was changed after "
                        "signing, or the signature is broken. What the manifest says about the file's origin "
                        "does not describe these bytes.", validation_status=codes, error=c2pa.get("error"),
                        claim_generator=manifest.get("claim_generator"), signer=manifest.get("signer"))
        return
    meaning = state_meaning(c2pa)
    report.add_flag("c2pa_present", "info",
                    f"The file carries Content Credentials (C2PA) written by {generator}, signed by "
                    f"{_signer(c2pa)}: {state or 'unknown'}, {meaning}.",
                    claim_generator=manifest.get("claim_generator"), signer=manifest.get("signer"),
                    state=state, validation_status=codes, signing_time=manifest.get("signing_time"))


def manifest_time(c2pa: dict[str, Any] | None) -> tuple[datetime, str] | None:
    """The manifest's time and where it comes from: the signature's time stamp, else its first dated action."""
    manifest = (c2pa or {}).get("active_manifest") or {}
    if manifest.get("signing_time"):
        dt = parse_timestamp(str(manifest["signing_time"]))
        if dt is not None:
            return dt, "signature time stamp"
    for action in manifest.get("actions") or []:
        dt = parse_timestamp(str(action.get("when") or ""))
        if dt is not None:
            return dt, f"the time the manifest records for {action.get('action')}"
    return None


def _day(dt: datetime) -> date:
    return dt.astimezone(timezone.utc).date() if dt.tzinfo else dt.date()


def _time_flags(report: Report, claimed_date: date | None) -> None:
    found = manifest_time(report.provenance.c2pa)
    if found is None:
        return
    when, origin = found
    day = _day(when)
    evidence = {"manifest_time": when.isoformat(), "origin": origin}
    if claimed_date is not None and abs((day - claimed_date).days) > 1:
        if day < claimed_date:
            report.add_flag("c2pa_time_conflict", "critical",
                            f"The Content Credentials date the file {day} ({origin}), "
                            f"{describe_gap(day, claimed_date)} BEFORE the claimed {claimed_date}: the file "
                            "existed before the date it is claimed to show.",
                            against="claimed_date", claimed_date=claimed_date.isoformat(), **evidence)
        else:
            report.add_flag("c2pa_time_conflict", "warning",
                            f"The Content Credentials date the file {day} ({origin}), "
                            f"{describe_gap(claimed_date, day)} AFTER the claimed {claimed_date}: it was made "
                            "or edited after that date (a camera signs at capture).",
                            against="claimed_date", claimed_date=claimed_date.isoformat(), **evidence)
    created = parse_timestamp(report.metadata.creation_time) if report.metadata.creation_time else None
    if created is not None and abs((_day(created) - day).days) > 1:
        first, last = sorted((_day(created), day))
        report.add_flag("c2pa_time_conflict", "warning",
                        f"The Content Credentials date the file {day} ({origin}) but its metadata says "
                        f"{_day(created)} ({report.metadata.creation_time_source}), {describe_gap(first, last)} apart: "
                        "one of the two clocks or the metadata was changed.",
                        against="creation_time", creation_time=report.metadata.creation_time, **evidence)


def _source_flags(report: Report, claimed_date: date | None) -> None:
    source = report.source
    if not source:
        return
    upload = parse_timestamp(str(source.get("upload_time") or "")) if source.get("upload_time") else None
    if claimed_date is not None and upload is not None and (claimed_date - _day(upload)).days > 1:
        if source.get("upload_time_trust") == "low":
            said = (f"The web server at {source.get('url')} says it last wrote this file on {_day(upload)} "
                    "(its Last-Modified date: low trust, servers reset it when files are copied)")
        else:
            said = (f"{source.get('extractor') or 'The platform'} says this clip was published on {_day(upload)} "
                    f"({source.get('upload_time_source') or 'upload time'})")
        report.add_flag("uploaded_before_claimed", "critical",
                        f"{said}, "
                        f"{describe_gap(_day(upload), claimed_date)} BEFORE the claimed {claimed_date}: the footage "
                        "is older than claimed.", upload_time=source.get("upload_time"),
                        claimed_date=claimed_date.isoformat(), url=source.get("webpage_url") or source.get("url"),
                        extractor=source.get("extractor"))
    if source.get("extractor") and source.get("extractor") not in GENERIC_EXTRACTORS:
        report.add_flag("platform_reencode", "info",
                        f"This copy was downloaded from {source['extractor']}, which re-encodes uploads: its "
                        "metadata (dates, device, encoder) is the platform's, not the camera's; ask the uploader "
                        "for the original file.", extractor=source.get("extractor"),
                        url=source.get("webpage_url") or source.get("url"))


def provenance_flags(report: Report, claimed_date: date | None = None) -> None:
    """Append the provenance flags for *report* (see the module docstring for the codes)."""
    _present_flags(report)
    _ai_flag(report)
    _time_flags(report, claimed_date)
    _source_flags(report, claimed_date)
