"""Characters a stored or sent text may not hold: the ones XML 1.0 forbids.

XML 1.0 allows tab, line feed and carriage return among the C0 controls and nothing else
below U+0020; it also forbids U+FFFE, U+FFFF and lone surrogates. One such character in a
playlist name or a client's name makes a whole Subsonic XML answer unreadable, for every user
who sees it (getNowPlaying shows other users' players). So text is checked where it enters
(`check_plain_text`: REST schemas, Subsonic parameters) and the XML writer drops anything
already stored (`strip_forbidden_characters`).
"""

from __future__ import annotations

import re

from tonearm.errors import InvalidInput

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_forbidden_character(text: str) -> int | None:
    """The index of the first character XML 1.0 forbids in `text`, or None."""
    found = _FORBIDDEN.search(text)
    return found.start() if found else None


def strip_forbidden_characters(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (itself when it has none)."""
    return _FORBIDDEN.sub("", text) if _FORBIDDEN.search(text) else text


def check_plain_text(text: str, name: str) -> str:
    """`text` unchanged; raises InvalidInput naming `name`, the character and where it is
    when `text` holds a control character (other than tab and line breaks) or a non-character.
    """
    index = first_forbidden_character(text)
    if index is not None:
        raise InvalidInput(
            f"{name} may not contain control characters "
            f"(U+{ord(text[index]):04X} at position {index})"
        )
    return text


__all__ = ["check_plain_text", "first_forbidden_character", "strip_forbidden_characters"]
