"""Hashes: SHA-256 of files, and perceptual hashes of one picture: pHash (imagehash) and PDQ (pdqhash).

PDQ hex strings follow ThreatExchange's format (most significant 16-bit word first), so a
hash printed here can be looked up in PDQ hash lists shared by other tools.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


PHASH_SIZE = 8  # bits per side of pHash (64 bits)
_PHASH_IMG = PHASH_SIZE * 4  # imagehash's highfreq_factor 4: a 32 x 32 grey picture


def _dct_rows(n: int, k: int) -> np.ndarray:
    """The first ``k`` rows of SciPy's unnormalised DCT-II matrix for length ``n``."""
    j = np.arange(n)
    return 2.0 * np.cos(np.pi * np.arange(k)[:, None] * (2 * j[None, :] + 1) / (2 * n))


_DCT8 = _dct_rows(_PHASH_IMG, PHASH_SIZE)


def phash_hex(rgb: np.ndarray) -> str:
    """64-bit DCT pHash of an RGB uint8 image, as 16 hex digits: ``imagehash.phash``'s hash.

    The same recipe as imagehash (Pillow's grey conversion and Lanczos resize to 32 x 32, DCT-II of
    rows and columns, the 8 x 8 lowest frequencies against their median), with the DCT as a matrix
    product instead of ``scipy.fftpack`` (whose import alone costs 0.3 s of CPU per run).
    ``tests/test_keyframes.py`` checks the identity with imagehash on real frames.
    """
    import imagehash
    from PIL import Image

    grey = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).convert("L")
    pixels = np.asarray(grey.resize((_PHASH_IMG, _PHASH_IMG), Image.Resampling.LANCZOS), dtype=np.float64)
    # rounded so that the matrix product's float noise (1e-12) cannot flip a bit where the FFT gives
    # exact zeros (flat pictures, ramps)
    low = np.round(_DCT8 @ pixels @ _DCT8.T, 6)
    return str(imagehash.ImageHash(low > np.median(low)))


def pdq_hex(rgb: np.ndarray) -> tuple[str, int]:
    """256-bit PDQ hash of an RGB uint8 image as 64 hex digits, and PDQ's quality (0-100)."""
    import pdqhash

    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    # pdqhash returns bit 255 first, which is ThreatExchange's hex digit order.
    value = int("".join("1" if b else "0" for b in bits), 2)
    return f"{value:064x}", int(quality)


def hamming_hex(a: str, b: str) -> int:
    """Bit distance between two hex hashes of the same length."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")
