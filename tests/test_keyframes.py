"""Keyframes: one per shot, inside it, sharp and typical; hashes; full-size JPEGs with --keyframes."""

from __future__ import annotations

import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from conftest import FIXTURES, analysed, truth
from verify.hashing import hamming_hex, pdq_hex, phash_hex
from verify.pipeline import Options, analyse


def _frames(name: str) -> list[np.ndarray]:
    with av.open(str(FIXTURES / name)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


def test_each_shot_has_a_keyframe_inside_it_away_from_transitions():
    report = analysed("cuts.mp4").report
    boundaries = truth()["cuts.mp4"]["boundaries"]
    for shot in report.shots:
        assert shot.start_s <= shot.keyframe_s < shot.end_s, shot
        frame = round(shot.keyframe_s * 25)
        for b in boundaries:
            if b["type"] in ("dissolve", "fade") and shot.end_s - shot.start_s > 2:
                assert not (b["start_frame"] <= frame <= b["end_frame"]), (shot.index, frame, b)


def test_keyframe_is_sharp_for_its_shot():
    """The chosen frame is sharper than most frames of its shot (not the first blurry frame)."""
    frames = _frames("ministry.mp4")
    sharp = np.array([cv2.Laplacian(f, cv2.CV_32F).var() for f in frames])
    for shot in analysed("ministry.mp4").report.shots:
        k = round(shot.keyframe_s * 25)
        in_shot = sharp[shot.start_frame:shot.end_frame]
        assert sharp[k] >= np.percentile(in_shot, 50), (shot.index, sharp[k], np.percentile(in_shot, 50))


def test_hash_formats_and_quality():
    for shot in analysed("ministry.mp4").report.shots:
        assert re.fullmatch(r"[0-9a-f]{16}", shot.phash)
        assert re.fullmatch(r"[0-9a-f]{64}", shot.pdq)
        assert 0 <= shot.pdq_quality <= 100
    qualities = [s.pdq_quality for s in analysed("ministry.mp4").report.shots]
    assert max(qualities) >= 50  # real, textured footage


def test_phash_is_imagehash_phash_on_real_frames():
    """verify computes pHash without SciPy; on real frames (and flat ones) it is imagehash's hash."""
    import imagehash
    from PIL import Image

    pictures = []
    for name in ("scenes.mp4", "cup.mp4", "drive.mp4"):
        with av.open(str(FIXTURES / name)) as c:
            for i, frame in enumerate(c.decode(video=0)):
                if i % 9 == 0:
                    rgb = frame.to_ndarray(format="rgb24")
                    pictures += [rgb, rgb[::-1, ::3], cv2.GaussianBlur(rgb, (9, 9), 3)]
    pictures += [np.full((90, 160, 3), v, np.uint8) for v in (0, 16, 128, 255)]
    assert len(pictures) > 300
    for rgb in pictures:
        assert phash_hex(rgb) == str(imagehash.phash(Image.fromarray(rgb)))


def test_shots_of_different_scenes_hash_far_apart():
    shots = analysed("ministry.mp4").report.shots
    assert hamming_hex(shots[0].pdq, shots[1].pdq) > 60
    assert hamming_hex(shots[1].pdq, shots[2].pdq) > 60


def test_pdq_hex_is_the_bit_string_threatexchange_prints():
    """ThreatExchange turns pdqhash's bit vector into hex as int(''.join(bits), 2): so do we."""
    import pdqhash

    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (64, 1))
    rgb = np.dstack([ramp, ramp[::-1], ramp.T])
    bits, quality = pdqhash.compute(rgb)
    h, q = pdq_hex(rgb)
    assert h == f"{int(''.join(str(int(b)) for b in bits), 2):064x}" and q == quality
    assert h != pdq_hex(rgb[:, ::-1].copy())[0]


def test_keyframes_written_full_size_and_named(tmp_path):
    out = tmp_path / "kf"
    report = analyse(FIXTURES / "ministry.mp4", Options(keyframes_dir=out)).report
    files = sorted(out.iterdir())
    assert len(files) == len(report.shots) == 3
    for shot in report.shots:
        assert shot.keyframe is not None
        name = f"ministry-shot-{shot.index:03d}-{shot.keyframe_s:.2f}s.jpg"
        assert shot.keyframe.endswith(name)
        img = cv2.imread(str(out / Path(shot.keyframe).name))  # reports keep paths relative
        assert img.shape[:2] == (360, 640)
        # the full-size JPEG is the frame that was hashed
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        assert hamming_hex(pdq_hex(cv2.resize(rgb, (384, 216), interpolation=cv2.INTER_AREA))[0], shot.pdq) <= 40


def test_rotated_clip_keyframe_is_upright_portrait(tmp_path):
    report = analyse(FIXTURES / "rotated.mp4", Options(keyframes_dir=tmp_path)).report
    img = cv2.imread(str(tmp_path / Path(report.shots[0].keyframe).name))
    assert img.shape[:2] == (640, 480)


def test_still_image_has_one_shot_with_hashes(tmp_path):
    report = analyse(FIXTURES / "photo.jpg", Options(keyframes_dir=tmp_path)).report
    assert report.media.kind == "image"
    assert len(report.shots) == 1 and report.shots[0].pdq
    assert cv2.imread(str(tmp_path / Path(report.shots[0].keyframe).name)).shape[:2] == (563, 751)


@pytest.mark.parametrize("name", ["x/../../evil name!.mp4", "..mp4", "ü€.mov", "дом.jpg", "a\u202egpj.exe.mp4",
                                  "con:nul|?.mp4", "東京" * 80 + ".mp4"])
def test_keyframe_names_cannot_leave_the_folder(name):
    from verify.export import keyframe_name
    from verify.names import clip_stem

    stem = clip_stem(name)
    assert stem and not stem.startswith(".") and "/" not in stem and "\\" not in stem and ".." not in stem
    assert not any(c in stem for c in '<>:"|?*\u202e') and len(stem.encode()) <= 120
    assert "/" not in keyframe_name(stem, 1, 2.0)
