"""One self-contained HTML page per report (``--html PATH``), for people to read and share.

The page needs nothing but itself: CSS is inline, pictures are ``data:`` URIs, there is no script at
all, and a Content-Security-Policy forbids the page from loading or running anything else, so a
hostile tag that slipped through escaping still could not run or call home.  Every string that came
from the file (tags, titles, names, paths) goes through :func:`esc`, which HTML-escapes it (quotes
too, so it is safe in attributes) and shows invisible and direction-changing characters as visible
``⟨U+202E⟩`` marks, so a file name cannot be made to read as something else.

The page carries the SHA-256 of its JSON twin: the exact text ``verify --json`` writes for this one
report (:func:`verify.render.json_out.dumps`), which is also embedded at the end of the page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_text
from ..report import Report, Shot
from .json_out import dumps
from .provenance import provenance_html
from .safe import visible
from .verdict import clock, reference_name, search_note, verdict, window_text


def esc(value: Any) -> str:
    """Text from the file, safe in HTML text and in quoted attributes, hidden characters made visible."""
    return html.escape(visible(value), quote=True)


def html_owners(folder: Path, stem: str) -> set[str]:
    """The source SHA-256 of the page ``<stem>.html`` in *folder* ("?" when it is not a verify page)."""
    page = folder / f"{stem}.html"
    if not page.exists():
        return set()
    try:
        head = page.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return {"?"}
    m = re.search(r'<meta name="verify-source-sha256" content="([0-9a-f]{64})">', head)
    return {m.group(1) if m else "?"}


def json_sha256(report: Report) -> tuple[str, str]:
    """The JSON twin's text (as ``verify --json`` writes it for this report) and its SHA-256."""
    text = dumps(report.to_dict())
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _jpeg_uri(data: bytes | None) -> str | None:
    if not data or not data.startswith(b"\xff\xd8"):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _img(data: bytes | None, alt: str, cls: str = "") -> str:
    uri = _jpeg_uri(data)
    if uri is None:
        return f'<div class="noimg {cls}">{esc(alt)}<br>(no picture)</div>'
    return f'<img class="{cls}" alt="{esc(alt)}" src="{uri}">'


def _num(value: float | None, fmt: str = "g", unit: str = "") -> str:
    return "—" if value is None else f"{value:{fmt}}{unit}"


# --- what each value means -----------------------------------------------------------------------

MEDIA_FIELDS: list[tuple[str, str, str]] = [  # (key, label, meaning)
    ("container", "container", "The file format family FFmpeg recognised."),
    ("duration_s", "declared length", "The length the container declares."),
    ("decoded_duration_s", "decoded length", "How far the video really decodes; shorter than the declared "
                                             "length means a damaged or truncated file."),
    ("size", "picture size", "As displayed (rotation and pixel aspect applied)."),
    ("coded_size", "stored size", "As stored in the stream, before rotation."),
    ("fps", "frame rate", "Average frames per second."),
    ("frame_count", "frames", "Frames decoded and looked at: every frame of the video stream."),
    ("video_codec", "video codec", "How the picture is compressed."),
    ("pixel_format", "pixel format", "How colour is stored."),
    ("bit_rate", "bit rate", "Average bits per second; platform re-encodes usually lower it."),
    ("audio", "audio", "Audio codec, channels and sample rate; none is typical of screen captures, "
                       "GIFs and some platform copies."),
    ("rotation", "rotation", "Degrees the stored picture is turned for display. Phones record sideways and "
                             "set this; a re-encode usually bakes the turn into the pixels and drops it."),
]

METADATA_FIELDS: list[tuple[str, str, str]] = [
    ("creation_time", "created (UTC)", "When recording started according to the file, converted to UTC. "
                                       "Set by the device clock, kept or reset by apps and platforms, and easy "
                                       "to edit: evidence, not proof."),
    ("creation_time_local", "created (as recorded)", "The same moment with the UTC offset the device wrote: "
                                                     "its local time zone."),
    ("creation_time_source", "date taken from", "The tag the creation time was read from."),
    ("location", "location", "GPS position the device wrote (latitude, longitude, altitude). Check it "
                             "against the claimed place, and mind the uploader's privacy."),
    ("make", "make", "Manufacturer of the device the tags name."),
    ("model", "model", "Device model the tags name."),
    ("software", "software", "Firmware or app version that wrote the file; an editor here means an edit."),
    ("encoder", "encoder", "The program that wrote the file (Lavf… is FFmpeg, used by most converters "
                           "and platforms)."),
    ("handlers", "handler names", "Names of the stream handlers; cameras, FFmpeg and platforms each write "
                                  "their own."),
]

