"""The known-footage index: the store interface, ``open_store``, and the SQLite engine.

Two engines hold an index, behind one interface (``IndexStore`` below): this module's ``Store``, one
SQLite file (stdlib ``sqlite3``, WAL journal), the embedded default for one user; and ``PgStore`` in
``store_pg.py``, a PostgreSQL database a team shares.  ``open_store(location)`` picks the engine
from what ``--index`` / ``VERIFY_INDEX`` say: a ``postgresql://`` URL, else a file path.  ``verify
index copy`` moves an index between them (``copy_index``).

A reference is a row of ``refs`` (what it is: path, title, date, source, size, times) and a row of
``prints`` (its fingerprints and thumbnails as compact blobs, so that opening the index reads a few
large blobs instead of millions of rows).  ``add_many`` writes every file of one ``index add`` in a
single transaction: when it is interrupted, nothing of it is kept.

Every change of the stored fingerprints (``add_many``, ``remove``) also bumps ``generation`` and
draws a new random ``change_id`` in ``meta``, in the same transaction: ``stamp()`` is what a process
that keeps the index open checks before each search (``ReferenceSet.unchanged``).  Files from before
the counter have neither key (generation 0) until their first change.  ``meta`` also holds a random
``store_id``, drawn when the index is made (or at its first change, for older files): the saved
search segments (``search.py``) are keyed by it and by their references, so an index deleted and
made again from the same files is not taken for the old one.

The default file lives in the user data directory (``platformdirs.user_data_dir("verify")``); the
``VERIFY_INDEX`` environment variable or ``--index`` chooses another.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..fingerprint.live_area import Box
from ..fingerprint.pdq import HASH_BYTES
from ..fingerprint.prints import RECIPE_VERSION, REF_CROPS, Prints, RefPrints, recipe_of
from ..fingerprint.sampling import REF_SAMPLES_PER_SECOND, Samples
from .location import default_index_location, default_index_path, is_url  # noqa: F401 - re-exported

SCHEMA = 2  # 2: refs.recipe, the version of how each reference was fingerprinted (RECIPE_VERSION)
#: what the stored fingerprints depend on; an index made with other settings cannot be searched
PRINT_RECIPE = f"pdq64-thumb128-ref{REF_SAMPLES_PER_SECOND:g}fps-crops{len(REF_CROPS)}"

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL, title TEXT, date TEXT, source TEXT,
    kind TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, size_bytes INTEGER NOT NULL,
    duration_s REAL, fps REAL, width INTEGER, height INTEGER,
    samples INTEGER NOT NULL, prints INTEGER NOT NULL, added_at TEXT NOT NULL,
    recipe INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS prints (
    ref_id INTEGER PRIMARY KEY REFERENCES refs(id) ON DELETE CASCADE,
    area TEXT NOT NULL, times BLOB NOT NULL, thumb_shape TEXT NOT NULL, thumbs BLOB NOT NULL,
    hashes BLOB NOT NULL, sample BLOB NOT NULL, variant BLOB NOT NULL, quality BLOB NOT NULL
);
"""


def _retry_while_locked(step: Callable[[], None], seconds: float = 60.0) -> None:
    """Run ``step``; while SQLite says the file is locked or busy, wait a little and run it again."""
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


class IndexError_(Exception):
    """The index file cannot be used (not an index, made by another version, unwritable)."""


@dataclass
class RefInfo:
    """What the index knows about one reference (no fingerprints)."""

    id: int
    path: str
    title: str | None
    date: str | None
    source: str | None
    kind: str
    sha256: str
    size_bytes: int
    duration_s: float | None
    fps: float | None
    width: int | None
    height: int | None
    samples: int
    prints: int
    added_at: str
    recipe: int = 1  # how it was fingerprinted (``RECIPE_VERSION`` of its kind when it was added)

    @property
    def outdated(self) -> bool:
        """Fingerprinted by an older recipe than this verify's for its kind (``index add --refresh``)."""
        return self.recipe < RECIPE_VERSION.get(self.kind, 1)

    def public(self) -> dict[str, object]:
        """The ``ref`` object of a finding."""
        return {"id": self.id, "path": self.path, "title": self.title, "date": self.date, "source": self.source}


