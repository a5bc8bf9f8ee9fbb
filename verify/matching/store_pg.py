"""The known-footage index on PostgreSQL: the store of record a team shares (``--index postgresql://...``).

The same interface as the SQLite engine (``store.py``: ``has_sha``, ``add_many``, ``remove``,
``refs``, ``ref``, ``stats``, ``stamp``, ``snapshot``, ``load_hashes``, ``load_samples``), the same
two tables (``refs``: what a reference is; ``prints``: its fingerprints and thumbnails as compact
``bytea`` blobs, the same bytes as the SQLite file holds) and a ``meta`` table (schema, recipe,
generation, change id).  Written with SQLAlchemy Core; the schema is versioned with Alembic
(``pg_migrations/``, ``verify index migrate``).

* **Transactions.**  ``add_many`` writes every file of one ``index add`` in one transaction; a
  crash or ``kill -9`` of the adding process ends its connection and PostgreSQL rolls the whole
  transaction back, so no reference is ever half stored.
* **Many writers and readers.**  Fingerprinting happens before the transaction; the transaction
  first locks the ``generation`` row of ``meta`` (``SELECT ... FOR UPDATE``), so writers queue for
  the short write only and never deadlock on each other's rows; ``sha256`` is unique and a file
  another writer stored meanwhile is reported as a duplicate (``INSERT ... ON CONFLICT DO NOTHING``).
  Readers never wait: ``snapshot()`` is a ``REPEATABLE READ`` transaction, so a stamp and the
  fingerprints read with it belong to one moment even while others add.
* **Search.**  The search runs in each verify process, in FAISS, exactly as for SQLite: the index is
  cut into segments by reference id, each segment's fingerprints are read once (``load_hashes`` of
  an id range), its FAISS index is built and saved in the user cache folder (``search_cache()``),
  named by what the segment holds, and reloaded memory-mapped while that is unchanged; an add by
  anyone makes every machine rebuild only the newest segment (see ``search.py`` and
  ``benchmarks/scale.py`` for why: a 60 s clip is a few milliseconds in FAISS, a query hash alone
  ~4 ms in SQL).
* **Creating and migrating.**  ``PgStore(url, create=True)`` on an empty database makes the schema
  (Alembic ``upgrade head`` under an advisory lock, so several processes may do it at once).  A
  database at an older schema revision is not changed behind the team's back: opening says to run
  ``verify index migrate URL``; one at a newer revision says that verify is too old.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..fingerprint.live_area import Box
from ..fingerprint.pdq import HASH_BYTES
from ..fingerprint.prints import Prints
from ..fingerprint.sampling import Samples
from .location import POSTGRES_URL
from .store import (PRINT_RECIPE, SCHEMA, AddsEncodedRows, IndexError_, NewRef, RefInfo, decode_samples,
                    encoded_rows)

MIGRATIONS = Path(__file__).with_name("pg_migrations")
#: the advisory lock every schema change holds (any constant; "verify" in ASCII)
MIGRATION_LOCK = 0x766572696679


def public_url(url: str) -> str:
    """The URL as given, without its password (what messages and reports show)."""
    return re.sub(r"^([^:/]+://[^:/@]*):[^@/]+@", r"\1:***@", url)


def _sqlalchemy_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` as SQLAlchemy's psycopg (3) driver URL."""
    return POSTGRES_URL.sub("postgresql+psycopg://", url, count=1)


def search_cache_dir(url: str) -> Path:
    """The folder of the saved search index of the database at ``url``: ``search/pg-<16 hex of the URL
    without password>`` in verify's cache folder (``VERIFY_CACHE_DIR``, else the user cache folder)."""
    override = os.environ.get("VERIFY_CACHE_DIR")
    if override:
        root = Path(override)
    else:
        from platformdirs import user_cache_dir

        root = Path(user_cache_dir("verify", appauthor=False))
    return root / "search" / f"pg-{hashlib.sha256(public_url(url).encode()).hexdigest()[:16]}"