# Raw tag names (without the format:/streamN:/exif: scope, lower case) and what they say.
TAG_MEANINGS: list[tuple[str, str]] = [
    (r"major_brand", "File-type brand: isom/mp42 = generic MP4, qt = QuickTime (Apple), 3gp* = phone recorder."),
    (r"minor_version", "Version of the file-type brand."),
    (r"compatible_brands", "Other file types the writer declares compatibility with."),
    (r"(.*\.)?creation_?(time|date)", "A creation time written by the device or by whatever re-wrote the file."),
    (r"datetime(original|digitized)?|offsettime.*|subsectime.*", "A date/time stamp from the camera's EXIF."),
    (r"encoder|encoded_by|encoding_tool|writing_app(lication)?",
     "The program that wrote the file or stream."),
    (r"handler_name", "Stream handler name; telltale of the program or device that wrote the track."),
    (r"language", "Declared language of the track (und = undetermined)."),
    (r"vendor_id", "Four-letter code of the writer's vendor ([0][0][0][0] = none)."),
    (r".*location.*|©xyz|gps.*", "A GPS position or part of one."),
    (r"(com\.apple\.quicktime\.|com\.android\.)?(make|manufacturer)", "Device manufacturer."),
    (r"(com\.apple\.quicktime\.|com\.android\.)?model", "Device model."),
    (r"(com\.apple\.quicktime\.)?software|processingsoftware", "Software or firmware that wrote the file."),
    (r"com\.android\.version", "Android version of the recording phone."),
    (r"title|comment|description|synopsis|artist|author|copyright",
     "Free text someone typed or an app wrote."),
    (r"orientation", "How the picture must be turned for display."),
    (r"(x|y)resolution|resolutionunit", "Print resolution; says nothing about the camera."),
    (r"duration|bps|number_of_.*|_statistics.*", "Statistics a muxer (often MKVToolNix) wrote."),
]
_TAG_MEANINGS = [(re.compile(p), m) for p, m in TAG_MEANINGS]


def tag_meaning(scoped_key: str) -> str:
    bare = scoped_key.split(":", 1)[-1].lower()
    for pattern, meaning in _TAG_MEANINGS:
        if pattern.fullmatch(bare):
            return meaning
    return ""


# --- the page ------------------------------------------------------------------------------------

