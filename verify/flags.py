"""Turn normalised metadata into flags a fact-checker can act on.

:func:`metadata_flags` reads ``report.metadata`` (filled by :mod:`verify.metadata`) and
appends :class:`~verify.report.Flag` objects.  Which tag values betray an editing tool or
a platform is data, not code: extend :data:`RULES` (and :data:`HINT_MEANINGS` for a new
platform) to teach it another one.

Flag codes:

* ``reencoded`` (warning): a writer tag names a transcoding or editing tool.
* ``no_creation_time`` (warning): the metadata has no usable creation time.
* ``creation_time_conflict`` (critical): the metadata date is more than a day from the
  claimed date; ``creation_time_matches`` (info) when it is within a day.
* ``gps_present`` (info): the file carries a location.
* ``platform_hint`` (info): one per device, app or platform whose marker is in the tags.
* ``metadata_stripped`` (info): nothing but structural tags are left.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .metadata import is_zero_date, parse_timestamp
from .report import Metadata, Report


@dataclass(frozen=True)
class TagRule:
    """A tag value that identifies a tool or a platform.

    ``keys`` is a regular expression matched against the whole tag name (lower case,
    without the ``format:``/``streamN:``/``exif:`` prefix); ``value`` is searched in the
    tag value, ignoring case.  A ``fallback`` tool is named only when no other tool is
    found (its tags still count as evidence): generic handler names do not identify the
    muxer that wrote them.
    """

    code: Literal["reencoded", "platform_hint"]
    name: str  # the tool or platform, as named in the message
    keys: str
    value: str
    fallback: bool = False


# Tags where a file names the program that wrote it.
WRITER_KEYS = (r"encoder|software|encoded_by|encoding_tool|writing_app(lication)?"
               r"|com\.apple\.quicktime\.software|processingsoftware|handler_name")
# Free-text tags where apps and platforms leave their name.
TEXT_KEYS = r"comment|description|title|synopsis|" + WRITER_KEYS

RULES: tuple[TagRule, ...] = (
    # Transcoders, muxers and editors: their presence means the file is not the camera original.
    TagRule("reencoded", "FFmpeg", WRITER_KEYS, r"\bLav[fc]\d|\bffmpeg\b"),
    TagRule("reencoded", "x264", WRITER_KEYS, r"\b(lib)?x264\b"),
    TagRule("reencoded", "x265", WRITER_KEYS, r"\b(lib)?x265\b"),
    TagRule("reencoded", "HandBrake", WRITER_KEYS, r"handbrake"),
    TagRule("reencoded", "VLC", WRITER_KEYS, r"\bvlc\b|videolan"),
    TagRule("reencoded", "MEncoder", WRITER_KEYS, r"mencoder"),
    TagRule("reencoded", "VirtualDub", WRITER_KEYS, r"virtualdub"),
    TagRule("reencoded", "Avidemux", WRITER_KEYS, r"avidemux"),
    TagRule("reencoded", "GPAC/MP4Box", WRITER_KEYS, r"\bgpac\b|mp4box"),
    TagRule("reencoded", "L-SMASH", WRITER_KEYS, r"l-smash"),
    TagRule("reencoded", "MainConcept", WRITER_KEYS, r"mainconcept"),
    TagRule("reencoded", "Adobe software", WRITER_KEYS,
            r"\badobe\b|photoshop|premiere|after effects|lightroom|media encoder"),
    TagRule("reencoded", "DaVinci Resolve", WRITER_KEYS, r"davinci|blackmagic"),
    TagRule("reencoded", "Final Cut Pro", WRITER_KEYS, r"final ?cut"),
    TagRule("reencoded", "iMovie", WRITER_KEYS, r"imovie"),
    TagRule("reencoded", "CapCut", WRITER_KEYS, r"capcut|jianying"),
    TagRule("reencoded", "VN Video Editor", WRITER_KEYS, r"^VN\b|vn video editor|vlognow"),
    TagRule("reencoded", "InShot", WRITER_KEYS, r"inshot"),
    TagRule("reencoded", "KineMaster", WRITER_KEYS, r"kinemaster"),
    TagRule("reencoded", "Filmora", WRITER_KEYS, r"filmora|wondershare"),
    TagRule("reencoded", "Movavi", WRITER_KEYS, r"movavi"),
    TagRule("reencoded", "Shotcut", WRITER_KEYS, r"shotcut"),
    TagRule("reencoded", "OpenShot", WRITER_KEYS, r"openshot"),
    TagRule("reencoded", "Kdenlive", WRITER_KEYS, r"kdenlive"),
    TagRule("reencoded", "VEGAS", WRITER_KEYS, r"\bvegas\b"),
    TagRule("reencoded", "Camtasia", WRITER_KEYS, r"camtasia|techsmith"),
    TagRule("reencoded", "GIMP", WRITER_KEYS, r"\bgimp\b"),
    TagRule("reencoded", "Paint.NET", WRITER_KEYS, r"paint\.net"),
    TagRule("reencoded", "Pixelmator", WRITER_KEYS, r"pixelmator"),
    TagRule("reencoded", "Affinity Photo", WRITER_KEYS, r"affinity"),
    TagRule("reencoded", "Snapseed", WRITER_KEYS, r"snapseed"),
    TagRule("reencoded", "Picsart", WRITER_KEYS, r"picsart"),
    TagRule("reencoded", "Canva", WRITER_KEYS, r"\bcanva\b"),
    TagRule("reencoded", "YouTube's transcoder", "encoder", r"^Google$"),
    TagRule("reencoded", "FFmpeg or a similar muxer (generic handler names)", "handler_name",
            r"^(Video|Sound|Subtitle|TimeCode|Hint)Handler$", fallback=True),
    # Devices, apps and platforms: where the file comes from (see HINT_MEANINGS).
    TagRule("platform_hint", "Apple", "handler_name", r"^Core Media |^Apple "),
    TagRule("platform_hint", "Apple", r"make|com\.apple\.quicktime\.make", r"^Apple\b"),
    TagRule("platform_hint", "Android", r"com\.android\..+", r"."),
    TagRule("platform_hint", "Android", "handler_name", r"^(Video|Sound)Handle$"),
    TagRule("platform_hint", "Google/YouTube", "handler_name",
            r"ISO Media file produced by Google"),
    TagRule("platform_hint", "Google/YouTube", "encoder", r"^Google$"),
    TagRule("platform_hint", "Google/YouTube", "major_brand", r"^dash$"),
    TagRule("platform_hint", "TikTok", TEXT_KEYS, r"^vid:v0|bytedance|tiktok|douyin"),
    TagRule("platform_hint", "Instagram", TEXT_KEYS, r"instagram"),
    TagRule("platform_hint", "Facebook", TEXT_KEYS, r"facebook"),
    TagRule("platform_hint", "WhatsApp", TEXT_KEYS, r"whatsapp"),
    TagRule("platform_hint", "Telegram", TEXT_KEYS, r"telegram"),
    TagRule("platform_hint", "VLC", WRITER_KEYS, r"\bvlc\b|videolan"),
    TagRule("platform_hint", "screen recorder", TEXT_KEYS,
            r"\bOBS\b|obs-?studio|bandicam|camtasia|techsmith|screenflow|xsplit"
            r"|screen ?record|screencast"),
    TagRule("platform_hint", "GoPro", r"handler_name|make|encoder", r"^GoPro"),
    TagRule("platform_hint", "DJI", r"handler_name|make|encoder", r"^DJI"),
)

_FALLBACK_TOOLS = frozenset(r.name for r in RULES if r.fallback)

# What each platform hint tells the fact-checker (first half of the message).
HINT_MEANINGS: dict[str, str] = {
    "Apple": "The tags are typical of an Apple device or Apple software "
             "(iPhone/iPad camera, AVFoundation, QuickTime)",
    "Android": "The tags are typical of an Android phone's camera recorder",
    "Google/YouTube": "The file was produced by Google's servers, as YouTube downloads are",
    "TikTok": "TikTok's markers are in the tags, so this copy passed through TikTok",
    "Instagram": "Instagram is named in the tags, so this copy passed through Instagram",
    "Facebook": "Facebook is named in the tags, so this copy passed through Facebook",
    "WhatsApp": "WhatsApp is named in the tags, so this copy was sent through WhatsApp",
    "Telegram": "Telegram is named in the tags, so this copy was sent through Telegram",
    "VLC": "VLC wrote this file, typically when saving or converting a stream or broadcast",
    "screen recorder": "A screen recorder made this file, so it shows a screen, "
                       "not a camera view",
    "GoPro": "The tags are typical of a GoPro action camera",
    "DJI": "The tags are typical of a DJI drone or camera",
}

# Tags every container or image has; a file with nothing else has been stripped.
STRUCTURAL_KEYS = frozenset({
    "major_brand", "minor_version", "compatible_brands", "language", "handler_name",
    "vendor_id", "encoder", "duration", "bps", "number_of_frames", "number_of_bytes",
    "_statistics_tags", "_statistics_writing_app", "_statistics_writing_date_utc",
    "xresolution", "yresolution", "resolutionunit", "orientation", "exifoffset",
    "colorspace", "exifimagewidth", "exifimagelength", "ycbcrpositioning",
})

_TIME_KEY = re.compile(r"(.*\.)?creation_?(time|date)|date.*")
_LOCATION_KEY = re.compile(r"com\.apple\.quicktime\.location\.iso6709|location(-\w+)?|©xyz"
                           r"|gps(latitude|longitude|altitude)(ref)?")


def _bare_key(scoped: str) -> str:
    """``stream0:handler_name`` -> ``handler_name`` (lower case)."""
    return scoped.split(":", 1)[-1].lower()


def _quote(tags: dict[str, str], limit: int = 3) -> str:
    shown = [f"{key} = {value!r}" for key, value in list(tags.items())[:limit]]
    more = len(tags) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _match_rules(meta: Metadata) -> dict[tuple[str, str], dict[str, str]]:
    """``{(code, name): {scoped tag: value}}`` for every rule some tag matches, in rule order."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for rule in RULES:
        key_re = re.compile(rule.keys)
        value_re = re.compile(rule.value, re.IGNORECASE)
        for scoped, value in meta.tags.items():
            text = str(value)
            if key_re.fullmatch(_bare_key(scoped)) and value_re.search(text):
                found.setdefault((rule.code, rule.name), {})[scoped] = text
    return found