def tables():
    """The schema at the newest revision, as SQLAlchemy Core tables (queries and migrations use it)."""
    import sqlalchemy as sa

    md = sa.MetaData()
    meta = sa.Table("meta", md, sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    refs = sa.Table(
        "refs", md,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("path", sa.Text, nullable=False), sa.Column("title", sa.Text), sa.Column("date", sa.Text),
        sa.Column("source", sa.Text), sa.Column("kind", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False, unique=True), sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("duration_s", sa.Float), sa.Column("fps", sa.Float), sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer), sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("prints", sa.Integer, nullable=False), sa.Column("added_at", sa.Text, nullable=False),
        sa.Column("recipe", sa.Integer, nullable=False, server_default="1"))
    prints = sa.Table(
        "prints", md,
        sa.Column("ref_id", sa.BigInteger, sa.ForeignKey("refs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("area", sa.Text, nullable=False), sa.Column("times", sa.LargeBinary, nullable=False),
        sa.Column("thumb_shape", sa.Text, nullable=False), sa.Column("thumbs", sa.LargeBinary, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False), sa.Column("sample", sa.LargeBinary, nullable=False),
        sa.Column("variant", sa.LargeBinary, nullable=False), sa.Column("quality", sa.LargeBinary, nullable=False))
    return md, meta, refs, prints


_INFO = ("id", "path", "title", "date", "source", "kind", "sha256", "size_bytes", "duration_s", "fps", "width",
         "height", "samples", "prints", "added_at", "recipe")
_PRINT = ("area", "times", "thumb_shape", "thumbs", "hashes", "sample", "variant", "quality")


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _revisions(connection) -> tuple[str | None, str]:
    """(the database's schema revision or None when it has none, the newest revision verify knows)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
    return MigrationContext.configure(connection).get_current_revision(), str(head)


def migrate(url: str) -> tuple[str | None, str]:
    """Bring the database's schema to the newest revision (Alembic ``upgrade head``, under an advisory
    lock, in one transaction); returns (revision before, revision after)."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = sa.create_engine(_sqlalchemy_url(url), poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            before, head = _revisions(conn)
            if before is not None and before != head and not _known(conn, before):
                raise IndexError_(f"{public_url(url)} has schema revision {before}, newer than this verify knows "
                                  f"({head}); upgrade verify")
            command.upgrade(_alembic_config(conn), "head")
            if before is None:
                _fill_meta(conn)
        engine.dispose()
    except SQLAlchemyError as exc:
        raise IndexError_(f"{public_url(url)}: {_reason(exc)}") from None
    return before, head


def _known(conn, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(_alembic_config(conn)).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises for a revision it has no script of
        return False


def _fill_meta(conn) -> None:
    """The meta rows of a new index (the schema just made)."""
    _, meta, _, _ = tables()
    conn.execute(meta.insert(), [{"key": "schema", "value": str(SCHEMA)}, {"key": "recipe", "value": PRINT_RECIPE},
                                 {"key": "generation", "value": "0"},
                                 {"key": "change_id", "value": secrets.token_hex(8)},
                                 {"key": "store_id", "value": secrets.token_hex(8)}])


def _reason(exc: Exception) -> str:
    """The first line of what the driver said (no SQL, no traceback)."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


class PgStore(AddsEncodedRows):
    """An open PostgreSQL index.  Use as a context manager or call ``close()``."""

    engine_name = "postgresql"

    def __init__(self, url: str, create: bool = True):
        import sqlalchemy as sa
        from sqlalchemy.exc import SQLAlchemyError

        self.url = url
        self.path = public_url(url)  # what messages show (never the password)
        _, self._meta, self._refs, self._prints = tables()
        self._snap = None  # the connection of an open snapshot()
        try:
            # no pool: a connection lives only as long as one read, write or snapshot, so a hundred idle
            # scan workers holding an index open hold no server connections (max_connections is ~100)
            self.engine = sa.create_engine(_sqlalchemy_url(url), poolclass=sa.pool.NullPool)
            with self.engine.connect() as conn:
                current, head = _revisions(conn)
            if current is None:
                if not create:
                    raise IndexError_(f"no index at {self.path} (make one with `verify index add ... --index URL` "
                                      "or `verify index migrate URL`)")
                migrate(url)
            elif current != head:
                with self.engine.connect() as conn:
                    known = _known(conn, current)
                raise IndexError_(f"{self.path} has schema revision {current}; " +
                                  (f"run `verify index migrate {self.path}` to bring it to {head}" if known else
                                   f"this verify knows only up to {head}: upgrade verify"))
            with self.engine.connect() as conn:
                rows = dict(conn.execute(sa.select(self._meta.c.key, self._meta.c.value)).all())
        except SQLAlchemyError as exc:
            raise IndexError_(f"{self.path}: cannot open the index ({_reason(exc)})") from None
        if rows.get("recipe") != PRINT_RECIPE:
            raise IndexError_(f"{self.path} was made by another version of verify "
                              f"(schema {rows.get('schema')}, {rows.get('recipe')}); rebuild it")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search_cache(self) -> Path:
        """Where this process saves the FAISS index built from the database (``search_cache_dir``)."""
        return search_cache_dir(self.url)

    # -- connections --------------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Any]:
        if self._snap is not None:
            yield self._snap
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A REPEATABLE READ transaction: every read inside sees the database as at its first read."""
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                self._snap = conn
                try:
                    yield
                finally:
                    self._snap = None

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction that first takes the writers' lock (the generation row)."""
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            conn.execute(sa.select(self._meta.c.value).where(self._meta.c.key == "generation").with_for_update())
            yield conn

    def _changed(self, conn) -> None:
        import sqlalchemy as sa

        m = self._meta
        conn.execute(m.update().where(m.c.key == "generation")
                     .values(value=sa.cast(sa.cast(m.c.value, sa.BigInteger) + 1, sa.Text)))
        conn.execute(m.update().where(m.c.key == "change_id").values(value=secrets.token_hex(8)))
        from sqlalchemy.dialects.postgresql import insert

        conn.execute(insert(m).values(key="store_id", value=secrets.token_hex(8)).on_conflict_do_nothing())

    # -- writing -----------------------------------------------------------------------------------
    def has_sha(self, sha256: str) -> int | None:
        import sqlalchemy as sa

        with self._read() as conn:
            row = conn.execute(sa.select(self._refs.c.id).where(self._refs.c.sha256 == sha256)).first()
        return int(row[0]) if row else None

    def add_rows(self, pending: Iterable[tuple[tuple[object, ...], tuple[object, ...]]],
                 on_added: Callable[[RefInfo], None] | None = None,
                 on_duplicate: Callable[[str, int], None] | None = None) -> list[int]:
        """Store encoded (``refs`` row without id, ``prints`` row without ref_id) pairs in one transaction."""
        import sqlalchemy as sa
        from sqlalchemy.dialects.postgresql import insert

        ids: list[int] = []
        added: list[RefInfo] = []
        cols = _INFO[1:]
        with self._write() as conn:
            for ref_row, print_row in pending:
                values = dict(zip(cols, ref_row))
                ref_id = conn.execute(insert(self._refs).values(**values)
                                      .on_conflict_do_nothing(index_elements=["sha256"])
                                      .returning(self._refs.c.id)).scalar()
                if ref_id is None:
                    existing = conn.execute(sa.select(self._refs.c.id)
                                            .where(self._refs.c.sha256 == values["sha256"])).scalar()
                    if on_duplicate:
                        on_duplicate(str(values["path"]), int(existing))
                    continue
                conn.execute(self._prints.insert().values(ref_id=ref_id, **dict(zip(_PRINT, print_row))))
                ids.append(int(ref_id))
                added.append(RefInfo(int(ref_id), *ref_row))  # type: ignore[arg-type]
            if ids:
                self._changed(conn)
        if on_added:
            for info in added:
                on_added(info)
        return ids

    def replace(self, ref_id: int, item: NewRef) -> bool:
        """Store ``item``'s fingerprints as those of reference ``ref_id`` (``index add --refresh``),
        keeping its id and description, in one transaction; False when it is gone or another file."""
        (ref_row, print_row), = encoded_rows([item])
        r, p = self._refs, self._prints
        with self._write() as conn:
            done = conn.execute(r.update().where((r.c.id == ref_id) & (r.c.sha256 == item.sha256))
                                .values(samples=ref_row[11], prints=ref_row[12], recipe=ref_row[14])).rowcount
            if not done:
                return False
            conn.execute(p.update().where(p.c.ref_id == ref_id).values(**dict(zip(_PRINT, print_row))))
            self._changed(conn)
        return True

    def remove(self, ref_id: int) -> bool:
        with self._write() as conn:
            gone = conn.execute(self._refs.delete().where(self._refs.c.id == ref_id)).rowcount > 0
            if gone:
                self._changed(conn)
        return gone

    # -- reading -----------------------------------------------------------------------------------
    def refs(self) -> list[RefInfo]:
        import sqlalchemy as sa

        with self._read() as conn:
            rows = conn.execute(sa.select(*[self._refs.c[c] for c in _INFO]).order_by(self._refs.c.id)).all()
        return [RefInfo(*r) for r in rows]

    def ref(self, ref_id: int) -> RefInfo | None:
        import sqlalchemy as sa

        with self._read() as conn:
            row = conn.execute(sa.select(*[self._refs.c[c] for c in _INFO]).where(self._refs.c.id == ref_id)).first()
        return RefInfo(*row) if row else None

    def stats(self) -> dict[str, object]:
        import sqlalchemy as sa

        r = self._refs
        with self._read() as conn:
            n, prints, samples, seconds = conn.execute(sa.select(
                sa.func.count(), sa.func.coalesce(sa.func.sum(r.c.prints), 0),
                sa.func.coalesce(sa.func.sum(r.c.samples), 0), sa.func.coalesce(sa.func.sum(r.c.duration_s), 0))).one()
            kinds = dict(conn.execute(sa.select(r.c.kind, sa.func.count()).group_by(r.c.kind)).all())
            size = conn.execute(sa.text("SELECT COALESCE(SUM(pg_total_relation_size(c)), 0) FROM "
                                        "unnest(ARRAY['refs', 'prints', 'meta']::regclass[]) AS c")).scalar()
        return {"path": self.path, "references": int(n), "videos": kinds.get("video", 0),
                "images": kinds.get("image", 0), "seconds": round(float(seconds), 1), "samples": int(samples),
                "fingerprints": int(prints), "file_bytes": int(size), "recipe": PRINT_RECIPE,
                "outdated": sum(x.outdated for x in self.refs())}

    def stamp(self) -> dict[str, object]:
        """Generation and random change id (bumped by every add/remove), counts and the last id."""
        import sqlalchemy as sa

        r = self._refs
        with self._read() as conn:
            meta = dict(conn.execute(sa.select(self._meta.c.key, self._meta.c.value)
                                     .where(self._meta.c.key.in_(["generation", "change_id", "store_id"]))).all())
            refs, prints, last = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(r.c.prints), 0),
                                                        sa.func.coalesce(sa.func.max(r.c.id), 0))).one()
        return {"generation": int(meta.get("generation", 0)), "change_id": meta.get("change_id", ""),
                "store_id": meta.get("store_id", ""), "refs": int(refs), "last_id": int(last),
                "fingerprints": int(prints)}

    def load_hashes(self, first_id: int | None = None, last_id: int | None = None) -> Iterator[tuple[int, Prints]]:
        """The fingerprints (without thumbnails) of every reference with an id in [first_id, last_id]
        (all when None), streamed in id order."""
        import sqlalchemy as sa

        p = self._prints
        query = sa.select(p.c.ref_id, p.c.hashes, p.c.sample, p.c.variant, p.c.quality).order_by(p.c.ref_id)
        if first_id is not None:
            query = query.where(p.c.ref_id >= first_id)
        if last_id is not None:
            query = query.where(p.c.ref_id <= last_id)
        with self._read() as conn:
            for ref_id, hashes, sample, variant, quality in conn.execution_options(
                    stream_results=True, yield_per=256).execute(query):
                yield int(ref_id), Prints(np.frombuffer(hashes, np.uint8).reshape(-1, HASH_BYTES),
                                          np.frombuffer(sample, np.int32), np.frombuffer(variant, np.int16),
                                          np.frombuffer(quality, np.uint8))

    def load_samples(self, ref_id: int) -> tuple[Samples, Box]:
        import sqlalchemy as sa

        p = self._prints
        with self._read() as conn:
            row = conn.execute(sa.select(p.c.area, p.c.times, p.c.thumb_shape, p.c.thumbs)
                               .where(p.c.ref_id == ref_id)).first()
        info = self.ref(ref_id)
        if row is None or info is None:
            raise KeyError(ref_id)
        return decode_samples(info, *row)

    def export_rows(self) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]:
        """Every reference as (``refs`` row without id, ``prints`` row without ref_id), in id order."""
        import sqlalchemy as sa

        r, p = self._refs, self._prints
        query = (sa.select(*[r.c[c] for c in _INFO[1:]], *[p.c[c] for c in _PRINT])
                 .join_from(r, p, r.c.id == p.c.ref_id).order_by(r.c.id))
        with self._read() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=64).execute(query):
                values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                yield values[:len(_INFO) - 1], values[len(_INFO) - 1:]

