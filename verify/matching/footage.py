"""The clip against known footage and against itself, after the decode pass.

``open_references`` opens what ``--index`` / ``--known`` name (once, for every clip of a command);
``check_footage`` fills ``report.reused``, ``report.reference_search`` and the ``reused_footage`` /
``repeated_footage`` flags from the clip's fingerprint samples.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from ..fingerprint.prints import ClipPrints, clip_prints, reference_prints
from ..fingerprint.sampling import Samples
from ..hashing import file_sha256
from ..report import Report
from .repeats import add_repeats, find_repeats
from .reuse import add_reuse, search_clip
from .search import ReferenceSet
from .store import IndexError_, IndexStore, NewRef, Store, is_url, open_store
from .store_pg import public_url

MEDIA_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".ts",
                  ".mts", ".m2ts", ".3gp", ".ogv", ".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp",
                  ".gif", ".heic", ".heif"}


def media_files(path: Path) -> list[Path]:
    """``path`` itself, or the video and image files below a folder (any depth, hidden ones skipped)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(path).parts))



def fingerprint_files(paths: list[Path], store: IndexStore, title: str | None = None, date: str | None = None,
                      source: str | None = None,
                      on_skip: Callable[[Path, str], None] | None = None) -> Iterator[NewRef | None]:
    """Fingerprint each file for ``store.add_many`` (files already stored, or unreadable, are skipped)."""
    from ..fingerprint.sampling import sample_file

    for p in paths:
        try:
            sha = file_sha256(p)
            known = store.has_sha(sha)
            if known is not None:
                if on_skip:
                    on_skip(p, f"already in the index as #{known}")
                yield None
                continue
            prints = reference_prints(sample_file(p))
        except InputError as exc:
            if on_skip:
                on_skip(p, exc.problem)
            yield None
            continue
        except OSError as exc:
            if on_skip:
                on_skip(p, f"cannot be read ({exc.strerror or exc})")
            yield None
            continue
        yield NewRef(path=str(p.resolve()), sha256=sha, size_bytes=os.path.getsize(p), prints=prints,
                     title=title or p.stem, date=date, source=source)


def open_references(index: Path | str | None = None, known: Path | None = None,
                    default_index: bool = False) -> list[ReferenceSet]:
    """The reference sets to search; raises ``InputError`` when one cannot be opened.  ``index`` is an
    index file or a PostgreSQL URL (``postgresql://...``).

    *default_index*: *index* is the default one ($VERIFY_INDEX or the user data folder), not named
    with ``--index``; reports say so.
    """
    sets: list[ReferenceSet] = []
    if index is not None and is_url(index):
        try:
            store = open_store(str(index), create=False)
            refs = ReferenceSet(store, store.path)
        except IndexError_ as exc:
            raise InputError(public_url(str(index)), str(exc)) from None
        refs.default = default_index
        sets.append(refs)
    elif index is not None:
        index = Path(index)
        if not index.is_file():
            raise InputError(str(index), "no such reference index")
        try:
            refs = ReferenceSet(Store(index, create=False), str(index))
        except IndexError_ as exc:
            raise InputError(str(index), str(exc)) from None
        refs.default = default_index
        sets.append(refs)
    if known is not None:
        if not known.exists():
            raise InputError(str(known), "no such file or folder of known footage")
        store = Store(":memory:")
        store.add_many(fingerprint_files(media_files(known), store))
        sets.append(ReferenceSet(store, str(known)))
    return sets


def check_footage(report: Report, samples: Samples, references: list[ReferenceSet],
                  claimed_date: dt.date | None, prints: ClipPrints | None = None) -> None:
    """Reused spans (when references are given) and repeats inside the clip, into ``report``
    (``prints``: the samples' fingerprints when already made)."""
    prints = prints if prints is not None else clip_prints(samples)
    cuts = [s.start_s for s in report.shots[1:]]
    add_repeats(report, find_repeats(prints, cuts))
    if not references:
        return
    findings = []
    for refs in references:
        findings += search_clip(prints, refs, cuts, report.media.fps)
    findings.sort(key=lambda f: (f["start_s"], f["ref"]["id"]))
    add_reuse(report, findings, references, claimed_date)
