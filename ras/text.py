"""Text from users and files: length limits, and making it safe to echo to a terminal.

A name, diagnosis or marker note is printed back by ``ras patients``, ``ras sessions``, the live
status and error lines. A terminal acts on escape sequences in what it prints (``ESC ] 0 ; ...
BEL`` retitles the window, others move the cursor or rewrite the screen), so nothing that came
from outside is printed without :func:`terminal_safe`, and new text with control characters is
refused on input with :func:`check_text`.
"""

from __future__ import annotations

import re
import unicodedata

from ras.errors import UserInputError

__all__ = [
    "MAX_DIAGNOSIS_CHARS",
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "check_text",
    "terminal_safe",
]

#: Longest patient name kept (characters).
MAX_NAME_CHARS = 200
#: Longest diagnosis kept (characters; free text for now).
MAX_DIAGNOSIS_CHARS = 200
#: Longest marker or session note kept (characters).
MAX_NOTE_CHARS = 1000

# Whole escape sequences (ECMA-48), so that their parameters do not show as debris:
# OSC/DCS/SOS/PM/APC strings up to BEL or ST, CSI with its parameters, and two-byte ESC codes.
# C1 forms (U+009B CSI, U+009D OSC, ...) are matched too.
_ESCAPES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
_BLANKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")
# Bidirectional overrides and isolates reorder what a terminal shows (the "Trojan Source" trick).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI


def terminal_safe(text: str) -> str:
    """``text`` with nothing a terminal would act on: escape sequences and control characters
    removed, line breaks and tabs turned into spaces (so it stays one line)."""
    text = _BLANKS.sub(" ", str(text))
    text = _ESCAPES.sub("", text)
    return "".join(ch for ch in text if not _is_control(ch))


def check_text(what: str, text: str, max_chars: int) -> str:
    """Return ``text`` if it has at most ``max_chars`` characters and no control characters.

    Raises
    ------
    UserInputError
        One line naming ``what`` and the limit, or the first control character found.
    """
    text = str(text)
    if len(text) > max_chars:
        raise UserInputError(
            f"{what} is {len(text):,} characters long; at most {max_chars:,} are allowed"
        )
    bad = next((ch for ch in text if _is_control(ch)), None)
    if bad is not None:
        raise UserInputError(
            f"{what} contains a control character (U+{ord(bad):04X} at position"
            f" {text.index(bad) + 1}); use plain text on one line"
        )
    return text
