"""The committed JSON Schema: every fixture's report validates, broken reports do not, `verify schema` prints it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import jsonschema
import pytest

from conftest import FIXTURES, analysed
from verify.render.json_out import dumps
from verify.scan import MEDIA_EXTENSIONS
from verify.schema import report_schema, schema_text

MEDIA = sorted(p.name for p in FIXTURES.iterdir() if p.suffix.lower() in MEDIA_EXTENSIONS)  # every fixture


def validator() -> jsonschema.Draft202012Validator:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def as_written(name: str) -> dict:
    """The report of a fixture exactly as `--json` writes it, read back."""
    return json.loads(dumps(analysed(name).report.to_dict()))


def test_fixtures_of_both_kinds_are_covered():
    assert {"ministry.mp4", "damaged.avi", "truncated.mp4", "photo.jpg"} <= set(MEDIA)


@pytest.mark.parametrize("name", MEDIA)
def test_fixture_report_validates(name):
    report = as_written(name)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(report)]
    assert errors == []
    # integrity facts the schema requires are real values, not placeholders
    assert len(report["file"]["sha256"]) == 64 and report["analysis"]["analysed_at"].endswith("Z")
    assert report["analysis"]["versions"]["verify"] == report["tool"]["version"]


def test_report_with_segments_and_reused_spans_validates():
    report = as_written("ministry.mp4")
    report["scenes"] = {"street_seconds": 4.0, "segments": [{"label": "street", "start_s": 0.0, "end_s": 4.0},
                                                           {"label": "indoor", "start_s": 4.0, "end_s": 24.0}]}
    report["reused"] = [{"start_s": 16.0, "end_s": 24.0, "ref_start_s": 0.0, "ref_end_s": 8.0,
                         "ref": {"title": "cup", "date": "2017-09-01", "source": "opencv", "path": "cup.mp4"},
                         "transform": "scaled", "confidence": 0.97},
                        {"start_s": 0.0, "end_s": 6.0, "ref_start_s": 0.0, "ref_end_s": 0.0,
                         "ref": {"id": 3, "title": "leuven", "date": None, "source": None, "path": "photo.jpg",
                                 "kind": "photo"},
                         "transform": ["crop", "pan_zoom"], "confidence": 0.55, "distance": 40,
                         "evidence": "picture", "window": {"x": 0.5, "y": 0.05, "w": 0.45, "h": 0.45}}]
    assert list(validator().iter_errors(report)) == []


@pytest.mark.parametrize("breakage", [
    lambda r: r["file"].update(sha256="abc"),
    lambda r: r.pop("analysis"),
    lambda r: r["analysis"].update(analysed_at="2024-01-01 10:00"),
    lambda r: r["analysis"]["versions"].pop("verify"),
    lambda r: r["flags"].append({"code": "x", "severity": "severe", "message": "m", "evidence": {}}),
    lambda r: r["shots"][0].update(transition="jump"),
    lambda r: r["media"].update(rotation=45),
    lambda r: r["metadata"].update(location={"lat": 95.0, "lon": 0.0, "alt": None}),
    lambda r: r["scenes"]["segments"].append({"label": "street", "start_s": "0"}),
    lambda r: r["reused"].append({"start_s": 1.0}),
    lambda r: r["reused"].append({"start_s": 1.0, "end_s": 2.0, "evidence": "motion"}),
    lambda r: r["reused"].append({"start_s": 1.0, "end_s": 2.0, "window": {"x": 0.5, "y": 0.0, "w": 1.5, "h": 1.0}}),
    lambda r: r["reused"].append({"start_s": 1.0, "end_s": 2.0, "ref": {"kind": "still"}}),
])
def test_broken_reports_do_not_validate(breakage):
    report = copy.deepcopy(as_written("ministry.mp4"))
    breakage(report)
    assert list(validator().iter_errors(report)) != []


def test_verify_schema_prints_the_committed_schema():
    p = subprocess.run([sys.executable, "-m", "verify", "schema"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == schema_text()
    assert json.loads(p.stdout)["required"][0] == "schema_version"


def test_schema_ships_as_package_data():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")
    pyproject = tomllib.loads((FIXTURES.parent / "pyproject.toml").read_text())
    assert "schema/*.json" in pyproject["tool"]["setuptools"]["package-data"]["verify"]
