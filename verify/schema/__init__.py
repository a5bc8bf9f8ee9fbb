"""The JSON Schema of the report (``report.schema.json``), shipped inside the package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "report.schema.json"


def schema_text() -> str:
    """The schema exactly as committed (what ``verify schema`` prints)."""
    return resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    return json.loads(schema_text())