@dataclass
class NewRef:
    """A fingerprinted file about to be stored."""

    path: str
    sha256: str
    size_bytes: int
    prints: RefPrints
    title: str | None = None
    date: str | None = None
    source: str | None = None


class IndexStore(Protocol):
    """What every engine offers (``Store``: SQLite; ``store_pg.PgStore``: PostgreSQL).

    ``path`` is what messages show (a file path, or a URL without its password).  Every change of
    the fingerprints (``add_many``/``add_rows``/``remove``) is one transaction that also changes
    ``stamp()``; ``snapshot()`` makes the reads inside it see one moment; ``search_cache()`` is the
    folder where ``search.py`` saves the FAISS index built from the store (None: nowhere)."""

    path: str

    def close(self) -> None: ...
    def __enter__(self) -> IndexStore: ...
    def __exit__(self, *exc: object) -> None: ...
    def snapshot(self): ...  # a context manager
    def search_cache(self) -> Path | None: ...
    def has_sha(self, sha256: str) -> int | None: ...
    def add_many(self, items: Iterable[NewRef | None], on_added: Callable[[RefInfo], None] | None = None,
                 on_duplicate: Callable[[str, int], None] | None = None) -> list[int]: ...
    def add_rows(self, pending: Iterable[tuple[tuple[object, ...], tuple[object, ...]]],
                 on_added: Callable[[RefInfo], None] | None = None,
                 on_duplicate: Callable[[str, int], None] | None = None) -> list[int]: ...
    def replace(self, ref_id: int, item: NewRef) -> bool: ...
    def remove(self, ref_id: int) -> bool: ...
    def refs(self) -> list[RefInfo]: ...
    def ref(self, ref_id: int) -> RefInfo | None: ...
    def stats(self) -> dict[str, object]: ...
    def stamp(self) -> dict[str, object]: ...
    def load_hashes(self, first_id: int | None = None, last_id: int | None = None) -> Iterator[tuple[int, Prints]]: ...
    def load_samples(self, ref_id: int) -> tuple[Samples, Box]: ...
    def export_rows(self) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]: ...


def open_store(location: str | os.PathLike[str], create: bool = True) -> IndexStore:
    """The index at ``location``: a PostgreSQL URL opens ``PgStore``, anything else the SQLite file."""
    if is_url(location):
        from .store_pg import PgStore

        return PgStore(os.fspath(location), create=create)
    return Store(location, create=create)


def copy_index(src: IndexStore, dst: IndexStore,
               on_added: Callable[[RefInfo], None] | None = None,
               on_duplicate: Callable[[str, int], None] | None = None) -> list[int]:
    """Every reference of ``src`` into ``dst`` in ONE transaction of ``dst`` (the stored bytes as they
    are: nothing is fingerprinted again); references ``dst`` already holds (same SHA-256) are skipped.
    The copies get ``dst``'s next ids; an interrupted copy leaves ``dst`` as it was."""
    with src.snapshot():
        return dst.add_rows(src.export_rows(), on_added, on_duplicate)


def decode_samples(info: RefInfo, area: str, times: bytes, shape: str, thumbs: bytes) -> tuple[Samples, Box]:
    """A reference's sample times and thumbnails from its stored ``prints`` columns."""
    stack = np.frombuffer(zlib.decompress(thumbs), np.uint8).reshape(json.loads(shape))
    samples = Samples(t=np.frombuffer(times, np.float32).astype(float).tolist(), thumbs=list(stack),
                      kind=info.kind, fps=info.fps, duration_s=info.duration_s or 0.0,
                      display=(info.width or 0, info.height or 0))
    return samples, Box(*json.loads(area))


_INFO_COLS = ("id, path, title, date, source, kind, sha256, size_bytes, duration_s, fps, width, height, "
              "samples, prints, added_at, recipe")
_N_INFO = 15  # columns of a refs row without its id


