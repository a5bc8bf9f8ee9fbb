"""Where a known-footage index lives: the default location, and whether a location names PostgreSQL.

Kept light on purpose (no numpy, no index code): the CLI decides which index a run searches before
it opens any clip, and a run without an index then starts decoding without importing the index
code (``store.py`` and the fingerprint modules it needs: ~25 ms of start-up before the first frame).
``store.py`` and ``store_pg.py`` re-export these names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: the scheme a PostgreSQL location starts with (``store_pg.py`` rewrites it for SQLAlchemy)
POSTGRES_URL = re.compile(r"^(postgres|postgresql)(\+psycopg)?://", re.I)


def is_url(location: object) -> bool:
    """Whether an index location (``--index``, ``VERIFY_INDEX``) names a PostgreSQL database
    (``postgresql://...``) rather than a SQLite file."""
    return bool(POSTGRES_URL.match(os.fspath(location) if isinstance(location, os.PathLike) else str(location)))


def default_index_location() -> str:
    """``$VERIFY_INDEX`` (a file path or a ``postgresql://`` URL, kept as given), else ``index.sqlite``
    in the user data directory."""
    env = os.environ.get("VERIFY_INDEX")
    if env and is_url(env):
        return env
    return str(default_index_path())


def default_index_path() -> Path:
    """``$VERIFY_INDEX``, else ``index.sqlite`` in the user data directory."""
    env = os.environ.get("VERIFY_INDEX")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("verify")) / "index.sqlite"
