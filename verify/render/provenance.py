"""The "Provenance" part of the terminal summary and the HTML report, drawn only from the report.

:func:`provenance_rows` gives ``(label, text)`` rows in plain text (renderers escape them):
where a URL argument came from and when the platform says it was published; the Content
Credentials (manifest, signer, validation in words, actions, ingredients); generator marks.
A file without any of these gives no rows (most files), so the section is left out.
"""

from __future__ import annotations

from typing import Any

from ..provenance.c2pa import AI_SOURCE_TYPES, STATE_MEANINGS, state_meaning
from ..report import Report



def _signer(manifest: dict[str, Any]) -> str:
    signer = manifest.get("signer") or {}
    name, issuer = signer.get("common_name"), signer.get("issuer")
    if name and issuer and name != issuer:
        return f"{name}, issued by {issuer}"
    return name or issuer or "unnamed signer"


def _action(action: dict[str, Any]) -> str:
    text = str(action.get("action") or "?")
    dst = action.get("digital_source_type")
    if dst:
        text += f" ({dst}{': ' + AI_SOURCE_TYPES[dst] if dst in AI_SOURCE_TYPES else ''})"
    if action.get("software_agent"):
        text += f" by {action['software_agent']}"
    if action.get("when"):
        text += f" at {action['when']}"
    return text


def source_rows(report: Report) -> list[tuple[str, str]]:
    source = report.source
    if not source:
        return []
    via = source.get("extractor") or "?"
    rows = [("source", f"{source.get('webpage_url') or source.get('url')} (via {via}"
                       + (", from the cache" if source.get("cached") else "") + f", fetched {source.get('fetched_at')})")]
    who = [f"“{source['title']}”" if source.get("title") else None,
           f"by {source['uploader']}" if source.get("uploader") else None,
           f"on {source['channel']}" if source.get("channel") and source.get("channel") != source.get("uploader") else None,
           f"licence {source['license']}" if source.get("license") else None]
    if any(who):
        rows.append(("", " ".join(w for w in who if w)))
    if source.get("upload_time"):
        low = " — low trust" if source.get("upload_time_trust") == "low" else ""
        rows.append(("uploaded", f"{source['upload_time']} ({source.get('upload_time_source')}{low})"))
    else:
        rows.append(("uploaded", "the source gives no upload time"))
    return rows


def c2pa_rows(report: Report) -> list[tuple[str, str]]:
    c2pa = report.provenance.c2pa
    if not c2pa:
        return []
    if not c2pa.get("embedded") and c2pa.get("remote_url"):
        return [("credentials", f"Content Credentials at {c2pa['remote_url']}, not in the file: "
                                "not fetched (verify works offline)")]
    manifest = c2pa.get("active_manifest") or {}
    rows = []
    if manifest:
        title = f" for “{manifest['title']}”" if manifest.get("title") else ""
        rows.append(("credentials", f"C2PA manifest{title} written by {manifest.get('claim_generator') or '?'}, "
                                    f"signed by {_signer(manifest)}"
                                    + (f" at {manifest['signing_time']}" if manifest.get("signing_time") else "")))
    state = c2pa.get("state")
    words = (f"{state.upper()}: {state_meaning(c2pa)}" if state in STATE_MEANINGS
             else f"not validated ({c2pa.get('error') or 'unknown'})")
    codes = [c for c in c2pa.get("validation_status") or [] if c != "signingCredential.untrusted"]
    if codes:
        words += f" [{', '.join(codes[:5])}]"
    rows.append(("validation", words))
    for i, action in enumerate(manifest.get("actions") or []):
        rows.append(("actions" if i == 0 else "", _action(action)))
    for i, ing in enumerate(manifest.get("ingredients") or []):
        state = ing.get("validation_state") or "no manifest of its own"
        kinds = f", {', '.join(ing['digital_source_types'])}" if ing.get("digital_source_types") else ""
        rows.append(("ingredients" if i == 0 else "",
                     f"{ing.get('title') or '?'} ({ing.get('relationship') or '?'}, {state}{kinds})"))
    return rows


def marker_rows(report: Report) -> list[tuple[str, str]]:
    return [("AI marks" if i == 0 else "", f"{m['source']} = {m['value']} ({m['meaning']})")
            for i, m in enumerate(report.provenance.ai_markers)]


def provenance_rows(report: Report) -> list[tuple[str, str]]:
    return source_rows(report) + c2pa_rows(report) + marker_rows(report)


def provenance_html(report: Report) -> str:
    """The HTML report's "Provenance" section (empty when there is nothing to show); every value escaped."""
    import html

    from .safe import visible

    rows = provenance_rows(report)
    if not rows:
        return ""
    cells = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(visible(text), quote=True)}</td></tr>"
                    for label, text in rows)
    return f'<h2>Provenance</h2><table id="provenance">{cells}</table>'
