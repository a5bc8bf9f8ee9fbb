"""Atomic writes: a report is replaced whole or not at all, and is as readable as any new file.

The text goes to a temporary file beside the target, which is then renamed over it.  Temporary files
are created private (mode 0600); before the rename they get the mode an ordinary new file would get
under the current umask, so reports written for an archive's web server or colleagues are readable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def publish(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Give the finished temporary file the usual mode and rename it to *target*."""
    os.chmod(tmp, _new_file_mode())
    os.replace(tmp, target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
