"""Read container tags and EXIF into a normalised :class:`~verify.report.Metadata`.

Two entry points:

* :func:`video_metadata` takes tags already read by the demuxer (PyAV's
  ``container.metadata`` and each ``stream.metadata``), so it needs no file access and is
  easy to test with literal dictionaries.
* :func:`image_metadata` reads EXIF from a still image with ``exifread``.

Both keep every raw tag in ``Metadata.tags`` (``format:<key>``, ``stream<N>:<key>``,
``exif:<name>``) and fill the normalised fields a fact-checker reads first: creation time
(always UTC with ``Z``), location, make/model/software, encoder and handler names.
The parsers :func:`parse_timestamp`, :func:`is_zero_date` and :func:`parse_iso6709` are
public because :mod:`verify.flags` and the tests use them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import exifread
from exifread.tags.fields import FieldType

from .report import Location, Metadata

# exifread logs every oddity of a damaged EXIF block to stderr; the report is where findings go
logging.getLogger("exifread").setLevel(logging.CRITICAL)

# --- time stamps -------------------------------------------------------------------

_TIMESTAMP = re.compile(
    r"(?P<y>\d{4})[-:/](?P<mo>\d{2})[-:/](?P<d>\d{2})"
    r"(?:(?:T|\s+)(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
# Days that mean "no clock value": QuickTime's epoch (a zero mvhd time) and the Unix epoch
# (a camera whose clock was never set, or a zero Unix time written by a converter).
_ZERO_DATES = (date(1904, 1, 1), date(1970, 1, 1))


def _parse_any(text: str) -> datetime | None:
    """Parse a time stamp, zero dates included; None when it is not a time stamp."""
    m = _TIMESTAMP.fullmatch(text.strip().strip("\x00").strip())
    if not m:
        return None
    try:
        dt = datetime(int(m["y"]), int(m["mo"]), int(m["d"]),
                      int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0))
        tz = (m["tz"] or "").upper()
        if tz in ("Z", "UTC", "GMT"):
            return dt.replace(tzinfo=timezone.utc)
        if tz:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            return dt.replace(tzinfo=timezone(sign * offset))
        return dt
    except ValueError:  # month 13, day 00, offset of 24 h or more, ...
        return None


def _utc_day(dt: datetime) -> date:
    return (dt.astimezone(timezone.utc) if dt.tzinfo else dt).date()


def is_zero_date(text: str) -> bool:
    """True when *text* is a time stamp on a day that means "no clock value".

    That is any time on 1904-01-01 (the QuickTime epoch) or 1970-01-01 (the Unix epoch),
    compared in UTC when the stamp has a zone.  ``;``-joined values count as zero when every
    time stamp in them is.
    """
    days = [_utc_day(dt) for dt in map(_parse_any, text.split(";")) if dt is not None]
    return bool(days) and all(day in _ZERO_DATES for day in days)


def parse_timestamp(text: str) -> datetime | None:
    """Parse a creation time as written by cameras, muxers and ffmpeg.

    Accepts ``2017-09-01T02:23:48.000000Z``, ``2020-10-11T22:40:00+0300``, ``+03:00``,
    ``+03``, a space instead of ``T``, EXIF's ``2014:06:09 15:54:39`` and a bare date.
    Fractions of a second are dropped.  Returns an aware datetime when the text carries a
    zone (``Z``/``UTC``/``GMT``/offset), a naive one when it does not, and None when the
    text is not a time stamp or is a zero date (see :func:`is_zero_date`).  A tag stored
    twice reaches the ffmpeg CLI joined with ``;``: the parts are tried in turn.
    """
    for part in text.split(";"):
        dt = _parse_any(part)
        if dt is not None and _utc_day(dt) not in _ZERO_DATES:
            return dt
    return None


def _set_creation_time(meta: Metadata, dt: datetime, source: str) -> None:
    """Store *dt* in UTC; keep the recorded wall time in ``creation_time_local``.

    ``creation_time_local`` is set when the stamp had a non-zero UTC offset (kept with the
    offset) or no zone at all (kept without one).  A naive stamp is stored in
    ``creation_time`` as the same wall time with ``Z`` and its source says
    ``(no time zone)``: the true UTC instant is unknown to within about a day.
    """
    if dt.tzinfo is None:
        meta.creation_time = dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        meta.creation_time_local = dt.strftime("%Y-%m-%dT%H:%M:%S")
        meta.creation_time_source = f"{source} (no time zone)"
        return
    meta.creation_time = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta.creation_time_source = source
    if dt.utcoffset():
        meta.creation_time_local = dt.isoformat(timespec="seconds")


# --- locations -----------------------------------------------------------------------

_ISO6709 = re.compile(
    r"(?P<lat>[+-]\d+(?:\.\d*)?)(?P<lon>[+-]\d+(?:\.\d*)?)(?P<alt>[+-]\d+(?:\.\d*)?)?"
    r"(?:CRS[^/]*)?/?"
)


def _iso6709_angle(text: str, degree_digits: int) -> float | None:
    """One ISO 6709 angle: ±D[.d], ±DDMM[.m] or ±DDMMSS[.s] (DDD for longitude)."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, _ = body.partition(".")
    value = float(body)
    n = len(whole)
    if n <= degree_digits:
        return sign * value
    if n == degree_digits + 2:  # degrees and decimal minutes
        degrees, minutes = divmod(value, 100)
        return sign * (degrees + minutes / 60) if minutes < 60 else None
    if n == degree_digits + 4:  # degrees, minutes and decimal seconds
        degrees, rest = divmod(value, 10000)
        minutes, seconds = divmod(rest, 100)
        if minutes >= 60 or seconds >= 60:
            return None
        return sign * (degrees + minutes / 60 + seconds / 3600)
    return None