CSS = """
:root{--red:#b3261e;--amber:#a15c00;--green:#1e6b34;--ink:#1b1b1f;--dim:#5f6368;--line:#dadce0;--bg:#f8f9fa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);
margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:20px;margin:0 0 4px;word-break:break-all}h2{font-size:17px;margin:28px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:14px 0 6px}
.verdict{border-radius:10px;padding:14px 18px;margin:10px 0 14px;border:2px solid}
.verdict.critical{background:#fce8e6;border-color:var(--red)}.verdict.warning{background:#fef7e0;
border-color:#f9ab00}.verdict.ok{background:#e6f4ea;border-color:var(--green)}
.verdict .head{font-size:20px;font-weight:700}.verdict.critical .head{color:var(--red)}
.verdict.warning .head{color:var(--amber)}.verdict.ok .head{color:var(--green)}
.verdict ul{margin:6px 0 0;padding-left:20px}
.identity{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:14px}
.identity dt{color:var(--dim)}.identity dd{margin:0}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
th{color:var(--dim);font-weight:600}td.meaning{color:var(--dim);font-size:13px}
.timeline{position:relative;margin:6px 0 2px}
.row{display:flex;align-items:center;margin:4px 0}.row .lab{width:90px;flex:none;color:var(--dim);font-size:13px}
.bar{position:relative;flex:1;height:26px;background:var(--bg);border:1px solid var(--line);border-radius:4px;
overflow:hidden}
.seg{position:absolute;top:0;bottom:0;overflow:hidden;white-space:nowrap;font-size:11px;line-height:26px;
padding-left:3px;color:#fff;border-right:1px solid #fff}
.seg.s0{background:#7b8794}.seg.s1{background:#9aa5b1}.seg.reused{background:var(--red)}
.row.keyframes .bar{height:auto;background:none;border:none;overflow:visible}.kfrow{position:relative}
.kfdot{position:absolute;top:6px;width:7px;height:7px;margin-left:-3px;border-radius:50%;background:var(--ink)}
.kf{position:absolute;top:1px;transform:translateX(-50%);font-size:10px;line-height:16px;padding:0 3px;
border-radius:8px;background:#fff;color:var(--ink);border:1px solid var(--ink);text-decoration:none;white-space:nowrap}
.kf::before{content:"";position:absolute;left:50%;top:-4px;width:0;height:4px;border-left:1px solid var(--ink)}
.axis{position:relative;margin-left:90px;height:18px;font-size:11px;color:var(--dim)}
.axis span{position:absolute;transform:translateX(-50%)}
.kfkey{display:inline-block;font-style:normal;font-size:10px;line-height:14px;padding:0 3px;margin:0 4px 0 10px;
border:1px solid var(--ink);border-radius:8px}
.none{font-size:12px;color:var(--dim);line-height:26px;padding-left:6px}
.bar.note{height:auto;min-height:26px}.bar.note .none{display:block;line-height:1.35;padding:5px 6px}
.legend{font-size:12px;color:var(--dim);margin:4px 0 0 90px}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:-1px}
.legend .kfkey{width:auto;height:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
.zoom{cursor:zoom-in;display:block;position:relative}.zoom input{display:none}
.zoom .hint{display:none}
.zoom input:checked+img{position:fixed;inset:0;width:100vw;height:100vh;object-fit:contain;background:#000d;
z-index:10;border:none;border-radius:0;cursor:zoom-out}
.zoom input:checked~.hint{display:block;position:fixed;z-index:11;bottom:8px;left:0;right:0;text-align:center;
color:#fff;font-size:13px}
.scroll{overflow-x:auto}
figure{margin:0}figure img,.noimg{width:100%;border-radius:4px;border:1px solid var(--line);display:block}
.noimg{aspect-ratio:16/9;background:var(--bg);color:var(--dim);font-size:12px;display:flex;
align-items:center;justify-content:center;text-align:center}
figcaption{font-size:12px;color:var(--dim);margin-top:3px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0;max-width:720px}
.pair img,.pair .noimg{aspect-ratio:4/3;object-fit:contain;background:#202124}
.pair .noimg{color:#bdc1c6}
.reuse{border:1px solid var(--line);border-left:4px solid var(--red);border-radius:6px;padding:10px 12px;margin:10px 0}
.flag{border-left:4px solid;padding:6px 10px;margin:6px 0;background:var(--bg);border-radius:0 6px 6px 0}
.flag.critical{border-color:var(--red)}.flag.warning{border-color:#f9ab00}.flag.info{border-color:#4285f4}
.flag .code{font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.flag details{font-size:13px;margin-top:4px}
.cited{font-size:12px;color:var(--red);white-space:nowrap}
details pre{white-space:pre-wrap;word-break:break-all;max-height:400px;overflow:auto;background:var(--bg);
padding:8px;font-size:12px}
footer{margin-top:30px;font-size:12px;color:var(--dim)}
@media print{.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@media (max-width:600px){main{padding:12px 12px 30px}.verdict .head{font-size:17px}
.identity{grid-template-columns:1fr}.identity dd{margin-bottom:4px}
.row .lab{width:62px;font-size:11px}.axis,.legend{margin-left:62px}
.axis span:nth-child(even){display:none}.grid{grid-template-columns:1fr}.pair{grid-template-columns:1fr}
table{font-size:13px}th,td{padding:3px 5px}}
"""

# Colours of scene labels; a label not listed gets a stable colour from the palette.
LABEL_COLOURS = {"street": "#e8710a", "indoor": "#1a73e8", "outdoor": "#188038", "unknown": "#9aa0a6"}
_PALETTE = ("#9334e6", "#e52592", "#12b5cb", "#7cb342", "#f538a0", "#795548", "#5c6bc0")
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")


