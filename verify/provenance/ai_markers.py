"""Marks a generator leaves in a still (or in a container's tags) outside Content Credentials.

:func:`ai_markers` returns a list of ``{source, value, generator, meaning}``:

* XMP ``Iptc4xmpExt:DigitalSourceType`` (in a still, or in the first or last 4 MB of a video)
  naming generative or algorithmic media
  (``trainedAlgorithmicMedia``, ``compositeWithTrainedAlgorithmicMedia``, ``algorithmicMedia``);
  generators such as Adobe Firefly, OpenAI's and Google's image tools write it;
* PNG text chunks that Stable Diffusion front ends write: ``parameters`` (AUTOMATIC1111,
  Forge, SD.Next: prompt and "Steps: …, Sampler: …"), ``prompt`` and ``workflow`` (ComfyUI's
  JSON graph), ``invokeai_metadata``/``sd-metadata``/``Dream`` (InvokeAI), NovelAI's
  ``Software``/``Source``;
* writer tags (EXIF ``Software``, XMP ``CreatorTool``, container ``encoder``/``comment``)
  naming a known generator (:data:`GENERATORS`).

Which chunk or name means which generator is data: extend :data:`PNG_CHUNKS` and
:data:`GENERATORS`.  Each marker is evidence that a tool *says* it generated the file; its
absence proves nothing (these marks are stripped by every re-save).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .c2pa import AI_SOURCE_TYPES, source_type_name

# PNG text chunk key (lower case) -> the tool that writes it and a test its value must pass.
PNG_CHUNKS: dict[str, tuple[str, re.Pattern[str]]] = {
    "parameters": ("a Stable Diffusion web UI (AUTOMATIC1111, Forge, SD.Next)",
                   re.compile(r"\bSteps:\s*\d+|\bSampler:|\bCFG scale:|\bSeed:\s*\d+", re.IGNORECASE)),
    "prompt": ("ComfyUI", re.compile(r'"class_type"|"inputs"')),
    "workflow": ("ComfyUI", re.compile(r'"nodes"|"links"')),
    "invokeai_metadata": ("InvokeAI", re.compile(r".")),
    "sd-metadata": ("InvokeAI", re.compile(r".")),
    "dream": ("InvokeAI", re.compile(r".")),
    "generation_data": ("a Stable Diffusion tool", re.compile(r".")),
}

# Generator names as they appear in writer tags (searched, ignoring case).
GENERATORS: tuple[tuple[str, str], ...] = (
    ("Stable Diffusion", r"stable[ -]?diffusion|\bsdxl\b"),
    ("ComfyUI", r"comfyui"),
    ("AUTOMATIC1111", r"automatic1111"),
    ("InvokeAI", r"invokeai"),
    ("Midjourney", r"midjourney"),
    ("DALL-E", r"dall[-·]?e"),
    ("Adobe Firefly", r"firefly"),
    ("NovelAI", r"novelai"),
    ("Google Imagen", r"\bimagen\b"),
    ("OpenAI Sora", r"\bsora\b"),
    ("Runway", r"runwayml|\brunway gen"),
    ("Leonardo.Ai", r"leonardo\.ai"),
    ("Ideogram", r"ideogram"),
    ("Flux", r"\bflux\.1\b|black forest labs"),
)
_WRITER_KEY = re.compile(r"software|creatortool|encoder|comment|description|imagedescription|source|artist"
                         r"|encoded_by|encoding_tool|title", re.IGNORECASE)
_DST = re.compile(r'DigitalSourceType(?:\s*=\s*"|>\s*|\s+rdf:resource\s*=\s*")\s*([^"<\s]+)')
_CREATOR_TOOL = re.compile(r'CreatorTool(?:\s*=\s*"|>\s*)([^"<]+)')
_MAX_VALUE = 200
_MAX_XMP_SCAN = 8 << 20  # XMP packets sit near the start of stills (videos: start or end); never read more


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def generator_named(text: str) -> str | None:
    for name, pattern in GENERATORS:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return None


def _xmp_texts(path: Path, info: dict[str, Any]) -> list[str]:
    """XMP packets: Pillow's (JPEG APP1, PNG iTXt, WebP) and, failing that, one found in the raw bytes."""
    texts = []
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = info.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value and value not in texts:
            texts.append(value)
    if not texts:
        with open(path, "rb") as fh:
            texts = _packets(fh.read(_MAX_XMP_SCAN))
    return texts


