"""Shared fixtures: paths, ground truth, and each fixture clip analysed once per test session."""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# `verify CLIP` searches the default index when it exists ($VERIFY_INDEX, else the user data folder):
# no test may find the index of whoever runs the tests.  Tests of the default index set their own.
_NO_INDEX = Path(tempfile.mkdtemp(prefix="verify-tests-")) / "default-index.sqlite"
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