def _device(meta: Metadata) -> str:
    """``Apple iPhone 11`` / ``Canon EOS 80D`` (make dropped when the model repeats it)."""
    make, model = meta.make or "", meta.model or ""
    if model.lower().startswith(make.lower()):
        return model
    return f"{make} {model}".strip()


def _join(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def describe_gap(earlier: date, later: date) -> str:
    """Human span between two dates: ``3 years 2 months``, ``1 month 4 days``, ``9 days``."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    years, rest = divmod(months, 12)
    if years:
        return _plural(years, "year") + (f" {_plural(rest, 'month')}" if rest else "")
    if months:
        year, month = divmod(earlier.month - 1 + months, 12)
        year += earlier.year
        anchor = earlier.replace(year=year, month=month + 1,
                                 day=min(earlier.day, calendar.monthrange(year, month + 1)[1]))
        days = (later - anchor).days
        return _plural(months, "month") + (f" {_plural(days, 'day')}" if days else "")
    return _plural((later - earlier).days, "day")


def _metadata_day(meta: Metadata) -> date | None:
    """The recording day: local when the offset (or only the wall time) is known, else UTC."""
    for text in (meta.creation_time_local, meta.creation_time):
        dt = parse_timestamp(text) if text else None
        if dt is not None:
            return dt.date()
    return None


def _date_flags(report: Report, claimed_date: date | None) -> None:
    meta = report.metadata
    if meta.creation_time is None:
        zero = {k: str(v) for k, v in meta.tags.items()
                if _TIME_KEY.fullmatch(_bare_key(k)) and is_zero_date(str(v))}
        reason = (f" (only the zero date {_quote(zero, 1)}, which means the clock wrote none)"
                  if zero else "")
        report.add_flag("no_creation_time", "warning",
                        f"The file has no creation time in its metadata{reason}, as is common "
                        "after a platform strips it, so the metadata cannot date the recording.",
                        tags=zero)
        return
    day = _metadata_day(meta)
    if claimed_date is None or day is None:
        return
    evidence = {"tag": meta.creation_time_source,
                "value": meta.creation_time_local or meta.creation_time,
                "metadata_date": day.isoformat(), "claimed_date": claimed_date.isoformat(),
                "days_apart": (day - claimed_date).days}
    if abs((day - claimed_date).days) <= 1:
        report.add_flag("creation_time_matches", "info",
                        f"Metadata says {day}, within a day of the claimed {claimed_date} "
                        "(metadata can be edited, so this supports but does not prove the claim).",
                        **evidence)
    elif day < claimed_date:
        report.add_flag("creation_time_conflict", "critical",
                        f"Metadata says {day}, {describe_gap(day, claimed_date)} BEFORE the "
                        f"claimed {claimed_date}: the footage may be older than claimed.",
                        **evidence)
    else:
        report.add_flag("creation_time_conflict", "critical",
                        f"Metadata says {day}, {describe_gap(claimed_date, day)} AFTER the "
                        f"claimed {claimed_date}: the file was made or re-saved after that "
                        "date, or the device clock was wrong.", **evidence)


def _gps_flag(report: Report) -> None:
    loc = report.metadata.location
    if loc is None:
        return
    tags = {k: str(v) for k, v in report.metadata.tags.items()
            if _LOCATION_KEY.fullmatch(_bare_key(k))}
    alt = f", altitude {loc.alt:g} m" if loc.alt is not None else ""
    if loc.lat == 0 and loc.lon == 0:
        message = ("The file contains GPS coordinates 0, 0 (in the sea off West Africa), "
                   "which usually means a placeholder written without a GPS fix.")
    else:
        message = (f"The file contains a GPS location ({loc.lat:.5f}, {loc.lon:.5f}{alt}): "
                   "check it against the claimed place, and mind the uploader's privacy.")
    report.add_flag("gps_present", "info", message, lat=loc.lat, lon=loc.lon, alt=loc.alt,
                    tags=tags)


def _stripped_flag(report: Report) -> None:
    tags = report.metadata.tags
    meaningful = [k for k, v in tags.items()
                  if _bare_key(k) not in STRUCTURAL_KEYS
                  and not (_TIME_KEY.fullmatch(_bare_key(k)) and parse_timestamp(str(v)) is None)]
    if meaningful or report.provenance.c2pa or report.provenance.ai_markers:  # Content Credentials are metadata
        return
    what = (f"almost no metadata (only {_plural(len(tags), 'structural tag')})" if tags
            else "no metadata at all")
    report.add_flag("metadata_stripped", "info",
                    f"The file carries {what}, as is typical after a platform re-encodes an "
                    "upload or someone removes the metadata.", tags=sorted(tags))


def metadata_flags(report: Report, claimed_date: date | None = None) -> None:
    """Append the metadata flags for *report* (see the module docstring for the codes).

    *claimed_date* is the date the footage is claimed to show; when given, the metadata
    creation date is compared with it (the local date when the recorded UTC offset is
    known, else the UTC date), with one day of tolerance for time zones.
    """
    found = _match_rules(report.metadata)
    tools = {name: tags for (code, name), tags in found.items() if code == "reencoded"}
    if tools:
        evidence = {k: v for tags in tools.values() for k, v in tags.items()}
        named = [name for name in tools if name not in _FALLBACK_TOOLS] or list(tools)
        verb = "edited or re-saved" if report.media.kind == "image" else "re-encoded or re-packaged"
        device = _device(report.metadata)
        also = f", even though its tags name the device {device}" if device else ""
        report.add_flag("reencoded", "warning",
                        f"The file was {verb} by {_join(named)} ({_quote(evidence)}), "
                        f"so it is not the original camera file{also}.",
                        tools=named, tags=evidence)
    _date_flags(report, claimed_date)
    _gps_flag(report)
    for (code, name), tags in found.items():
        if code == "platform_hint":
            report.add_flag("platform_hint", "info",
                            f"{HINT_MEANINGS[name]} ({_quote(tags)}).", platform=name, tags=tags)
    _stripped_flag(report)