def label_colour(label: str) -> str:
    key = label.lower()
    return LABEL_COLOURS.get(key, _PALETTE[zlib.crc32(key.encode("utf-8", "replace")) % len(_PALETTE)])


def render_html(report: Report, thumbnails: dict[int, bytes] | None = None,
                pictures: dict[int, tuple[bytes | None, bytes | None]] | None = None) -> str:
    """The page for *report*.

    *thumbnails*: small JPEG per shot start frame (``Analysis.thumbnails``).  *pictures*: for the
    reused finding at each index, the (clip frame, reference frame) JPEGs (see
    :func:`verify.render.pictures.reuse_pictures`); missing ones are shown as placeholders.
    """
    thumbnails = thumbnails or {}
    pictures = pictures or {}
    json_text, json_hash = json_sha256(report)
    v = verdict(report)
    name = os.path.basename(report.file.path) or report.file.path
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="verify-json-sha256" content="{json_hash}">',
        f'<meta name="verify-source-sha256" content="{esc(report.file.sha256)}">',
        f"<title>verify: {esc(name)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{esc(report.file.path)}</h1>",
        f'<section class="verdict {v.level}" id="verdict"><div class="head">{esc(v.line)}</div>',
        "<ul>" + "".join(f"<li>{esc(p)}</li>" for p in v.points) + "</ul></section>",
        _identity(report, json_hash),
    ]
    if report.media.kind != "image":
        parts.append(_timeline(report))
    parts.append(_reused(report, pictures))
    parts.append(_flags(report))
    parts.append(provenance_html(report))
    parts.append(_keyframes(report, thumbnails))
    parts.append(_scenes(report))
    parts.append(_metadata(report))
    parts.append(_integrity(report, json_text, json_hash))
    parts.append("</main></body></html>\n")
    return "\n".join(p for p in parts if p)


def _identity(report: Report, json_hash: str) -> str:
    f, m = report.file, report.media
    if m.kind == "image":
        what = f"still image · {esc(m.container or '?')} · {m.width}×{m.height}"
    else:
        what = (f"video · {clock(m.duration_s)} · {m.width}×{m.height} · {_num(m.fps, 'g', ' fps')} · "
                f"{esc(m.video_codec or '?')}" + (f" + {esc(m.audio_codec)}" if m.audio_codec else " (no audio)"))
    rows = [("file SHA-256", f'<code id="sha256">{esc(f.sha256)}</code>'),
            ("size", f"{f.size_bytes:,} bytes"),
            ("media", what),
            ("analysed", f"{esc(report.analysis.get('analysed_at', '?'))} by verify "
                         f"{esc((report.tool or {}).get('version', __version__))}"),
            ("JSON report SHA-256", f'<code id="json-sha256">{json_hash}</code>')]
    claimed = report.analysis.get("claimed_date")
    if claimed:
        rows.insert(3, ("claimed date", esc(claimed)))
    return '<dl class="identity">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _timeline_length(report: Report) -> float:
    m = report.media
    ends = [s.end_s for s in report.shots] + [float(x.get("end_s", 0)) for x in report.scenes.segments] \
        + [float(x.get("end_s", 0)) for x in report.reused]
    return max([m.decoded_duration_s or 0.0, m.duration_s or 0.0, *ends, 0.0])


def _span(start: float, end: float, length: float) -> str:
    left = min(100.0, max(0.0, 100.0 * start / length))
    width = min(100.0 - left, max(0.15, 100.0 * (end - start) / length))
    return f"left:{left:.3f}%;width:{width:.3f}%"


