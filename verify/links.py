"""Inputs that are links: ``verify URL`` fetches the clip (verify.provenance.source) and analyses it like a file.

:func:`resolve_input` turns a command-line argument into the file to analyse and, for an http(s)
URL, the report's ``source`` (the clip is downloaded once into the URL cache, or refused with
``--offline``); :func:`analyse_input` then analyses it.  ``verify CLIP`` and ``verify scan --urls``
both go through here.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from .pipeline import Analysis, Options, analyse
from .provenance.source import FetchOptions, fetch_with, is_url


def resolve_input(arg: str | os.PathLike[str], fetching: FetchOptions | None = None) -> tuple[Path, dict[str, Any] | None]:
    """(the local file, its ``source`` or None); raises InputError (one line) when a URL cannot be fetched."""
    text = os.fspath(arg)
    if not is_url(text):
        return Path(text), None
    return fetch_with(text, fetching or FetchOptions())


def analyse_input(arg: str | os.PathLike[str], options: Options, fetching: FetchOptions | None = None) -> Analysis:
    """Analyse a file, or the clip behind an http(s) URL (downloaded once, then taken from the cache)."""
    path, source = resolve_input(arg, fetching)
    analysis = analyse(path, dataclasses.replace(options, source=source) if source else options)
    name_by_url(analysis, arg)
    return analysis


def name_by_url(analysis: Analysis, arg: str | os.PathLike[str]) -> None:
    """A clip from a link is named in its report by the link (the download's place is ``source.cached_file``)."""
    if analysis.report.source is not None:
        analysis.report.file.path = os.fspath(arg)
