"""JSON rendering of reports: the contract CI gates read."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from ..atomic import write_text

_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(payload: Any) -> str:
    """The exact JSON text written for *payload* (the HTML report carries its SHA-256).

    File names that are not valid UTF-8 reach Python as lone surrogates; they are written as
    ``\\udcXX`` escapes (valid JSON that decodes back to the same name) instead of failing.
    """
    text = json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(payload: Any, target: str) -> None:
    """Write to ``target`` ('-' = stdout) atomically: an existing report is replaced whole or not at all."""
    text = dumps(payload)
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(target)
    if path.exists() and not path.is_file():  # /dev/null, a pipe: write straight through
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    write_text(path, text)