def _ticks(length: float) -> list[float]:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if length / step <= 10:
            break
    n = int(length // step)
    return [i * step for i in range(n + 1)]


MOTION_WORDS = {"static": "fixed camera", "panning": "panning", "moving": "moving (travelling)"}
MOTION_COLOURS = {"static": "#80868b", "panning": "#a142f4", "moving": "#00897b"}


def _timeline(report: Report) -> str:
    """Rows over one time axis: shots, their keyframes (labelled K1, K2… in a row of their own, so they
    cannot pass for cuts), scene labels, camera motion, reused spans."""
    length = _timeline_length(report)
    if length <= 0:
        return ""
    rows = []
    shots, keyframes = [], []
    lanes = _lanes([100 * s.keyframe_s / length for s in report.shots])
    for s, lane in zip(report.shots, lanes):
        tip = (f"shot {s.index}: {clock(s.start_s)}–{clock(s.end_s)}, begins with a {s.transition}, "
               f"keyframe at {clock(s.keyframe_s)}")
        shots.append(f'<div class="seg s{s.index % 2}" style="{_span(s.start_s, s.end_s, length)}" '
                     f'title="{esc(tip)}">{s.index}</div>')
        where = f"left:{100 * s.keyframe_s / length:.3f}%"
        title = f"keyframe of shot {s.index} at {clock(s.keyframe_s)}"
        if lane is None:  # no room for a label even on a phone: a dot, named on hover and in the list below
            keyframes.append(f'<a href="#shot-{s.index}" class="kfdot" style="{where}" title="{title}"></a>')
        else:
            keyframes.append(f'<a href="#shot-{s.index}" class="kf" style="{where};top:{1 + 19 * lane}px" '
                             f'title="{title}">K{s.index}</a>')
    rows.append(("shots", "".join(shots) or '<span class="none">no shots</span>'))
    if keyframes:
        height = 19 * (1 + max((lane for lane in lanes if lane is not None), default=0)) + 2
        rows.append(("keyframes", f'<div class="kfrow" style="height:{height}px">{"".join(keyframes)}</div>'))
    segs, motion = [], []
    labels: list[str] = []
    for seg in report.scenes.segments:
        label = str(seg.get("label", "?"))
        start, end = float(seg.get("start_s", 0)), float(seg.get("end_s", 0))
        if label not in labels:
            labels.append(label)
        tip = f"{label}: {clock(start)}–{clock(end)} ({end - start:.1f} s)"
        segs.append(f'<div class="seg" style="{_span(start, end, length)};background:{label_colour(label)}" '
                    f'title="{esc(tip)}">{esc(label)}</div>')
        if seg.get("motion"):
            how = str(seg["motion"])
            word = MOTION_WORDS.get(how, how)
            motion.append(f'<div class="seg" style="{_span(start, end, length)};'
                          f'background:{MOTION_COLOURS.get(how, "#5f6368")}" '
                          f'title="{esc(f"camera {word}: {clock(start)}–{clock(end)}")}">{esc(word)}</div>')
    rows.append(("scenes", "".join(segs) or '<span class="none">no street/indoor labels in this report</span>'))
    if motion:
        rows.append(("camera", "".join(motion)))
    reused = []
    for i, r in enumerate(report.reused):
        start, end = float(r.get("start_s", 0)), float(r.get("end_s", 0))
        tip = f"reused {clock(start)}–{clock(end)} = {reference_name(r)}"
        reused.append(f'<a href="#reused-{i}"><div class="seg reused" style="{_span(start, end, length)}" '
                      f'title="{esc(tip)}">{esc(reference_name(r))}</div></a>')
    if reused:
        rows.append(("reused", "".join(reused)))
    else:
        rows.append(("reused", f'<span class="none">{esc(search_note(report))}</span>'))
    body = "".join(f'<div class="row {lab}"><div class="lab">{lab}</div>'
                   f'<div class="bar{" note" if inner.startswith("<span class=" + chr(34) + "none") else ""}">'
                   f"{inner}</div></div>" for lab, inner in rows)
    axis = "".join(f'<span style="left:{100 * t / length:.3f}%">{_mmss(t)}</span>' for t in _ticks(length))
    legend = "".join(f'<i style="background:{label_colour(lab)}"></i>{esc(lab)}' for lab in labels)
    if motion:
        legend += "".join(f'<i style="background:{MOTION_COLOURS[m]}"></i>{MOTION_WORDS[m]}'
                          for m in MOTION_COLOURS if any(seg.get("motion") == m for seg in report.scenes.segments))
    if report.reused:
        legend += '<i style="background:var(--red)"></i>reused'
    legend += '<i class="kfkey">K1</i>keyframe of shot 1 (not a cut)'
    return (f'<h2>Timeline <small class="mono">({clock(length)})</small></h2>'
            f'<div class="timeline" id="timeline">{body}<div class="axis">{axis}</div>'
            f'<div class="legend">{legend}</div></div>')


KF_GAP = 11.0  # per cent of the timeline between two labels in one lane: room for "K10" on a phone's width
KF_LANES = 3


def _lanes(positions: list[float]) -> list[int | None]:
    """A lane (0, 1, 2) for each keyframe label so that labels in one lane are KF_GAP apart; None
    when no lane has room (the keyframe is then drawn as an unlabelled dot)."""
    last = [-1e9] * KF_LANES
    out: list[int | None] = []
    for x in positions:
        lane = next((i for i in range(KF_LANES) if x - last[i] >= KF_GAP), None)
        if lane is not None:
            last[lane] = x
        out.append(lane)
    return out


def _mmss(seconds: float) -> str:
    """Axis labels: ``1:05`` (``1:02:03`` past an hour), short enough for a phone's width."""
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _kv_table(items: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    rows = []
    for key, value in items.items():
        if key in skip:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append(f"<tr><th>{esc(key)}</th><td>{esc(shown)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>" if rows else ""


def _reused(report: Report, pictures: dict[int, tuple[bytes | None, bytes | None]]) -> str:
    if not report.reused:
        return ""
    out = [f"<h2>Reused footage ({len(report.reused)})</h2>"]
    for i, r in enumerate(report.reused):
        ref = r.get("ref") or {}
        clip_pic, ref_pic = pictures.get(i, (None, None))
        start, end = r.get("start_s"), r.get("end_s")
        ref_start, ref_end = r.get("ref_start_s"), r.get("ref_end_s")
        clip_alt = f"this clip at {clock(_mid(start, end))}"
        ref_alt = f"{reference_name(r)} at {clock(_mid(ref_start, ref_end))}"
        photo = ref.get("kind") == "photo"
        facts = [("in this clip", f"{clock(start)}–{clock(end)}"),
                 ("in the reference", "a photo" if photo else f"{clock(ref_start)}–{clock(ref_end)}"),
                 ("reference", esc(ref.get("title") or "—")),
                 ("date", esc(ref.get("date") or "—")),
                 ("source", esc(ref.get("source") or "—")),
                 ("reference file", f'<span class="mono">{esc(ref.get("path") or "—")}</span>'),
                 ("transform", esc(_listed(r.get("transform")) or "none")),
                 ("confidence", esc(r.get("confidence", "—")))]
        if r.get("evidence"):
            facts.append(("evidence", esc({"picture": "the picture alone (nothing moved to compare)",
                                           "picture+motion": "the picture, and both sides moving alike"}
                                          .get(r["evidence"], r["evidence"]))))
        if window_text(r.get("window")):
            facts.append(("where", esc(window_text(r.get("window")))))
        extra = {k: v for k, v in r.items()
                 if k not in ("start_s", "end_s", "ref_start_s", "ref_end_s", "ref", "transform", "confidence",
                              "evidence")}
        extra.update({f"ref.{k}": v for k, v in ref.items() if k not in ("title", "date", "source", "path", "kind")})
        out.append(
            f'<div class="reuse" id="reused-{i}"><div class="pair">'
            f"<figure>{_img(clip_pic, clip_alt)}<figcaption>this clip, {clock(_mid(start, end))}</figcaption></figure>"
            f"<figure>{_img(ref_pic, ref_alt)}<figcaption>{esc(ref_alt)}</figcaption></figure></div>"
            "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</table>"
            + (f"<details><summary>more</summary>{_kv_table(extra)}</details>" if extra else "") + "</div>")
    return "\n".join(out)


def _listed(value: Any) -> str:
    """``["crop", "mirror"]`` -> ``crop, mirror``; anything else as text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _mid(a: Any, b: Any) -> float | None:
    try:
        return (float(a) + float(b)) / 2
    except (TypeError, ValueError):
        return None


def _flags(report: Report) -> str:
    out = [f"<h2>Flags ({len(report.flags)})</h2>"]
    if not report.flags:
        out.append("<p>No flags.</p>")
    for sev, title in (("critical", "Critical"), ("warning", "Warnings"), ("info", "Information")):
        group = [f for f in report.flags if f.severity == sev]
        if not group:
            continue
        out.append(f'<h3 id="flags-{sev}">{title} ({len(group)})</h3>')
        for f in group:
            ev = _kv_table(f.evidence) if f.evidence else ""
            out.append(f'<div class="flag {sev}"><span class="code">{esc(f.code)}</span> {esc(f.message)}'
                       + (f"<details><summary>evidence</summary>{ev}</details>" if ev else "") + "</div>")
    return "\n".join(out)


def _shot_caption(s: Shot, kind: str) -> str:
    if kind == "image":
        return "the image"
    return (f"shot {s.index} · {clock(s.start_s)}–{clock(s.end_s)} · keyframe {clock(s.keyframe_s)}"
            + (f" · after a {s.transition}" if s.transition != "start" else ""))


def _keyframes(report: Report, thumbnails: dict[int, bytes]) -> str:
    """Each shot's keyframe, large enough to judge; a click shows it over the whole window (a CSS
    checkbox, no script), and the full-size JPEG written with --keyframes is linked."""
    if not report.shots:
        return ""
    figs = []
    for s in report.shots:
        cap = _shot_caption(s, report.media.kind)
        full = (f'<br><a class="mono" href="{esc(_file_href(s.keyframe))}">{esc(s.keyframe)}</a> (full size)'
                if s.keyframe else "")
        pdq = f'<br>PDQ <span class="mono">{esc(s.pdq[:16])}…</span> quality {s.pdq_quality}' if s.pdq else ""
        img = _img(thumbnails.get(s.start_frame or 0), cap)
        if img.startswith("<img"):
            img = (f'<label class="zoom" title="click to enlarge"><input type="checkbox">{img}'
                   '<span class="hint">click to enlarge · click again to close</span></label>')
        figs.append(f'<figure id="shot-{s.index}">{img}<figcaption>{esc(cap)}{pdq}{full}</figcaption></figure>')
    title = "Keyframes" if report.media.kind != "image" else "Picture"
    return f'<h2>{title} ({len(report.shots)})</h2><div class="grid" id="keyframes">{"".join(figs)}</div>'


def _file_href(path: str) -> str:
    """A link to a file the report names (relative paths stay relative to where verify ran)."""
    from urllib.parse import quote

    return Path(path).as_uri() if os.path.isabs(path) else quote(path.replace(os.sep, "/"))


def _scenes(report: Report) -> str:
    sc = report.scenes
    if not sc.segments and sc.street_seconds is None:
        return ""
    head = "<h2>Street and indoor segments</h2>"
    totals = [(label, seconds) for label, seconds in (("Street", sc.street_seconds), ("indoor", sc.indoor_seconds),
                                                      ("other outdoor", sc.outdoor_seconds),
                                                      ("unknown", sc.unknown_seconds)) if seconds is not None]
    if totals:
        head += ("<p>" + ", ".join(f"{label}: <b>{seconds:.1f} s</b>" for label, seconds in totals)
                 + f" of {clock(_timeline_length(report))}"
                 + (f" (labelled by {esc(sc.model)})" if sc.model else "") + ".</p>")
    rows = []
    for seg in sc.segments:
        start, end = float(seg.get("start_s", 0)), float(seg.get("end_s", 0))
        motion = seg.get("motion")
        conf = seg.get("confidence")
        rows.append(f"<tr><td>{esc(seg.get('label', '?'))}</td><td>{clock(start)}–{clock(end)}</td>"
                    f"<td>{end - start:.1f} s</td><td>{esc(MOTION_WORDS.get(motion, motion or '—'))}</td>"
                    f"<td>{f'{100 * float(conf):.0f} %' if conf is not None else '—'}</td></tr>")
    table = ('<div class="scroll"><table id="segments"><tr><th>label</th><th>span</th><th>length</th>'
             "<th>camera</th><th>label confidence</th></tr>" + "".join(rows) + "</table></div>") if rows else ""
    return head + table


def _media_values(report: Report) -> dict[str, str]:
    m = report.media
    audio = "none"
    if m.audio_codec:
        audio = ", ".join(x for x in (m.audio_codec, f"{m.audio_channels} ch" if m.audio_channels else "",
                                      f"{m.audio_sample_rate} Hz" if m.audio_sample_rate else "") if x)
    return {
        "container": m.container or "—",
        "duration_s": clock(m.duration_s) if m.kind != "image" else "—",
        "decoded_duration_s": clock(m.decoded_duration_s) if m.kind != "image" else "—",
        "size": f"{m.width}×{m.height}",
        "coded_size": f"{m.coded_width}×{m.coded_height}" if m.coded_width else "—",
        "fps": _num(m.fps),
        "frame_count": _num(m.frame_count, ","),
        "video_codec": m.video_codec or "—",
        "pixel_format": m.pixel_format or "—",
        "bit_rate": _num(m.bit_rate / 1000 if m.bit_rate else None, ",.0f", " kbit/s"),
        "audio": audio,
        "rotation": f"{m.rotation}°",
    }


def _metadata(report: Report) -> str:
    md = report.metadata
    cited: dict[str, list[str]] = {}
    for f in report.flags:  # tags a flag points at (a flag listing every tag, like metadata_stripped, is not)
        tags = f.evidence.get("tags")
        keys = list(tags) if isinstance(tags, dict) else []
        if isinstance(f.evidence.get("tag"), str):
            keys.append(f.evidence["tag"])
        for k in keys:
            cited.setdefault(str(k), []).append(f.code)
    media = _media_values(report)
    rows = [f"<tr><th>{label}</th><td>{esc(media[key])}</td><td class='meaning'>{meaning}</td></tr>"
            for key, label, meaning in MEDIA_FIELDS if not (report.media.kind == "image" and key in
                                                              ("duration_s", "decoded_duration_s", "fps",
                                                               "frame_count", "audio", "bit_rate"))]
    out = ["<h2>Media and metadata</h2><table id='media'><tr><th>value</th><th></th><th>what it means</th></tr>",
           *rows]
    for key, label, meaning in METADATA_FIELDS:
        value = getattr(md, key)
        if key == "location" and value is not None:
            shown = f"{value.lat:.6f}, {value.lon:.6f}" + (f", {value.alt:g} m" if value.alt is not None else "")
        elif key == "handlers":
            shown = ", ".join(value) if value else "—"
        else:
            shown = value if value else "—"
        out.append(f"<tr><th>{label}</th><td>{esc(shown)}</td><td class='meaning'>{meaning}</td></tr>")
    out.append("</table>")
    out.append(f"<h3>All tags ({len(md.tags)})</h3>")
    if md.tags:
        out.append("<table id='tags'><tr><th>tag</th><th>value</th><th>what it is</th></tr>")
        for key, value in md.tags.items():
            mark = "".join(f' <span class="cited">← {esc(c)}</span>' for c in dict.fromkeys(cited.get(key, [])))
            out.append(f"<tr><td class='mono'>{esc(key)}{mark}</td><td>{esc(value)}</td>"
                       f"<td class='meaning'>{esc(tag_meaning(key))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>The file carries no tags.</p>")
    return "\n".join(out)


def _integrity(report: Report, json_text: str, json_hash: str) -> str:
    a = report.analysis
    facts: dict[str, Any] = {"analysed at (UTC)": a.get("analysed_at"), "analysis seconds": a.get("seconds"),
                             "claimed date": a.get("claimed_date"),
                             "reference search": report.reference_search}
    if "decode" in a:
        facts["decode"] = a["decode"]
    versions = a.get("versions") or {}
    models = a.get("models") or {}
    return ("<h2>Evidence integrity</h2>"
            f"<p>File SHA-256 <code>{esc(report.file.sha256)}</code>. This page was made from the JSON report "
            f"whose SHA-256 is <code>{json_hash}</code>; that JSON is embedded below, byte for byte as "
            "<code>verify --json</code> writes it for this file.</p>"
            + _kv_table(facts)
            + "<h3>Software</h3>" + _kv_table(versions)
            + ("<h3>Models</h3>" + _kv_table(models) if models else "")
            + f'<details><summary>The JSON report</summary><pre id="json-twin">{esc_json(json_text)}</pre></details>'
            + "<footer>Made offline by verify. The page loads nothing and runs no script.</footer>")


def esc_json(text: str) -> str:
    """The JSON text for a ``<pre>``: HTML-escaped only, so its text content is the JSON byte for byte."""
    return html.escape(text, quote=True)


def write_html(text: str, target: str | os.PathLike[str]) -> Path:
    """Write atomically: an existing page is replaced whole or not at all."""
    return write_text(target, text)
