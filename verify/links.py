"""Inputs that are links: ``verify URL`` fetches the clip (verify.provenance.source) and analyses it like a file.

:func:`analyse_input` is what the command line and ``verify scan --urls`` call for each argument:
an http(s) argument is fetched into the URL cache (or refused with ``--offline``) and its report
gets ``source``; anything else is a file path.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from .pipeline import Analysis, Options, analyse
from .provenance.source import DEFAULT_MAX_DOWNLOAD_MB, DEFAULT_NETWORK_TIMEOUT_S, fetch, is_url


@dataclass(frozen=True)
class FetchOptions:
    cache: Path | None = None  # the URL cache (default: $VERIFY_CACHE, else the user cache directory)
    offline: bool = False  # refuse URLs (--offline)
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB  # --max-download-mb
    timeout_s: float = DEFAULT_NETWORK_TIMEOUT_S  # network time-out of one request


def analyse_input(arg: str | os.PathLike[str], options: Options, fetching: FetchOptions | None = None) -> Analysis:
    """Analyse a file, or the clip behind an http(s) URL (downloaded once, then taken from the cache)."""
    text = os.fspath(arg)
    if not is_url(text):
        return analyse(Path(text), options)
    fetching = fetching or FetchOptions()
    path, source = fetch(text, fetching.cache, offline=fetching.offline,
                         max_download_mb=fetching.max_download_mb, timeout_s=fetching.timeout_s)
    return analyse(path, dataclasses.replace(options, source=source))