class AddsEncodedRows:
    """``add_many`` of both engines: the items are fingerprinted and encoded (``encoded_rows``) before
    the engine's ``add_rows`` opens its transaction."""

    def add_many(self, items: Iterable[NewRef | None],
                 on_added: Callable[[RefInfo], None] | None = None,
                 on_duplicate: Callable[[str, int], None] | None = None) -> list[int]:
        """Store every item in ONE transaction (``None`` items are skipped); returns the new ids.

        Fingerprinting (the slow part, done while ``items`` is iterated) and compressing happen before
        the write lock is taken, so another process adding to the same index waits only for the short
        write itself.  A file another process stored meanwhile is not stored twice (``on_duplicate``).
        """
        return self.add_rows(encoded_rows(items), on_added, on_duplicate)  # type: ignore[attr-defined]


class Store(AddsEncodedRows):
    """An open index file (the SQLite engine of ``IndexStore``).  Use as a context manager or call ``close()``."""

    engine_name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], create: bool = True):
        self.path = str(path)
        if self.path != ":memory:":
            p = Path(self.path)
            if not p.exists() and not create:
                raise IndexError_(f"no index at {p}")
            p.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA foreign_keys = ON")
            _retry_while_locked(self._initialise)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path} is not a verify index ({exc})") from None

    def _initialise(self) -> None:
        """WAL mode, tables and the version stamp, safe against another process doing the same.

        SQLite answers "database is locked" at once (without waiting) when two connections both try to
        turn a read into a write, which is what two fresh ``index add`` runs do on a new file; so the
        tables are made inside ``BEGIN IMMEDIATE`` (which waits for the writer) and the whole step is
        retried on a lock error.
        """
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode = WAL")
        with self.transaction():
            for statement in filter(str.strip, _DDL.split(";")):
                self.db.execute(statement)
            rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            if not rows:
                self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                    [("schema", str(SCHEMA)), ("recipe", PRINT_RECIPE), ("generation", "0"),
                                     ("store_id", secrets.token_hex(8))])
                return
            if rows.get("schema") == "1" and rows.get("recipe") == PRINT_RECIPE:
                self._upgrade_from_1()
                rows["schema"] = str(SCHEMA)
        if rows.get("schema") != str(SCHEMA) or rows.get("recipe") != PRINT_RECIPE:
            raise IndexError_(f"{self.path} was made by another version of verify "
                              f"(schema {rows.get('schema')}, {rows.get('recipe')}); rebuild it")

    def _upgrade_from_1(self) -> None:
        """Schema 1 -> 2, inside the opening transaction: ``refs.recipe``, read from each reference's
        stored variants (``recipe_of``: a photo added before its pan-and-zoom crops is recipe 1).
        Nothing else changes; an older verify cannot open the file afterwards (it says so)."""
        self.db.execute("ALTER TABLE refs ADD COLUMN recipe INTEGER NOT NULL DEFAULT 1")
        for ref_id, kind, variant in self.db.execute(
                "SELECT r.id, r.kind, p.variant FROM refs r JOIN prints p ON p.ref_id = r.id "
                "WHERE r.kind = 'image'").fetchall():
            self.db.execute("UPDATE refs SET recipe = ? WHERE id = ?",
                            (recipe_of(kind, np.frombuffer(variant, np.int16)), ref_id))
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA),))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def search_cache(self) -> Path | None:
        """``<file>.search/`` beside the file (``search.sidecar_dir``); None for an in-memory store."""
        return None if self.path == ":memory:" else Path(f"{self.path}.search")

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT; any exception (KeyboardInterrupt too) rolls everything back."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the file as it was at the first one (WAL), so a
        stamp and the fingerprints read with it belong together even while another process adds."""
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def _changed(self) -> None:
        """Inside a write transaction that changed the fingerprints: a new generation and change id, so
        a search index saved from the old contents no longer matches ``stamp()``."""
        self.db.execute("INSERT INTO meta VALUES ('generation', '1') "
                        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('change_id', ?)", (secrets.token_hex(8),))
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (secrets.token_hex(8),))

    # -- writing -----------------------------------------------------------------------------------
    def has_sha(self, sha256: str) -> int | None:
        row = self.db.execute("SELECT id FROM refs WHERE sha256 = ?", (sha256,)).fetchone()
        return int(row[0]) if row else None

    def add_rows(self, pending: Iterable[tuple[tuple[object, ...], tuple[object, ...]]],
                 on_added: Callable[[RefInfo], None] | None = None,
                 on_duplicate: Callable[[str, int], None] | None = None) -> list[int]:
        """Store encoded (``refs`` row without id, ``prints`` row without ref_id) pairs in one transaction."""
        ids: list[int] = []
        added: list[RefInfo] = []
        with self.transaction():
            for ref_row, print_row in pending:
                existing = self.has_sha(str(ref_row[5]))
                if existing is not None:
                    if on_duplicate:
                        on_duplicate(str(ref_row[0]), existing)
                    continue
                cur = self.db.execute(
                    f"INSERT INTO refs ({_INFO_COLS.replace('id, ', '', 1)}) VALUES ({','.join('?' * _N_INFO)})",
                    ref_row)
                ref_id = int(cur.lastrowid or 0)
                self.db.execute("INSERT INTO prints VALUES (?,?,?,?,?,?,?,?,?)", (ref_id, *print_row))
                ids.append(ref_id)
                added.append(RefInfo(ref_id, *ref_row))  # type: ignore[arg-type]
            if ids:
                self._changed()
        if on_added:
            for info in added:
                on_added(info)
        return ids

    @staticmethod
    def _rows(item: NewRef) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """The ``refs`` row (without id) and ``prints`` row (without ref_id) of one file."""
        rp = item.prints
        s = rp.samples
        shape = (len(s.thumbs), *s.thumb_shape())
        packer = zlib.compressobj(6)  # thumbnail by thumbnail: a long reference never sits whole in memory
        thumbs = b"".join([packer.compress(np.ascontiguousarray(th, np.uint8).tobytes()) for th in s.thumbs]
                          + [packer.flush()])
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        ref_row = (item.path, item.title, item.date, item.source, s.kind, item.sha256, item.size_bytes,
                   round(s.duration_s, 3), s.fps, s.display[0], s.display[1], len(s.t), len(rp.prints), now,
                   RECIPE_VERSION.get(s.kind, 1))
        print_row = (json.dumps([rp.area.x0, rp.area.y0, rp.area.x1, rp.area.y1]),
                     np.asarray(s.t, np.float32).tobytes(), json.dumps(list(shape)),
                     thumbs, rp.prints.hashes.tobytes(),
                     rp.prints.sample.astype(np.int32).tobytes(), rp.prints.variant.astype(np.int16).tobytes(),
                     rp.prints.quality.astype(np.uint8).tobytes())
        return ref_row, print_row

    def replace(self, ref_id: int, item: NewRef) -> bool:
        """Store ``item``'s fingerprints as those of reference ``ref_id`` (the same file fingerprinted
        again by a newer recipe: ``index add --refresh``), keeping its id, title, date, source and
        path, in one transaction; False when the reference is gone (or is another file now)."""
        ref_row, print_row = Store._rows(item)
        with self.transaction():
            cur = self.db.execute("UPDATE refs SET samples = ?, prints = ?, recipe = ? WHERE id = ? AND sha256 = ?",
                                  (ref_row[11], ref_row[12], ref_row[14], ref_id, item.sha256))
            if cur.rowcount == 0:
                return False
            self.db.execute("UPDATE prints SET area = ?, times = ?, thumb_shape = ?, thumbs = ?, hashes = ?, "
                            "sample = ?, variant = ?, quality = ? WHERE ref_id = ?", (*print_row, ref_id))
            self._changed()
        return True

    def remove(self, ref_id: int) -> bool:
        with self.transaction():
            cur = self.db.execute("DELETE FROM refs WHERE id = ?", (ref_id,))
            if cur.rowcount > 0:
                self._changed()
        return cur.rowcount > 0

    # -- reading -----------------------------------------------------------------------------------
    def refs(self) -> list[RefInfo]:
        rows = self.db.execute(f"SELECT {_INFO_COLS} FROM refs ORDER BY id").fetchall()
        return [RefInfo(*r) for r in rows]

    def ref(self, ref_id: int) -> RefInfo | None:
        row = self.db.execute(f"SELECT {_INFO_COLS} FROM refs WHERE id = ?", (ref_id,)).fetchone()
        return RefInfo(*row) if row else None

    def stats(self) -> dict[str, object]:
        n, prints, samples, seconds = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(prints),0), COALESCE(SUM(samples),0), COALESCE(SUM(duration_s),0) "
            "FROM refs").fetchone()
        kinds = dict(self.db.execute("SELECT kind, COUNT(*) FROM refs GROUP BY kind").fetchall())
        size = os.path.getsize(self.path) if self.path != ":memory:" and os.path.exists(self.path) else 0
        outdated = sum(r.outdated for r in self.refs())
        return {"path": self.path, "references": n, "videos": kinds.get("video", 0), "images": kinds.get("image", 0),
                "seconds": round(float(seconds), 1), "samples": samples, "fingerprints": prints,
                "file_bytes": size, "recipe": PRINT_RECIPE, "outdated": outdated}

    def stamp(self) -> dict[str, object]:
        """What identifies the stored fingerprints.  ``generation`` and ``change_id`` change with every
        ``add_many`` / ``remove`` (the random id also tells apart two files that reached the same
        generation, e.g. an index deleted and made again); the reference count, the last id ever given
        and the fingerprint count also catch changes made by a verify from before the counter."""
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'change_id', 'store_id')"))
        refs, prints = self.db.execute("SELECT COUNT(*), COALESCE(SUM(prints), 0) FROM refs").fetchone()
        last_id = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'refs'").fetchone()[0]
        return {"generation": int(meta.get("generation", 0)), "change_id": meta.get("change_id", ""),
                "store_id": meta.get("store_id", ""), "refs": int(refs), "last_id": int(last_id),
                "fingerprints": int(prints)}

    def load_hashes(self, first_id: int | None = None, last_id: int | None = None) -> Iterator[tuple[int, Prints]]:
        """The fingerprints (without thumbnails) of every reference with an id in [first_id, last_id]
        (all when None), in id order, for building the search index."""
        lo, hi = (-1 if first_id is None else first_id), ((1 << 62) if last_id is None else last_id)
        for ref_id, hashes, sample, variant, quality in self.db.execute(
                "SELECT ref_id, hashes, sample, variant, quality FROM prints WHERE ref_id BETWEEN ? AND ? "
                "ORDER BY ref_id", (lo, hi)):
            yield int(ref_id), Prints(np.frombuffer(hashes, np.uint8).reshape(-1, HASH_BYTES),
                                      np.frombuffer(sample, np.int32), np.frombuffer(variant, np.int16),
                                      np.frombuffer(quality, np.uint8))

    def load_samples(self, ref_id: int) -> tuple[Samples, Box]:
        """A reference's sample times and thumbnails (for checking a candidate span)."""
        row = self.db.execute("SELECT area, times, thumb_shape, thumbs FROM prints WHERE ref_id = ?",
                              (ref_id,)).fetchone()
        info = self.ref(ref_id)
        if row is None or info is None:
            raise KeyError(ref_id)
        return decode_samples(info, *row)

    def export_rows(self) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]:
        """Every reference as (``refs`` row without id, ``prints`` row without ref_id), in id order."""
        cols = _INFO_COLS.replace("id, ", "", 1)
        for row in self.db.execute(f"SELECT {', '.join('r.' + c for c in cols.split(', '))}, p.area, p.times, "
                                   "p.thumb_shape, p.thumbs, p.hashes, p.sample, p.variant, p.quality "
                                   "FROM refs r JOIN prints p ON p.ref_id = r.id ORDER BY r.id"):
            yield tuple(row[:_N_INFO]), tuple(row[_N_INFO:])


def encoded_rows(items: Iterable[NewRef | None]) -> list[tuple[tuple[object, ...], tuple[object, ...]]]:
    """The ``refs`` and ``prints`` rows of every file (``None`` items skipped), encoded as the items come:
    only the encoded rows are kept, so the samples are freed file by file.  Every engine stores these."""
    return [Store._rows(item) for item in items if item is not None]
