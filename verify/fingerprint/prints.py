"""Fingerprints of a clip and of known footage, from their sampled grey thumbnails.

*Clip side* (the footage being checked): for every sample, a PDQ hash of each candidate live area
(full frame; without bars; without bars and static banners, see ``live_area.py``; each window found
inside the frame, see ``windows.py``) and of its mirror image.  *Reference side* (known footage): bars are cut off, then every sample is hashed under a grid
of crops (``REF_CROPS``: full frame plus crops keeping 93, 86 and 80 % of the picture at several
positions, and the centre crops between 4:3 and 16:9), because PDQ does not survive a crop but does survive the rest (scaling, re-encoding,
colour, noise, blur, small logos).  A crop of the clip then lands near one of these crops.
Hashes below PDQ's quality gate (black, flat or featureless frames) are left out on both sides.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from .live_area import FULL, MAX_STATS_SAMPLES, Box, live_areas
from .pdq import HASH_BYTES, QUALITY_MIN, pdq, pdq_and_mirror
from .sampling import Samples
from .windows import CALM_LEVEL, MAX_WINDOWS, still_around, windows


def _crop_grid(scales: tuple[float, ...], step: float) -> list[Box]:
    boxes: list[Box] = []
    for sx in scales:
        for sy in scales:
            nx = int(round((1 - sx) / step)) + 1
            ny = int(round((1 - sy) / step)) + 1
            for x0 in np.linspace(0.0, 1.0 - sx, nx):
                for y0 in np.linspace(0.0, 1.0 - sy, ny):
                    boxes.append(Box(round(float(x0), 4), round(float(y0), 4),
                                     round(float(x0) + sx, 4), round(float(y0) + sy, 4)))
    return boxes


#: index 0 is the full frame.  Crops keep 93, 86 or 80 % of the width and the same share of the
#: height, or of one dimension only, on a 7 % grid of positions; the last two are the centre crops
#: that turn 4:3 into 16:9 and back.  (Measured on real footage: with 8 samples a second, every
#: crop up to 20 % then lands within 50 bits of one of them; without the 80 % crops, a 20 % crop
#: is lost.)
REF_CROPS: list[Box] = [b for b in _crop_grid((1.0, 0.93, 0.86, 0.8), 0.07)
                        if abs(b.width - b.height) < 1e-3 or b.width == 1.0 or b.height == 1.0] + [
    Box(0.0, 0.125, 1.0, 0.875), Box(0.125, 0.0, 0.875, 1.0)]

#: Photos (still references) are also hashed under the crops a clip panning and zooming over them
#: shows ("Ken Burns"): for each frame shape a clip is likely to have (16:9, 4:3, 1:1, 9:16), the
#: largest crop of that shape and that crop zoomed 1.12x, 1.25x ... 2x, each at positions on a grid
#: of 8 % of the crop's size.  ~1,000 hashes a photo (a video reference has ~50 a sample, 400 a
#: second).  Their variant numbers follow ``REF_CROPS``'s.
PHOTO_ASPECTS = (16 / 9, 4 / 3, 9 / 16)
PHOTO_ZOOMS = (1.0, 1.12, 1.25, 1.41, 1.58, 1.78, 2.0)
PHOTO_STEP = 0.12


def photo_crops(aspect: float) -> list[Box]:
    """The Ken Burns crops of a photo whose width/height is ``aspect`` (fractions of the photo)."""
    boxes: list[Box] = []
    for a in PHOTO_ASPECTS:
        w0, h0 = (1.0, aspect / a) if a >= aspect else (a / aspect, 1.0)
        for z in PHOTO_ZOOMS:
            w, h = w0 / z, h0 / z
            nx = int(np.ceil((1 - w) / (PHOTO_STEP * w) - 1e-9)) + 1
            ny = int(np.ceil((1 - h) / (PHOTO_STEP * h) - 1e-9)) + 1
            for x0 in np.linspace(0.0, 1.0 - w, nx):
                for y0 in np.linspace(0.0, 1.0 - h, ny):
                    boxes.append(Box(round(float(x0), 4), round(float(y0), 4),
                                     round(float(x0) + w, 4), round(float(y0) + h, 4)))
    return boxes


#: How a reference of each kind is fingerprinted, as a version the index stores with every reference
#: (``refs.recipe``): a reference stored with an older version than its kind's is *outdated*, still
#: searched as it is, but missing what the newer recipe finds; ``verify index add --refresh``
#: fingerprints it again.  Bump the kind's number when its reference prints change.
#:   video 1: ``REF_CROPS`` of 8 samples a second.
#:   image 1: ``REF_CROPS`` only; image 2: also ``photo_crops`` (a photo shown with a pan or zoom).
RECIPE_VERSION = {"video": 1, "image": 2}


def recipe_of(kind: str, variants: np.ndarray) -> int:
    """The recipe version stored prints of a reference of ``kind`` were made with, read from their
    variant numbers (for an index from before the version was stored): a photo with a variant past
    ``REF_CROPS`` has pan-and-zoom crops."""
    if kind == "image" and len(variants) and int(np.max(variants)) >= len(REF_CROPS):
        return 2
    return 1


#: clip-side live areas cut from the frame's edges (``live_area.py``), tightest last
EDGE_AREAS = ("full", "bars", "overlay", "uniform")
#: clip-side variants: live area name, in the order their index is stored; ``window1``... are the
#: windows inside the frame (picture-in-picture, split screen, vertical fill: ``windows.py``)
AREAS = EDGE_AREAS + tuple(f"window{i + 1}" for i in range(MAX_WINDOWS))


@dataclass
class Prints:
    """Hashes with, for each, the sample it came from and which variant (area/mirror, or crop) it is."""

    hashes: np.ndarray  # (m, 32) uint8, packed PDQ bits
    sample: np.ndarray  # (m,) int32
    variant: np.ndarray  # (m,) int16
    quality: np.ndarray  # (m,) uint8

    @staticmethod
    def empty() -> Prints:
        return Prints(np.zeros((0, HASH_BYTES), np.uint8), np.zeros(0, np.int32), np.zeros(0, np.int16),
                      np.zeros(0, np.uint8))

    def __len__(self) -> int:
        return len(self.sample)


class _Packer:
    """Collects (hash, sample, variant, quality) rows into growing numpy arrays: a two-hour clip's
    ~170,000 hashes take 7 MB this way, not the ~40 MB of a list of small Python objects."""

    def __init__(self) -> None:
        self.n = 0
        self.hashes = np.zeros((1024, HASH_BYTES), np.uint8)
        self.meta = np.zeros((1024, 3), np.int32)

    def add(self, h: np.ndarray, sample: int, variant: int, quality: int) -> None:
        if self.n == len(self.meta):
            self.hashes = np.concatenate([self.hashes, np.zeros_like(self.hashes)])
            self.meta = np.concatenate([self.meta, np.zeros_like(self.meta)])
        self.hashes[self.n] = h
        self.meta[self.n] = (sample, variant, quality)
        self.n += 1

    def prints(self) -> Prints:
        m = self.meta[:self.n]
        return Prints(self.hashes[:self.n].copy(), m[:, 0].astype(np.int32), m[:, 1].astype(np.int16),
                      m[:, 2].astype(np.uint8))


def inside(outer: Box, inner: Box) -> Box:
    """``inner`` (fractions of ``outer``) as fractions of the whole picture."""
    return Box(outer.x0 + inner.x0 * outer.width, outer.y0 + inner.y0 * outer.height,
               outer.x0 + inner.x1 * outer.width, outer.y0 + inner.y1 * outer.height)


def _same(a: Box, b: Box, tol: float = 0.03) -> bool:
    return max(abs(a.x0 - b.x0), abs(a.y0 - b.y0), abs(a.x1 - b.x1), abs(a.y1 - b.y1)) <= tol


@dataclass
class ClipPrints:
    """The clip's fingerprints: ``variant = 2 * area index + mirrored``."""

    samples: Samples
    areas: dict[str, Box]
    prints: Prints
    framed: frozenset[str] = frozenset()  # windows whose surroundings do not change: bars and banners
    calm: frozenset[str] = frozenset()  # windows with no other footage moving around them (framed, or flickering bars)

    @staticmethod
    def variant_of(code: int) -> tuple[str, bool]:
        return AREAS[code // 2], bool(code % 2)


class FullHashes:
    """Per sample, in order: ``pdq_and_mirror`` of the whole thumbnail, packed (66 bytes a sample)."""

    def __init__(self) -> None:
        self._plain = bytearray()
        self._mirror = bytearray()
        self._quality = array("h")

    def add(self, plain: np.ndarray, mirror: np.ndarray, quality: int) -> None:
        self._plain += plain.tobytes()
        self._mirror += mirror.tobytes()
        self._quality.append(quality)

    def __len__(self) -> int:
        return len(self._quality)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray, int]:
        at = i * HASH_BYTES
        return (np.frombuffer(self._plain, np.uint8, HASH_BYTES, at),
                np.frombuffer(self._mirror, np.uint8, HASH_BYTES, at), int(self._quality[i]))