def parse_iso6709(text: str) -> Location | None:
    """Parse an ISO 6709 point such as ``+39.5200+047.0300+000.000/``.

    Decimal degrees (``+39.52+047.03/``, ``-33.8688+151.2093/``), degrees and minutes
    (``+4807.038+01131.000/``) and degrees, minutes and seconds are read; the optional
    third number is the altitude in metres.  Returns None for anything else or for
    coordinates out of range.  0,0 is returned as is (flags treat it as suspicious).
    """
    m = _ISO6709.fullmatch(text.strip().strip("\x00").strip())
    if not m:
        return None
    lat = _iso6709_angle(m["lat"], 2)
    lon = _iso6709_angle(m["lon"], 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    alt = float(m["alt"]) if m["alt"] else None
    return Location(round(lat, 7), round(lon, 7), alt)


# --- video tags ----------------------------------------------------------------------

# Tag names are matched case-insensitively (Matroska writes ENCODER, MP4 encoder).
_CREATION_KEYS_FORMAT = (
    "com.apple.quicktime.creationdate",
    "creation_time",
    "date",
    "creation_date",
    "creationdate",
    "date_recorded",
    "recorded_date",
    "datetimeoriginal",
)
_LOCATION_KEYS = ("com.apple.quicktime.location.iso6709", "location", "location-eng", "©xyz")
_MAKE_KEYS = ("com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer")
_MODEL_KEYS = ("com.apple.quicktime.model", "model", "com.android.model")

_Scope = tuple[str, dict[str, tuple[str, str]]]  # (tag prefix, lower-case key -> (key, value))


def _scope(prefix: str, tags: dict[str, Any]) -> _Scope:
    return prefix, {str(k).lower(): (str(k), str(v).strip()) for k, v in tags.items()}


def _find(scopes: Iterable[_Scope], keys: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(scoped tag name, value)`` for non-empty *keys*, scope by scope, key by key."""
    for prefix, tags in scopes:
        for key in keys:
            hit = tags.get(key)
            if hit and hit[1]:
                yield f"{prefix}:{hit[0]}", hit[1]


def _first(scopes: Iterable[_Scope], keys: Iterable[str]) -> str | None:
    return next((value for _, value in _find(scopes, keys)), None)


def video_metadata(format_tags: dict[str, str],
                   stream_tags: list[tuple[str, dict[str, str]]]) -> Metadata:
    """Normalise the tags of a video container.

    *format_tags* are the container tags, *stream_tags* ``[(stream_type, tags), ...]``
    in stream order.  Every tag goes into ``tags`` as ``format:<key>`` or
    ``stream<N>:<key>``.  The normalised fields:

    * ``creation_time`` (UTC, ``Z``): the first usable of format
      ``com.apple.quicktime.creationdate`` (recorded with the phone's UTC offset, kept in
      ``creation_time_local``), format ``creation_time``, format date keys (``date``,
      ``creation_date``, ``date_recorded``, ...), then the video streams'
      ``creation_time``.  Zero dates (1904-01-01, 1970-01-01) are skipped.
      ``creation_time_source`` names the tag used.
    * ``location``: ISO 6709 from ``com.apple.quicktime.location.ISO6709``, ``location``,
      ``location-eng`` or ``©xyz``, format tags first.
    * ``make``/``model``: Apple ``com.apple.quicktime.*`` keys, plain ``make``/``model``,
      Android ``com.android.manufacturer``/``com.android.model``.
    * ``software``: the device's software: ``com.apple.quicktime.software``, or
      ``com.android.version`` as ``Android <version>``; only when neither exists, the
      plain ``software`` tag.
    * ``encoder``: the program that wrote the file: format ``encoder``, else a stream's
      ``encoder`` (video streams first), else the plain ``software`` tag.  ffmpeg reports
      an AVI's RIFF ``ISFT`` chunk as ``software``, and it names the muxing program
      (MEncoder, VirtualDubMod, Lavf), so in an AVI without device tags that program
      appears both as ``encoder`` and as ``software``.
    * ``handlers``: distinct stream ``handler_name`` values in stream order.
    """
    meta = Metadata()
    meta.tags.update({f"format:{k}": str(v) for k, v in format_tags.items()})
    for index, (_, tags) in enumerate(stream_tags):
        meta.tags.update({f"stream{index}:{k}": str(v) for k, v in tags.items()})

    fmt = _scope("format", format_tags)
    streams = [_scope(f"stream{i}", tags) for i, (_, tags) in enumerate(stream_tags)]
    video = [s for s, (kind, _) in zip(streams, stream_tags) if kind == "video"]
    others = [s for s, (kind, _) in zip(streams, stream_tags) if kind != "video"]

    candidates = [*_find([fmt], _CREATION_KEYS_FORMAT), *_find(video, ["creation_time"])]
    for source, value in candidates:
        dt = parse_timestamp(value)
        if dt is not None:
            _set_creation_time(meta, dt, source)
            break

    for _, value in _find([fmt, *streams], _LOCATION_KEYS):
        meta.location = parse_iso6709(value)
        if meta.location:
            break

    everywhere = [fmt, *streams]
    meta.make = _first(everywhere, _MAKE_KEYS)
    meta.model = _first(everywhere, _MODEL_KEYS)
    android = _first(everywhere, ["com.android.version"])
    meta.software = (_first(everywhere, ["com.apple.quicktime.software"])
                     or (f"Android {android}" if android else None)
                     or _first(everywhere, ["software"]))
    meta.encoder = (_first([fmt], ["encoder"]) or _first([*video, *others], ["encoder"])
                    or _first([fmt], ["software"]))

    for _, value in _find(streams, ["handler_name"]):
        if value not in meta.handlers:
            meta.handlers.append(value)
    return meta


# --- still images --------------------------------------------------------------------

_MAX_TAG_CHARS = 500
_BLOB_TYPES = (FieldType.UNDEFINED, FieldType.BYTE, FieldType.PROPRIETARY)
_MAX_BLOB_VALUES = 64  # longer byte arrays (XMP packets, print settings) are not kept


def _exif_tags(raw: dict[str, Any]) -> dict[str, str]:
    """Readable EXIF tags keyed by tag name without exifread's IFD prefix.

    ``Image Make`` becomes ``Make``, ``EXIF DateTimeOriginal`` ``DateTimeOriginal``,
    ``GPS GPSLatitude`` ``GPSLatitude`` (the names ExifTool users know); when two IFDs
    hold the same name, the later one keeps its full exifread name.  Thumbnails,
    MakerNotes and long binary values are skipped.
    """
    out: dict[str, str] = {}
    for name, tag in raw.items():
        if name.startswith(("Thumbnail ", "MakerNote ", "JPEGThumbnail", "TIFFThumbnail")):
            continue
        if not hasattr(tag, "printable") or name == "EXIF MakerNote":
            continue
        values = tag.values
        if isinstance(values, (bytes, bytearray)) or (
                tag.field_type in _BLOB_TYPES and isinstance(values, (list, tuple))
                and len(values) > _MAX_BLOB_VALUES):
            continue
        text = str(tag).strip().strip("\x00").strip()[:_MAX_TAG_CHARS]
        short = name.split(" ", 1)[-1]
        out[name if short in out else short] = text
    return out


def _gps_angle(tag: Any, ref: Any, negative_ref: str) -> float:
    d, m, s = (float(v) for v in (list(tag.values) + [0, 0])[:3])
    value = d + m / 60 + s / 3600
    return -value if str(ref).strip().upper().startswith(negative_ref) else value


def _exif_location(raw: dict[str, Any]) -> Location | None:
    """Decimal degrees from the GPS IFD; None when missing, 0/0 ratios or out of range."""
    try:
        lat = _gps_angle(raw["GPS GPSLatitude"], raw.get("GPS GPSLatitudeRef", "N"), "S")
        lon = _gps_angle(raw["GPS GPSLongitude"], raw.get("GPS GPSLongitudeRef", "E"), "W")
    except (KeyError, ArithmeticError, TypeError, ValueError, AttributeError):
        return None
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    alt = None
    try:
        alt = float(raw["GPS GPSAltitude"].values[0])
        ref = raw.get("GPS GPSAltitudeRef")
        if ref is not None and list(ref.values)[:1] == [1]:  # 1 = below sea level
            alt = -alt
    except (KeyError, IndexError, ArithmeticError, TypeError, ValueError, AttributeError):
        alt = None
    return Location(round(lat, 7), round(lon, 7), alt)


def image_metadata(path: str) -> Metadata:
    """Read the EXIF of a still image.

    Every readable tag goes into ``tags`` as ``exif:<name>`` (see :func:`_exif_tags`),
    values as exifread prints them, capped at 500 characters.  ``creation_time`` comes
    from ``DateTimeOriginal`` with ``OffsetTimeOriginal`` (else ``DateTimeDigitized``
    with ``OffsetTimeDigitized``); ``DateTime`` is the last-modified time and is not used.
    Without an offset the wall time is kept in ``creation_time_local`` and written to
    ``creation_time`` with ``Z``, and ``creation_time_source`` ends in
    ``(no time zone)``.  Garbled or missing EXIF never raises: whatever could be read is
    returned (an unreadable *path* still raises ``OSError``).
    """
    meta = Metadata()
    with open(path, "rb") as fh:
        try:
            raw = exifread.process_file(fh, details=False, extract_thumbnail=False)
        except Exception:  # exifread raises many kinds of errors on corrupt files
            return meta
    tags = _exif_tags(raw)
    meta.tags.update({f"exif:{k}": v for k, v in tags.items()})

    for stamp, offset in (("DateTimeOriginal", "OffsetTimeOriginal"),
                          ("DateTimeDigitized", "OffsetTimeDigitized")):
        if not tags.get(stamp):
            continue
        zone = tags.get(offset, "")
        dt = parse_timestamp(f"{tags[stamp]}{zone}") if zone else None
        if dt is not None:
            _set_creation_time(meta, dt, f"exif:{stamp} + exif:{offset}")
            break
        dt = parse_timestamp(tags[stamp])
        if dt is not None:
            _set_creation_time(meta, dt, f"exif:{stamp}")
            break

    meta.location = _exif_location(raw)
    meta.make = tags.get("Make") or None
    meta.model = tags.get("Model") or None
    meta.software = tags.get("Software") or None
    return meta
