"""Identity and media facts on real files."""

from __future__ import annotations

import hashlib

import pytest

from conftest import FIXTURES, analysed, truth


def test_identity_is_sha256_and_size():
    r = analysed("ministry.mp4").report
    data = (FIXTURES / "ministry.mp4").read_bytes()
    assert r.file.sha256 == hashlib.sha256(data).hexdigest()
    assert r.file.size_bytes == len(data)


def test_ministry_media_facts():
    m = analysed("ministry.mp4").report.media
    t = truth()["ministry.mp4"]
    assert m.container.startswith("mov,mp4")
    assert m.duration_s == pytest.approx(t["duration_s"], abs=0.05)
    assert (m.width, m.height, m.rotation) == (640, 360, 0)
    assert m.fps == pytest.approx(25.0)
    assert (m.video_codec, m.audio_codec) == ("h264", "aac")
    assert m.frame_count == t["frames"]


def test_rotation_from_the_display_matrix_gives_displayed_size():
    m = analysed("rotated.mp4").report.media
    t = truth()["rotated.mp4"]
    assert (m.width, m.height) == (t["display_width"], t["display_height"])
    assert (m.coded_width, m.coded_height) == (t["coded_width"], t["coded_height"])
    assert m.rotation == 270  # 90 degrees counter-clockwise = 270 clockwise
    assert m.audio_codec is None


def test_truncated_mp4_is_analysed_as_far_as_it_decodes():
    r = analysed("truncated.mp4").report
    t = truth()["truncated.mp4"]
    assert r.media.duration_s == pytest.approx(t["declared_duration_s"], abs=0.05)
    assert r.media.decoded_duration_s == pytest.approx(t["decodable_s"], abs=0.1)
    flag = next(f for f in r.flags if f.code == "decode_errors")
    assert flag.severity == "warning" and "12.6" in flag.message
    assert [s.start_frame for s in r.shots] == [0, 100]  # the cut before the damage is still found


def test_clean_clip_has_no_decode_errors():
    assert "decode_errors" not in analysed("ministry.mp4").report.flag_codes()


def test_still_media_and_exif():
    r = analysed("photo.jpg").report
    assert r.media.kind == "image" and (r.media.width, r.media.height) == (751, 563)
    assert r.metadata.make == "Canon" and r.metadata.creation_time == "2019-05-04T08:11:12Z"
    assert r.metadata.location.lat == pytest.approx(50.8503, abs=1e-4)


@pytest.mark.parametrize("pix_fmt", ["yuvj420p", "yuv420p"])
def test_colour_thumbnails_respect_full_and_video_range(tmp_path, pix_fmt):
    """Thumbnails from the fast YUV path look like FFmpeg's own conversion, whatever the range
    (phones and MJPEG sources store full-range "yuvj" pictures)."""
    import subprocess

    import av
    import imageio_ffmpeg
    import numpy as np

    from verify.decode import thumbnail

    clip = tmp_path / f"{pix_fmt}.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(FIXTURES / "cup.mp4"), "-t", "1",
                    "-an", "-vf", "scale=320:-2", "-pix_fmt", pix_fmt, "-c:v", "libx264", "-crf", "18",
                    str(clip)], check=True)
    with av.open(str(clip)) as c:
        frame = next(c.decode(video=0))
        assert frame.format.name == pix_fmt
        w, h = frame.width, frame.height
        ours = thumbnail(frame, 0, (w, h), long_side=w).astype(int)
        theirs = frame.reformat(format="rgb24").to_ndarray().astype(int)
    assert ours.shape == theirs.shape
    assert abs(ours.mean() - theirs.mean()) < 2.0  # no overall brightness shift
    assert abs(ours.std() - theirs.std()) < 2.0  # no contrast stretch
