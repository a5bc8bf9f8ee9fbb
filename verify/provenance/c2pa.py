"""Content Credentials (C2PA): read and validate the manifest embedded in a video or still.

:func:`read_c2pa` returns the ``provenance.c2pa`` part of the report, or None when the file
carries no manifest (most files do not).  It uses the Content Authenticity Initiative's
``c2pa-python`` (the Rust SDK inside a wheel) strictly offline: remote manifests are never
fetched (a manifest that only lives at a URL is reported with that URL), certificate
revocation (OCSP) is never asked, and no network host is allowed at all.

Validation states, as a fact-checker should read them:

* ``invalid``: the manifest no longer matches the file (a byte of the picture or sound
  changed after signing, or the signature or its certificate is broken).
* ``valid``: the file is exactly as it was signed, but the signer's certificate does not chain
  to a trusted root: anyone can make a certificate with any name.
* ``trusted``: valid, and the signer's certificate chains to a trusted root: one the user gave
  (``--c2pa-trust PEM``) or one the SDK trusts itself; ``trust_list`` says which list matched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/) that say a
# generator made the picture or a part of it.
AI_SOURCE_TYPES: dict[str, str] = {
    "trainedAlgorithmicMedia": "made by a trained generative model (generative AI)",
    "compositeWithTrainedAlgorithmicMedia": "composited with parts made by a generative model",
    "algorithmicMedia": "made by an algorithm without a camera (computer-generated)",
}

STATE_MEANINGS = {
    "invalid": "changed after signing, or the signature is broken: the manifest no longer matches the file",
    "valid": "intact, signer not verified: the file is as it was signed, but the signer's certificate "
             "does not chain to a trusted root, so the signer's name is only a claim",
    "trusted": "intact and signed by a certificate that chains to a trusted root (one you gave with "
               "--c2pa-trust, or one the C2PA SDK trusts itself)",
}

_MAX_FIELD = 300  # characters kept of any text taken from a manifest


def source_type_name(value: Any) -> str | None:
    """``http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia`` -> ``trainedAlgorithmicMedia``."""
    if not value:
        return None
    text = str(value).strip().rstrip("/")
    return text.rsplit("/", 1)[-1][:_MAX_FIELD] or None


def is_ai_source_type(value: Any) -> bool:
    return source_type_name(value) in AI_SOURCE_TYPES


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:_MAX_FIELD]


def _agent(value: Any) -> str | None:
    """A software agent is a string (claim v1) or ``{name, version}`` (claim v2)."""
    if isinstance(value, dict):
        return _text(" ".join(str(value[k]) for k in ("name", "version") if value.get(k)))
    return _text(value)


def _generator(manifest: dict) -> str | None:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos:
        parts = []
        for info in infos:
            if isinstance(info, dict) and info.get("name"):
                parts.append(" ".join(str(info[k]) for k in ("name", "version") if info.get(k)))
        if parts:
            return _text("; ".join(parts))
    return _text(manifest.get("claim_generator"))


def _actions(manifest: dict) -> list[dict[str, Any]]:
    out = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            if not isinstance(action, dict):
                continue
            out.append({"action": _text(action.get("action")),
                        "digital_source_type": source_type_name(action.get("digitalSourceType")),
                        "software_agent": _agent(action.get("softwareAgent")),
                        "when": _text(action.get("when"))})
    return out


def _state_of_results(results: Any) -> str | None:
    """The state of an ingredient's own manifest from its validation results."""
    active = (results or {}).get("activeManifest") if isinstance(results, dict) else None
    if not isinstance(active, dict):
        return None
    failures = {f.get("code") for f in active.get("failure") or [] if isinstance(f, dict)}
    successes = {s.get("code") for s in active.get("success") or [] if isinstance(s, dict)}
    if failures - {"signingCredential.untrusted"}:
        return "invalid"
    return "trusted" if "signingCredential.trusted" in successes else "valid"


def _ingredients(manifest: dict, manifests: dict) -> list[dict[str, Any]]:
    out = []
    for ing in manifest.get("ingredients") or []:
        if not isinstance(ing, dict):
            continue
        state = _text(ing.get("validation_state"))
        state = state.lower() if state else _state_of_results(ing.get("validation_results"))
        own = manifests.get(ing.get("active_manifest")) if ing.get("active_manifest") else None
        types = sorted({a["digital_source_type"] for a in _actions(own)} - {None}) if isinstance(own, dict) else []
        out.append({"title": _text(ing.get("title")), "relationship": _text(ing.get("relationship")),
                    "validation_state": state if ing.get("active_manifest") else None,
                    "has_manifest": bool(ing.get("active_manifest")),
                    "digital_source_types": types})
    return out


