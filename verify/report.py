"""The typed report model: the single contract between analysis and renderers.

Analyzers fill a :class:`Report`; renderers (terminal, JSON, later HTML) only read it.
``Report.to_dict()`` produces the JSON contract documented in README.md.  When a key
changes meaning or disappears, bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "1.6"  # 1.3: times count from the file's start as FFmpeg shows them (were from the first frame);
# 1.4: reused findings' evidence, window and ref.kind; 1.5: reference_search.outdated;
# 1.6: a shot's transition can be "wipe"

Severity = Literal["info", "warning", "critical"]
SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}

# Every flag code a report can carry, with what it means in a few words.  `--fail-on` accepts only
# these codes and the severities above; a test checks that every `add_flag` in the code is listed
# here and that README's flag table lists each of them.
FLAG_CODES: dict[str, str] = {
    "reencoded": "re-encoded copy, not the camera original",
    "no_creation_time": "no usable creation time in the metadata",
    "creation_time_conflict": "metadata date more than a day away from --claimed-date",
    "creation_time_matches": "metadata date within a day of --claimed-date",
    "gps_present": "the file carries a location",
    "platform_hint": "tags show a device, app or platform",
    "metadata_stripped": "nothing but structural tags are left",
    "decode_errors": "damaged or truncated stream",
    "reused_footage": "a span of the clip is known footage",
    "repeated_footage": "the same span is shown twice inside the clip",
    "street_from_vehicle": "street footage filmed while travelling",
    "analysis_limited": "--max-duration, --max-frames or --timeout stopped the analysis early",
    "c2pa_ai_generated": "the file (Content Credentials, XMP or generator tags) says a generator made it",
    "c2pa_invalid": "Content Credentials no longer match the file: changed after signing",
    "c2pa_present": "the file carries (or points to) Content Credentials",
    "c2pa_time_conflict": "the Content Credentials' date conflicts with --claimed-date or the creation time",
    "uploaded_before_claimed": "the platform says the clip was online before --claimed-date",
    "platform_reencode": "fetched from a platform that re-encodes uploads",
}


@dataclass
class FileInfo:
    path: str
    sha256: str
    size_bytes: int


@dataclass
class MediaInfo:
    container: str | None = None
    duration_s: float | None = None
    width: int | None = None  # as displayed: rotation and sample aspect ratio applied
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    rotation: int = 0  # degrees clockwise the stored picture is turned for display
    kind: Literal["video", "image"] = "video"
    coded_width: int | None = None
    coded_height: int | None = None
    frame_count: int | None = None  # frames the pass decoded (every frame)
    decoded_duration_s: float | None = None  # how far the stream actually decoded
    pixel_format: str | None = None
    bit_rate: int | None = None
    audio_channels: int | None = None
    audio_sample_rate: int | None = None


@dataclass
class Location:
    lat: float
    lon: float
    alt: float | None = None


@dataclass
class Metadata:
    creation_time: str | None = None  # ISO 8601, UTC, "Z" suffix
    creation_time_source: str | None = None  # which tag it came from
    creation_time_local: str | None = None  # as recorded, with its UTC offset when known
    location: Location | None = None
    make: str | None = None
    model: str | None = None
    software: str | None = None
    encoder: str | None = None
    handlers: list[str] = field(default_factory=list)
    tags: dict[str, Any] = field(default_factory=dict)  # every raw tag, "format:key" / "stream0:key" / "exif:key"


@dataclass
class Flag:
    code: str
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Shot:
    index: int
    start_s: float
    end_s: float
    keyframe_s: float
    keyframe: str | None = None  # path of the JPEG written with --keyframes
    phash: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    start_frame: int | None = None
    end_frame: int | None = None  # exclusive
    transition: str = "start"  # how this shot begins: start | cut | dissolve | wipe | fade


@dataclass
class Scenes:
    street_seconds: float | None = None  # None: scenes were not analysed (stills, --no-scenes)
    indoor_seconds: float | None = None
    outdoor_seconds: float | None = None
    unknown_seconds: float | None = None  # neither: graphics, black frames, or no label sure enough
    segments: list[dict[str, Any]] = field(default_factory=list)  # {label, start_s, end_s, confidence, motion}
    model: str | None = None  # which scene model labelled the frames


@dataclass
class Provenance:
    """Where the file says it comes from, beyond its tags (verify.provenance)."""

    c2pa: dict[str, Any] | None = None  # Content Credentials; None: the file carries no manifest
    ai_markers: list[dict[str, Any]] = field(default_factory=list)  # {source, value, generator, meaning}


@dataclass
class Report:
    file: FileInfo
    media: MediaInfo
    metadata: Metadata = field(default_factory=Metadata)
    provenance: Provenance = field(default_factory=Provenance)
    source: dict[str, Any] | None = None  # where a URL argument was fetched from (verify.provenance.source)
    flags: list[Flag] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    scenes: Scenes = field(default_factory=Scenes)
    reused: list[dict[str, Any]] = field(default_factory=list)
    reference_search: dict[str, Any] = field(
        default_factory=lambda: {"searched": False, "note": "no reference set was searched"}
    )
    analysis: dict[str, Any] = field(default_factory=dict)  # timings, versions, claimed date
    tool: dict[str, str] = field(default_factory=dict)

    def add_flag(self, code: str, severity: Severity, message: str, **evidence: Any) -> None:
        self.flags.append(Flag(code, severity, message, evidence))

    def flag_codes(self) -> set[str]:
        return {f.code for f in self.flags}

    def to_dict(self) -> dict[str, Any]:
        from . import __version__

        d = asdict(self)
        d["tool"] = self.tool or {"name": "verify", "version": __version__}
        d["flags"] = sorted(d["flags"], key=lambda f: -SEVERITY_ORDER[f["severity"]])
        ordered = {"schema_version": SCHEMA_VERSION}
        for key in ("tool", "file", "source", "media", "metadata", "provenance", "flags", "shots", "scenes", "reused",
                    "reference_search", "analysis"):
            ordered[key] = d[key]
        return ordered
