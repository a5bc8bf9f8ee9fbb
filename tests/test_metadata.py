"""Metadata normalisation (verify.metadata) and the flags drawn from it (verify.flags)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import av
import pytest
from PIL import Image

from verify.flags import describe_gap, metadata_flags
from verify.metadata import (image_metadata, is_zero_date, parse_iso6709, parse_timestamp,
                             video_metadata)
from verify.report import FileInfo, Location, MediaInfo, Metadata, Report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CUP = FIXTURES / "cup.mp4"
MINISTRY = FIXTURES / "ministry.mp4"
PHOTO = FIXTURES / "photo.jpg"


def probe(path: Path) -> Metadata:
    """Tags read with PyAV, as the analyzer does."""
    with av.open(str(path)) as c:
        return video_metadata(dict(c.metadata), [(s.type, dict(s.metadata)) for s in c.streams])


def flagged(meta: Metadata, claimed: date | None = None, kind: str = "video") -> Report:
    report = Report(FileInfo("x", "0", 0), MediaInfo(kind=kind), meta)
    metadata_flags(report, claimed)
    return report


def only(report: Report, code: str):
    found = [f for f in report.flags if f.code == code]
    assert len(found) == 1, [f.code for f in report.flags]
    return found[0]


# --- real files ----------------------------------------------------------------------

def test_cup_apple_phone_clip():
    meta = probe(CUP)
    assert meta.creation_time == "2017-09-01T02:23:48Z"
    assert meta.creation_time_source == "format:creation_time"
    assert meta.creation_time_local is None
    assert meta.handlers == ["Core Media Audio", "Core Media Video"]
    assert meta.encoder is None and meta.location is None
    assert meta.tags["format:major_brand"] == "mp42"
    assert meta.tags["stream1:handler_name"] == "Core Media Video"

    report = flagged(meta)
    assert report.flag_codes() == {"platform_hint"}
    hint = only(report, "platform_hint")
    assert hint.severity == "info" and hint.evidence["platform"] == "Apple"
    assert hint.evidence["tags"] == {"stream0:handler_name": "Core Media Audio",
                                     "stream1:handler_name": "Core Media Video"}


def test_cup_against_claimed_dates():
    meta = probe(CUP)
    assert "creation_time_conflict" not in flagged(meta, date(2017, 9, 1)).flag_codes()
    assert "creation_time_conflict" not in flagged(meta, date(2017, 8, 31)).flag_codes()
    conflict = only(flagged(meta, date(2019, 3, 15)), "creation_time_conflict")
    assert conflict.severity == "critical"
    assert "2017-09-01, 1 year 6 months BEFORE the claimed 2019-03-15" in conflict.message
    assert conflict.evidence["tag"] == "format:creation_time"


def test_ministry_reencoded_iphone_clip():
    meta = probe(MINISTRY)
    assert meta.creation_time == "2020-10-11T19:40:00Z"
    assert meta.creation_time_source == "format:com.apple.quicktime.creationdate"
    assert meta.creation_time_local == "2020-10-11T22:40:00+03:00"
    assert meta.location == Location(39.52, 47.03, 0.0)
    assert (meta.make, meta.model, meta.software) == ("Apple", "iPhone 11", "14.2")
    assert meta.encoder is not None and meta.encoder.startswith("Lavf")

    report = flagged(meta, date(2023, 12, 20))
    codes = report.flag_codes()
    assert {"reencoded", "gps_present", "platform_hint", "creation_time_conflict"} <= codes
    assert "no_creation_time" not in codes and "metadata_stripped" not in codes
    reencoded = only(report, "reencoded")
    assert reencoded.evidence["tools"] == ["FFmpeg", "x264"]
    assert reencoded.evidence["tags"]["format:encoder"].startswith("Lavf")
    assert reencoded.evidence["tags"]["stream0:handler_name"] == "VideoHandler"
    assert "FFmpeg" in reencoded.message and "iPhone 11" in reencoded.message
    assert "39.52000, 47.03000" in only(report, "gps_present").message
    conflict = only(report, "creation_time_conflict")
    assert "2020-10-11, 3 years 2 months BEFORE the claimed 2023-12-20" in conflict.message
    assert any(f.evidence["platform"] == "Apple" for f in report.flags if f.code == "platform_hint")


def test_photo_exif():
    meta = image_metadata(str(PHOTO))
    assert meta.creation_time == "2019-05-04T08:11:12Z"
    assert meta.creation_time_local == "2019-05-04T10:11:12+02:00"
    assert meta.creation_time_source == "exif:DateTimeOriginal + exif:OffsetTimeOriginal"
    assert (meta.make, meta.model) == ("Canon", "Canon EOS 80D")
    assert meta.software == "Adobe Photoshop 21.0 (Windows)"
    assert meta.location is not None
    assert meta.location.lat == pytest.approx(50.8503, abs=1e-4)
    assert meta.location.lon == pytest.approx(4.3517, abs=1e-4)
    assert meta.tags["exif:Make"] == "Canon"

    report = flagged(meta, kind="image")
    reencoded = only(report, "reencoded")
    assert "Adobe Photoshop 21.0" in reencoded.message and "re-saved" in reencoded.message
    assert "gps_present" in report.flag_codes()
    assert "no_creation_time" not in report.flag_codes()
    assert "creation_time_matches" in flagged(meta, date(2019, 5, 4), "image").flag_codes()


# --- time stamps ---------------------------------------------------------------------

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2017-09-01T02:23:48.000000Z", datetime(2017, 9, 1, 2, 23, 48, tzinfo=UTC)),
    ("2020-10-11T22:40:00+0300",
     datetime(2020, 10, 11, 22, 40, tzinfo=timezone(timedelta(hours=3)))),
    ("2020-10-11T22:40:00+03:00",
     datetime(2020, 10, 11, 22, 40, tzinfo=timezone(timedelta(hours=3)))),
    ("2020-10-11T06:40:00-05:30",
     datetime(2020, 10, 11, 6, 40, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
    ("2020-10-11 22:40:00 +03", datetime(2020, 10, 11, 22, 40,
                                         tzinfo=timezone(timedelta(hours=3)))),
    ("2014-06-09 15:54:39", datetime(2014, 6, 9, 15, 54, 39)),
    ("2014:06:09 15:54:39", datetime(2014, 6, 9, 15, 54, 39)),
    ("2014:06:09 15:54:39\x00", datetime(2014, 6, 9, 15, 54, 39)),
    ("2014-06-09", datetime(2014, 6, 9)),
    ("2020-10-11T19:40:00.000000Z;2020-10-11T19:40:00Z",
     datetime(2020, 10, 11, 19, 40, tzinfo=UTC)),
    ("1904-01-01T00:00:00Z;2020-10-11T19:40:00Z", datetime(2020, 10, 11, 19, 40, tzinfo=UTC)),
    ("1904-01-01T00:00:00.000000Z", None),
    ("1904-01-01T00:00:07Z", None),
    ("1970-01-01T00:00:00.000000Z", None),
    ("1970-01-01 00:00:00", None),
    ("1969-12-31T19:00:00-0500", None),  # the Unix epoch written in local time
    ("0000:00:00 00:00:00", None),
    ("2020-13-01T00:00:00Z", None),
    ("2020-10-11T22:40:00+2500", None),
    ("yesterday", None),
    ("", None),
])
def test_parse_timestamp(text, expected):
    assert parse_timestamp(text) == expected
    if expected is not None and expected.tzinfo is not None:
        assert parse_timestamp(text).utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text, zero", [
    ("1904-01-01T00:00:00.000000Z", True),
    ("1970-01-01T00:00:00Z", True),
    ("2017-09-01T02:23:48Z", False),
    ("1904-01-01T00:00:00.000000Z;1904-01-01T00:00:00Z", True),
    ("1904-01-01T00:00:00Z;2017-09-01T02:23:48Z", False),
    ("not a date", False),
])
def test_is_zero_date(text, zero):
    assert is_zero_date(text) is zero


# --- ISO 6709 ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("+39.5200+047.0300+000.000/", Location(39.52, 47.03, 0.0)),
    ("+39.52+047.03/", Location(39.52, 47.03)),
    ("-33.8688+151.2093/", Location(-33.8688, 151.2093)),
    ("+40.7128-074.0060+010.5/", Location(40.7128, -74.006, 10.5)),
    ("+4807.038+01131.000/", Location(48.1173, 11.5166667)),
    ("+480702+0113100/", Location(48.1172222, 11.5166667)),
    ("+00.0000+000.0000/", Location(0.0, 0.0)),
    ("+39.5200+047.0300+000.000CRSWGS_84/", Location(39.52, 47.03, 0.0)),
    ("+39.5200+047.0300", Location(39.52, 47.03)),
    ("+95.0+047.0/", None),
    ("+39.5+190.0/", None),
    ("+4875.0+01131.0/", None),  # 75 minutes
    ("39.52,47.03", None),
    ("", None),
])
def test_parse_iso6709(text, expected):
    assert parse_iso6709(text) == expected


# --- video tags ----------------------------------------------------------------------

def test_apple_creationdate_wins_and_keeps_local_time():
    meta = video_metadata(
        {"creation_time": "2020-10-11T19:40:05.000000Z",
         "com.apple.quicktime.creationdate": "2020-10-11T22:40:00+0300"},
        [("video", {"creation_time": "2020-10-11T19:40:05.000000Z"})])
    assert meta.creation_time == "2020-10-11T19:40:00Z"
    assert meta.creation_time_local == "2020-10-11T22:40:00+03:00"
    assert meta.creation_time_source == "format:com.apple.quicktime.creationdate"


def test_zero_dates_fall_through_to_the_video_stream():
    meta = video_metadata(
        {"creation_time": "1904-01-01T00:00:00.000000Z"},
        [("audio", {"creation_time": "2011-01-01T00:00:00.000000Z"}),
         ("video", {"creation_time": "2012-03-04T05:06:07.000000Z"})])
    assert meta.creation_time == "2012-03-04T05:06:07Z"
    assert meta.creation_time_source == "stream1:creation_time"


def test_all_zero_dates_mean_no_creation_time():
    meta = video_metadata({"creation_time": "1970-01-01T00:00:00.000000Z",
                           "com.apple.quicktime.creationdate": "1904-01-01T00:00:00+0000"},
                          [("video", {"creation_time": "1904-01-01T00:00:00.000000Z"})])
    assert meta.creation_time is None and meta.creation_time_source is None
    report = flagged(meta)
    flag = only(report, "no_creation_time")
    assert flag.severity == "warning" and "zero date" in flag.message
    assert set(flag.evidence["tags"]) == {"format:creation_time",
                                          "format:com.apple.quicktime.creationdate",
                                          "stream0:creation_time"}
    assert "metadata_stripped" in report.flag_codes()  # zero dates are no information


def test_date_without_zone_is_kept_as_wall_time():
    meta = video_metadata({"date": "2014:06:09 15:54:39"}, [])
    assert meta.creation_time == "2014-06-09T15:54:39Z"
    assert meta.creation_time_local == "2014-06-09T15:54:39"
    assert meta.creation_time_source == "format:date (no time zone)"


def test_android_tags():
    meta = video_metadata(
        {"major_brand": "mp42", "com.android.version": "12",
         "com.android.manufacturer": "samsung", "com.android.model": "SM-G991B",
         "location": "-33.8688+151.2093/", "location-eng": "-33.8688+151.2093/"},
        [("video", {"handler_name": "VideoHandle"}), ("audio", {"handler_name": "SoundHandle"})])
    assert (meta.make, meta.model, meta.software) == ("samsung", "SM-G991B", "Android 12")
    assert meta.location == Location(-33.8688, 151.2093)
    assert meta.handlers == ["VideoHandle", "SoundHandle"]
    report = flagged(meta)
    hint = only(report, "platform_hint")
    assert hint.evidence["platform"] == "Android"
    assert "stream0:handler_name" in hint.evidence["tags"]
    assert "reencoded" not in report.flag_codes()


@pytest.mark.parametrize("format_tags, stream_tags, encoder, software", [
    # real tags of /tmp/src development files: box.mp4, vtest.avi, tree.avi, Megamind.avi
    ({"encoder": "vlc 2.1.4 stream output"}, [("video", {"handler_name": "VideoHandler"})],
     "vlc 2.1.4 stream output", None),
    ({"software": "MEncoder 2:1.0~rc2-0ubuntu19"}, [("video", {})],
     "MEncoder 2:1.0~rc2-0ubuntu19", "MEncoder 2:1.0~rc2-0ubuntu19"),
    ({"software": "Lavf56.40.101"}, [("video", {})], "Lavf56.40.101", "Lavf56.40.101"),
    ({"software": "VirtualDubMod 1.5.10.2 (build 2542/release)"}, [("video", {}), ("audio", {})],
     "VirtualDubMod 1.5.10.2 (build 2542/release)", "VirtualDubMod 1.5.10.2 (build 2542/release)"),
    # stream encoder when the container has none; Matroska spells it ENCODER
    ({}, [("audio", {"ENCODER": "Lavc60.31.102 aac"}),
          ("video", {"ENCODER": "Lavc60.31.102 libx264"})],
     "Lavc60.31.102 libx264", None),
    # the device's software wins over the muxer's
    ({"com.apple.quicktime.software": "14.2", "encoder": "Lavf59.27.100"}, [],
     "Lavf59.27.100", "14.2"),
])
def test_encoder_and_software(format_tags, stream_tags, encoder, software):
    meta = video_metadata(format_tags, stream_tags)
    assert (meta.encoder, meta.software) == (encoder, software)


def test_every_tag_is_kept_with_its_scope():
    meta = video_metadata({"major_brand": "isom"},
                          [("video", {"language": "eng"}), ("audio", {"language": "fra"})])
    assert meta.tags == {"format:major_brand": "isom", "stream0:language": "eng",
                         "stream1:language": "fra"}


# --- flags ---------------------------------------------------------------------------

@pytest.mark.parametrize("format_tags, stream_tags, tools", [
    ({"encoder": "Lavf59.27.100"}, [], ["FFmpeg"]),
    ({}, [("video", {"encoder": "Lavc60.31.102 libx264"})], ["FFmpeg", "x264"]),
    ({"encoder": "HandBrake 1.6.1 2023012300"}, [], ["HandBrake"]),
    ({"encoder": "vlc 2.1.4 stream output"},
     [("audio", {"handler_name": "SoundHandler"}), ("video", {"handler_name": "VideoHandler"})],
     ["VLC"]),
    ({}, [("video", {"handler_name": "VideoHandler"})],
     ["FFmpeg or a similar muxer (generic handler names)"]),
    ({"software": "MEncoder 2:1.0~rc2-0ubuntu19"}, [], ["MEncoder"]),
    ({"software": "VirtualDubMod 1.5.10.2 (build 2542/release)"}, [], ["VirtualDub"]),
    ({"encoder": "Adobe Premiere Pro 2023.0 (Windows)"}, [], ["Adobe software"]),
    ({"comment": "vid:v0d004g10000", "encoder": "CapCut"}, [], ["CapCut"]),
])
def test_reencoded_names_the_tool(format_tags, stream_tags, tools):
    flag = only(flagged(video_metadata(format_tags, stream_tags)), "reencoded")
    assert flag.severity == "warning"
    assert flag.evidence["tools"] == tools
    assert all(tool in flag.message for tool in tools)


def test_camera_tags_are_not_reencoded():
    meta = video_metadata({"com.apple.quicktime.make": "Apple",
                           "com.apple.quicktime.software": "17.1.2"},
                          [("video", {"handler_name": "Core Media Video", "encoder": "H.264"})])
    assert "reencoded" not in flagged(meta).flag_codes()


@pytest.mark.parametrize("format_tags, stream_tags, platform", [
    ({}, [("video", {"handler_name": "Core Media Video"})], "Apple"),
    ({"com.android.version": "13"}, [], "Android"),
    ({}, [("video", {"handler_name": "ISO Media file produced by Google Inc."})],
     "Google/YouTube"),
    ({"comment": "vid:v0d004g10000cbl9ur3c77u9gjjt6vd0"}, [], "TikTok"),
    ({"description": "Shot with WhatsApp"}, [], "WhatsApp"),
    ({"encoder": "vlc 3.0.18 stream output"}, [], "VLC"),
    ({"encoder": "OBS Studio 29.1"}, [], "screen recorder"),
    ({}, [("video", {"handler_name": "GoPro AVC  "})], "GoPro"),
])
def test_platform_hints(format_tags, stream_tags, platform):
    report = flagged(video_metadata(format_tags, stream_tags))
    hints = [f for f in report.flags if f.code == "platform_hint"]
    assert [f.evidence["platform"] for f in hints] == [platform]
    assert hints[0].severity == "info" and hints[0].evidence["tags"]


def test_metadata_stripped():
    meta = video_metadata({"major_brand": "isom", "minor_version": "512",
                           "compatible_brands": "isomiso2avc1mp41", "encoder": "Lavf58.76.100"},
                          [("video", {"handler_name": "VideoHandler", "language": "und",
                                      "vendor_id": "[0][0][0][0]"})])
    codes = flagged(meta).flag_codes()
    assert {"metadata_stripped", "no_creation_time", "reencoded"} <= codes
    assert "metadata_stripped" not in flagged(probe(CUP)).flag_codes()


def test_gps_zero_zero_is_called_a_placeholder():
    meta = video_metadata({"location": "+00.0000+000.0000/"}, [])
    flag = only(flagged(meta), "gps_present")
    assert "placeholder" in flag.message and flag.evidence["lat"] == 0.0


def made_in_baku() -> Metadata:
    """Recorded 2020-10-11 22:40 local time, UTC+3."""
    return Metadata(creation_time="2020-10-11T19:40:00Z",
                    creation_time_source="format:com.apple.quicktime.creationdate",
                    creation_time_local="2020-10-11T22:40:00+03:00")


@pytest.mark.parametrize("claimed, code, words", [
    (date(2023, 12, 20), "creation_time_conflict",
     "2020-10-11, 3 years 2 months BEFORE the claimed 2023-12-20"),
    (date(2020, 9, 1), "creation_time_conflict",
     "2020-10-11, 1 month 10 days AFTER the claimed 2020-09-01"),
    (date(2020, 10, 9), "creation_time_conflict",
     "2020-10-11, 2 days AFTER the claimed 2020-10-09"),
    (date(2020, 10, 10), "creation_time_matches", "within a day"),
    (date(2020, 10, 11), "creation_time_matches", "within a day"),
    (date(2020, 10, 12), "creation_time_matches", "within a day"),
    (date(2020, 10, 13), "creation_time_conflict", "2 days BEFORE the claimed 2020-10-13"),
])
def test_claimed_date(claimed, code, words):
    flag = only(flagged(made_in_baku(), claimed), code)
    assert words in flag.message
    assert flag.severity == ("critical" if code == "creation_time_conflict" else "info")
    assert flag.evidence["claimed_date"] == claimed.isoformat()
    assert flag.evidence["tag"] == "format:com.apple.quicktime.creationdate"


def test_claimed_date_uses_the_local_day():
    # 23:30 in UTC-5 is already the next day in UTC: the local day is the one to compare.
    meta = video_metadata({"com.apple.quicktime.creationdate": "2021-03-01T23:30:00-0500"}, [])
    assert meta.creation_time == "2021-03-02T04:30:00Z"
    flag = only(flagged(meta, date(2021, 3, 3)), "creation_time_conflict")
    assert "2021-03-01, 2 days BEFORE" in flag.message


@pytest.mark.parametrize("earlier, later, text", [
    (date(2020, 10, 11), date(2023, 12, 20), "3 years 2 months"),
    (date(2020, 10, 11), date(2021, 10, 11), "1 year"),
    (date(2020, 1, 31), date(2020, 3, 1), "1 month 1 day"),
    (date(2020, 1, 31), date(2020, 2, 29), "29 days"),
    (date(2020, 5, 1), date(2020, 5, 3), "2 days"),
])
def test_describe_gap(earlier, later, text):
    assert describe_gap(earlier, later) == text


# --- still images --------------------------------------------------------------------

def test_image_without_offset_or_gps(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 8"
    exif.get_ifd(0x8769)[0x9003] = "2018:07:14 18:02:03"
    path = tmp_path / "noon.jpg"
    Image.new("RGB", (8, 8)).save(path, exif=exif.tobytes())
    meta = image_metadata(str(path))
    assert meta.creation_time == "2018-07-14T18:02:03Z"
    assert meta.creation_time_local == "2018-07-14T18:02:03"
    assert meta.creation_time_source == "exif:DateTimeOriginal (no time zone)"
    assert (meta.make, meta.model, meta.location) == ("Apple", "iPhone 8", None)
    report = flagged(meta, kind="image")
    assert only(report, "platform_hint").evidence["platform"] == "Apple"
    assert "reencoded" not in report.flag_codes()


def test_image_gps_south_west_and_below_sea_level(tmp_path):
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (33.0, 52.0, 7.68), 3: "W", 4: (70.0, 30.0, 0.0), 5: b"\x01", 6: 12.0})
    path = tmp_path / "gps.jpg"
    Image.new("RGB", (8, 8)).save(path, exif=exif.tobytes())
    meta = image_metadata(str(path))
    assert meta.location is not None
    assert meta.location.lat == pytest.approx(-33.8688, abs=1e-4)
    assert meta.location.lon == pytest.approx(-70.5, abs=1e-6)
    assert meta.location.alt == pytest.approx(-12.0)


def test_image_long_values_are_capped(tmp_path):
    exif = Image.Exif()
    exif[0x010E] = "x" * 2000  # ImageDescription
    path = tmp_path / "long.jpg"
    Image.new("RGB", (8, 8)).save(path, exif=exif.tobytes())
    assert len(image_metadata(str(path)).tags["exif:ImageDescription"]) == 500


@pytest.mark.parametrize("content", [
    b"",
    b"not an image at all",
    b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05" + b"\xff" * 40,
    b"\xff\xd8\xff\xe1\xff\xffExif\x00\x00II*\x00" + b"\x00\xff" * 30,
])
def test_garbled_exif_never_raises(tmp_path, content):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    meta = image_metadata(str(path))
    assert meta.creation_time is None and meta.location is None
    report = flagged(meta, kind="image")
    assert "no_creation_time" in report.flag_codes()


def test_image_without_exif_is_stripped(tmp_path):
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (8, 8)).save(path)
    meta = image_metadata(str(path))
    assert meta.tags == {}
    assert {"metadata_stripped", "no_creation_time"} <= flagged(meta, kind="image").flag_codes()
