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


def phash_hex(rgb: np.ndarray) -> str:
    """64-bit DCT pHash (imagehash.phash) of an RGB uint8 image, as 16 hex digits."""
    import imagehash
    from PIL import Image

    return str(imagehash.phash(Image.fromarray(rgb)))


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
