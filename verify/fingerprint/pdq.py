"""PDQ hashes of small grey pictures, packed as 32 bytes, with the mirrored hash from the same DCT.

Every picture is first shrunk (area average) to PDQ's own 64 x 64 working size, so a crop of a
thumbnail and a full-size frame are hashed the same way on both sides.  ``pdqhash.compute_dihedral``
returns the eight dihedral hashes of one DCT; index 5 is the left-right mirror.
"""

from __future__ import annotations

import cv2
import numpy as np

HASH_BYTES = 32  # 256 bits
QUALITY_MIN = 50  # PDQ's own advice: hashes of lower quality (flat, featureless frames) are not matched
_MIRROR = 5  # position of the horizontal mirror in compute_dihedral's output
_SIDE = 64


def _prepare(gray: np.ndarray) -> np.ndarray:
    small = cv2.resize(gray, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.repeat(small[:, :, None], 3, axis=2))


def pdq(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """Packed PDQ hash (32 uint8) of a grey uint8 picture, and PDQ's quality (0-100)."""
    import pdqhash

    bits, quality = pdqhash.compute(_prepare(gray))
    return np.packbits(bits.astype(np.uint8)), int(quality)


def pdq_and_mirror(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Packed PDQ hashes of ``gray`` and of its left-right mirror image, and the quality."""
    import pdqhash

    hashes, quality = pdqhash.compute_dihedral(_prepare(gray))
    return (np.packbits(hashes[0].astype(np.uint8)), np.packbits(hashes[_MIRROR].astype(np.uint8)),
            int(quality))


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bit distances between packed hashes (broadcasting over leading axes)."""
    return _POPCOUNT[np.bitwise_xor(a, b)].sum(axis=-1, dtype=np.int32)