def clip_prints(samples: Samples, full: FullHashes | None = None) -> ClipPrints:
    """The clip's fingerprints: every sample hashed (plain and mirrored) in each live area found.

    ``full``: the whole-picture hashes of the samples when already made during the decode pass
    (``verify/analyzers/fingerprints.py``), so only the cut-down areas are hashed here."""
    spread = samples.spread(MAX_STATS_SAMPLES)
    areas = live_areas(spread) if len(spread) else {"full": FULL}
    framed: set[str] = set()
    calm: set[str] = set()
    if len(spread):
        known = list(areas.values())
        for i, box in enumerate(b for b in windows(spread) if all(not _same(b, k) for k in known)):
            areas[f"window{i + 1}"] = box
            if still_around(spread, box):
                framed.add(f"window{i + 1}")
            if still_around(spread, box, CALM_LEVEL):
                calm.add(f"window{i + 1}")
    del spread
    rows = _Packer()
    for i, thumb in enumerate(samples.thumbs):
        for a, name in enumerate(AREAS):
            box = areas.get(name)
            if box is None:
                continue
            if name == "full" and box == FULL and full is not None and i < len(full):
                plain, mirror, quality = full[i]
            else:
                plain, mirror, quality = pdq_and_mirror(box.cut(thumb))
            if quality < QUALITY_MIN:
                continue
            rows.add(plain, i, 2 * a, quality)
            rows.add(mirror, i, 2 * a + 1, quality)
    return ClipPrints(samples, areas, rows.prints(), frozenset(framed), frozenset(calm))


@dataclass
class RefPrints:
    """Known footage's fingerprints: ``variant`` indexes ``REF_CROPS`` inside ``area`` (bars cut off),
    for a photo ``REF_CROPS + photo_crops(its aspect)``."""

    samples: Samples
    area: Box
    prints: Prints


def reference_prints(samples: Samples) -> RefPrints:
    spread = samples.spread(MAX_STATS_SAMPLES)
    area = live_areas(spread).get("bars", FULL) if len(spread) else FULL
    del spread
    rows = _Packer()
    crops = REF_CROPS
    if samples.kind == "image" and len(samples.thumbs):
        h, w = area.cut(samples.thumbs[0]).shape
        crops = REF_CROPS + photo_crops(w / h)
    for i, thumb in enumerate(samples.thumbs):
        live = area.cut(thumb)
        for c, crop in enumerate(crops):
            h, quality = pdq(crop.cut(live))
            if quality < QUALITY_MIN:
                if c == 0:
                    break  # a flat frame: none of its crops is worth keeping
                continue
            rows.add(h, i, c, quality)
    return RefPrints(samples, area, rows.prints())