def summarise_store(store: dict[str, Any]) -> dict[str, Any]:
    """The report's ``provenance.c2pa`` from the manifest store JSON the reader gives."""
    manifests = store.get("manifests") or {}
    manifest = manifests.get(store.get("active_manifest")) or {}
    signature = manifest.get("signature_info") or {}
    state = str(store.get("validation_state") or "").lower() or None
    codes = [str(s.get("code")) for s in store.get("validation_status") or [] if isinstance(s, dict) and s.get("code")]
    results = store.get("validation_results") if isinstance(store.get("validation_results"), dict) else {}
    return {
        "present": True,
        "embedded": True,
        "remote_url": None,
        "state": state if state in STATE_MEANINGS else None,
        "trust_list": _text(results.get("trustListUri")) if state == "trusted" else None,
        "active_manifest": {
            "label": _text(store.get("active_manifest")),
            "claim_generator": _generator(manifest),
            "title": _text(manifest.get("title")),
            "format": _text(manifest.get("format")),
            "signer": {"issuer": _text(signature.get("issuer")),
                       "common_name": _text(signature.get("common_name")),
                       "algorithm": _text(signature.get("alg"))},
            "signing_time": _text(signature.get("time")),
            "actions": _actions(manifest),
            "ingredients": _ingredients(manifest, manifests),
        },
        "validation_status": codes,
        "error": None,
    }


def _context(trust_pem: str | None):
    """A c2pa Context that never touches the network; *trust_pem* adds user trust anchors."""
    import c2pa

    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_after_reading": True,
                   "verify_trust": True},
        "core": {"allowed_network_hosts": []},
    }
    if trust_pem:
        settings["trust"] = {"user_anchors": trust_pem}
    return c2pa.Context.from_dict(settings)


_REMOTE_URL = re.compile(r"remote manifests? from url (\S+)", re.IGNORECASE)
_XMP_PROVENANCE = re.compile(rb'dcterms:provenance(?:="|>)\s*([^"<\s]+)')


def _remote_url(path: Path, message: str) -> str | None:
    m = _REMOTE_URL.search(message)
    if m:
        return m.group(1)[:_MAX_FIELD]
    with open(path, "rb") as fh:
        m = _XMP_PROVENANCE.search(fh.read(4 << 20))
    return m.group(1).decode("utf-8", "replace")[:_MAX_FIELD] if m else None


def _empty(error: str | None = None, remote_url: str | None = None) -> dict[str, Any]:
    return {"present": True, "embedded": remote_url is None, "remote_url": remote_url, "state": None,
            "trust_list": None,
            "active_manifest": None, "validation_status": [], "error": error}


def read_c2pa(path: str | Path, trust_pem: str | None = None) -> dict[str, Any] | None:
    """The file's Content Credentials, or None when it has none (or its format cannot carry them).

    Never raises for a damaged manifest: ``error`` says what went wrong and ``state`` is
    ``invalid`` when a manifest was found but could not be validated.  A manifest that is
    only referenced by URL is reported with ``embedded: False`` and ``remote_url``, unfetched.
    """
    import c2pa

    p = Path(path)
    try:
        reader = c2pa.Reader.try_create(str(p), context=_context(trust_pem))
    except c2pa.C2paError.NotSupported:
        return None
    except c2pa.C2paError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "remote" in message.lower():
            return _empty("the manifest is not in the file but at a URL; it was not fetched (offline)",
                          _remote_url(p, message))
        if "not supported" in message.lower() or "format" in message.lower() and "unsupported" in message.lower():
            return None
        result = _empty(message[:_MAX_FIELD])
        result["state"] = "invalid"
        return result
    if reader is None:
        return None
    with reader:
        store = json.loads(reader.json())
    return summarise_store(store)


def c2pa_version() -> str | None:
    try:
        import c2pa

        return f"{c2pa.__version__} (c2pa-rs {c2pa.sdk_version()})"
    except Exception:  # noqa: BLE001 - a version string is never worth failing a report
        return None


def load_trust_anchors(path: str | Path) -> str:
    """The PEM text of ``--c2pa-trust``: one or more X.509 certificates, checked before any file is read.

    Raises :class:`~verify.errors.InputError` (one line) when the file cannot be read or holds no
    certificate: a broken anchor list must not make every manifest look invalid.
    """
    from cryptography import x509

    from ..errors import InputError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(p), f"cannot read the trust anchors ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        certs = x509.load_pem_x509_certificates(text.encode("utf-8"))
    except ValueError:
        certs = []
    if not certs:
        raise InputError(str(p), "no PEM certificate in it (--c2pa-trust wants one or more "
                                 "'-----BEGIN CERTIFICATE-----' blocks)")
    return text


def state_meaning(c2pa: dict[str, Any]) -> str:
    """What the validation state of ``provenance.c2pa`` means, in words, for this file."""
    state = c2pa.get("state")
    if state == "trusted":
        if c2pa.get("trust_list") == "user_anchors":
            return ("intact and signed by a certificate that chains to a trust anchor you gave (--c2pa-trust)")
        listed = f" (trust list: {c2pa['trust_list']})" if c2pa.get("trust_list") else ""
        return f"intact and signed by a certificate that chains to a root the C2PA SDK trusts itself{listed}"
    if state == "valid" and c2pa.get("trust_anchors"):
        return ("intact, but the signer's certificate does not chain to any of the trust anchors you gave "
                "(--c2pa-trust), so the signer's name is only a claim")
    return STATE_MEANINGS.get(state or "", "could not be validated")
