"""Make text taken from a file safe to show: no terminal escapes, no hidden or direction-changing
characters.  Such characters are replaced by visible marks (``⟨U+202E⟩``, ``⟨0xFF⟩`` for a byte of
a file name that is not UTF-8), so a hostile tag can neither drive the terminal nor make a name
read as something else."""

from __future__ import annotations

import re
from typing import Any

# C0/C1 controls (tab and newlines kept), invisible and bidi formatting characters, lone surrogates.
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]")


def _mark(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"⟨0x{code - 0xDC00:02X}⟩"
    return f"⟨U+{code:04X}⟩"


def visible(value: Any) -> str:
    """``str(value)`` with every hidden, control or bidi character shown as a visible mark."""
    return HIDDEN.sub(_mark, str(value))