def _packets(data: bytes) -> list[str]:
    """Every ``<x:xmpmeta>…</x:xmpmeta>`` packet in *data* (at most 64 KB each)."""
    found, start = [], data.find(b"<x:xmpmeta")
    while start >= 0 and len(found) < 16:
        end = data.find(b"</x:xmpmeta>", start)
        stop = end + 12 if 0 < end < start + 65536 else start + 65536
        found.append(data[start:stop].decode("utf-8", "replace"))
        start = data.find(b"<x:xmpmeta", stop)
    return found


def _xmp_markers(xmp: str) -> list[dict[str, Any]]:
    markers = []
    for raw in _DST.findall(xmp):
        name = source_type_name(raw)
        if name in AI_SOURCE_TYPES:
            markers.append({"source": "xmp:Iptc4xmpExt:DigitalSourceType", "value": _short(raw),
                            "generator": None, "meaning": AI_SOURCE_TYPES[name]})
    for tool in _CREATOR_TOOL.findall(xmp):
        gen = generator_named(tool)
        if gen:
            markers.append({"source": "xmp:xmp:CreatorTool", "value": _short(tool), "generator": gen,
                            "meaning": f"the creating tool is a generator ({gen})"})
    return markers


def video_markers(path: str | Path) -> list[dict[str, Any]]:
    """Generator marks in the XMP of a video (an MP4/MOV ``uuid`` or ``XMP_`` box, a Matroska tag...):
    the first and the last 4 MB are searched, where containers keep their metadata."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(_MAX_XMP_SCAN // 2)
            tail = b""
            if size > len(head):
                fh.seek(max(len(head), size - _MAX_XMP_SCAN // 2))
                tail = fh.read()
    except OSError:
        return []
    return [m for xmp in _packets(head) + _packets(tail) for m in _xmp_markers(xmp)]


def still_markers(path: str | Path) -> list[dict[str, Any]]:
    """Generator marks in a still's XMP and PNG text chunks (never raises on a damaged file)."""
    from PIL import Image

    p = Path(path)
    markers: list[dict[str, Any]] = []
    try:
        with Image.open(p) as im:
            info = dict(im.info)
            text_chunks = dict(getattr(im, "text", {}) or {}) if im.format == "PNG" else {}
    except Exception:  # noqa: BLE001 - the still reader reports unreadable files; here nothing is found
        return markers
    for xmp in _xmp_texts(p, info):
        markers.extend(_xmp_markers(xmp))
    for key, value in text_chunks.items():
        if not isinstance(value, str):
            continue
        rule = PNG_CHUNKS.get(key.lower())
        if rule and rule[1].search(value):
            markers.append({"source": f"png:{key}", "value": _short(value), "generator": rule[0],
                            "meaning": f"generation settings written by {rule[0]}"})
        elif _WRITER_KEY.fullmatch(key):
            gen = generator_named(value)
            if gen:
                markers.append({"source": f"png:{key}", "value": _short(value), "generator": gen,
                                "meaning": f"the text chunk names a generator ({gen})"})
    return markers


def tag_markers(tags: dict[str, Any]) -> list[dict[str, Any]]:
    """Writer tags (``exif:Software``, ``format:encoder``, ``format:comment``…) naming a known generator."""
    markers = []
    for scoped, value in tags.items():
        key = str(scoped).split(":", 1)[-1]
        if _WRITER_KEY.fullmatch(key):
            gen = generator_named(str(value))
            if gen:
                markers.append({"source": str(scoped), "value": _short(str(value)), "generator": gen,
                                "meaning": f"the tag names a generator ({gen})"})
    return markers


def ai_markers(path: str | Path, kind: str, tags: dict[str, Any]) -> list[dict[str, Any]]:
    """Every generator mark of the file: XMP (and PNG chunks for stills), writer tags."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for marker in (still_markers(path) if kind == "image" else video_markers(path)) + tag_markers(tags):
        if (marker["source"], marker["value"]) not in seen:
            seen.add((marker["source"], marker["value"]))
            out.append(marker)
    return out
