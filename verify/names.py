"""Names of the files verify writes for a clip: keyframes, excerpts, per-clip HTML pages, scan reports.

A name keeps the clip's own letters (any script: ``дом``, ``東京``, ``ünï``), NFC-normalised; only
characters that are unsafe in file names are replaced with ``_``: path separators, the characters
Windows refuses (``<>:"|?*``), control characters and invisible or direction-changing ones (a name
must not be able to read as another), and leading dots.  Names are cut to 120 bytes of UTF-8.

Two sources must never share a name.  :class:`NameBook` hands out a stem per (output folder, clip):
the plain stem when nobody else uses it, else the stem plus the first 8 hex digits of the source's
SHA-256 (``photo-3f2a9c01``).  "Somebody else" is another source earlier in this run, or a file
already in the folder that was written for another source (keyframes and excerpts carry their
source's SHA-256 inside them; see :func:`jpeg_source` and :mod:`verify.excerpts`) or whose source
cannot be told.  Files are then written without clobbering (:func:`place_new`): if a file of that
name appeared meanwhile (another process of a scan), the written file takes the prefixed name.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import unicodedata
from collections.abc import Callable
from pathlib import Path

MAX_NAME_BYTES = 120
_UNSAFE = set('/\\<>:"|?*')


def readable(text: str, fallback: str = "clip") -> str:
    """*text* as a safe file-name part that keeps its letters; see the module docstring."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _UNSAFE or cat[0] == "C" or cat in ("Zl", "Zp") or (cat == "Zs" and ch != " "):
            out.append("_")
        else:
            out.append(ch)
    name = re.sub(r"_{2,}", "_", "".join(out)).strip(" ._") or fallback
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip(" ._") or fallback


def clip_stem(path: str | os.PathLike[str]) -> str:
    """The stem of names made for a clip: its file name without the extension, made safe."""
    return readable(Path(path).stem)


def short_sha(sha256: str | None, path: str | os.PathLike[str] | None = None) -> str:
    """8 hex digits naming a source: of its SHA-256, else of its path (a source not hashed yet)."""
    if sha256:
        return sha256[:8]
    return hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:8]


class NameBook:
    """The stems given out in one run, per output folder; see the module docstring."""

    def __init__(self) -> None:
        self._owner: dict[tuple[str, str], str] = {}

    def stem(self, folder: Path, stem: str, source: str,
             owners_on_disk: Callable[[Path, str], set[str]]) -> str:
        """The stem to use in *folder* for the source whose SHA-256 is *source*.

        *owners_on_disk(folder, stem)* gives the SHA-256s of the files already named with *stem*
        there (``"?"`` for a file whose source cannot be told).
        """
        where = str(folder.resolve()) if folder.exists() else str(folder.absolute())
        for candidate in (stem, f"{stem}-{short_sha(source)}"):
            owner = self._owner.get((where, candidate))
            if owner == source:
                return candidate
            if owner is None and not (owners_on_disk(folder, candidate) - {source}):
                self._owner[(where, candidate)] = source
                return candidate
        return f"{stem}-{short_sha(source)}"


def files_with_stem(folder: Path, stem: str, kinds: tuple[str, ...], suffix: str) -> list[Path]:
    """Files in *folder* named ``<stem>-<kind>-…<suffix>`` for one of *kinds*."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    heads = tuple(f"{stem}-{k}-" for k in kinds)
    return [folder / n for n in names if n.startswith(heads) and n.endswith(suffix)]


def place_new(tmp: str | os.PathLike[str], target: Path, source: str,
              owner_of: Callable[[Path], str | None]) -> Path:
    """Move the finished *tmp* to *target* without clobbering another source's file.

    When *target* exists and was written for the same *source*, it is replaced; when it belongs to
    another source (or cannot be told), *tmp* takes ``<stem>-<8 hex of source><suffix>`` instead.
    Returns where the file went.
    """
    from .atomic import publish

    try:
        os.link(tmp, target)  # atomic, and fails when the name exists
    except FileExistsError:
        if owner_of(target) != source:
            target = target.with_name(f"{target.stem}-{short_sha(source)}{target.suffix}")
        publish(tmp, target)
        return target
    except OSError:
        publish(tmp, target)  # a file system without hard links
        return target
    os.chmod(target, _mode())
    os.unlink(tmp)
    return target


def _mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# --- the source's SHA-256 inside a JPEG (a COM segment right after SOI) ----------------------------

_COM_HEAD = b"verify keyframe of sha256:"


def jpeg_with_source(data: bytes, sha256: str, note: str = "") -> bytes:
    """*data* (a JPEG) with a comment naming its source: ``verify keyframe of sha256:<hex> <note>``."""
    text = _COM_HEAD + sha256.encode("ascii") + (b" " + note.encode("utf-8") if note else b"")
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + data[2:]


def jpeg_source(path: Path) -> str | None:
    """The source SHA-256 that :func:`jpeg_with_source` wrote into *path*, else None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4 + 2 + len(_COM_HEAD) + 64)
    except OSError:
        return None
    if head[:4] != b"\xff\xd8\xff\xfe" or head[6:6 + len(_COM_HEAD)] != _COM_HEAD:
        return None
    sha = head[6 + len(_COM_HEAD):6 + len(_COM_HEAD) + 64].decode("ascii", "replace")
    return sha if re.fullmatch(r"[0-9a-f]{64}", sha) else None
