"""File paths as database text: lossless for any bytes a file system allows, readable on screen.

A POSIX file name is bytes. Most are UTF-8 and are stored exactly as they read, but an old rip
may be named in Latin-1 (`caf\\xe9.mp3`): Python hands such a name over with lone surrogates
(surrogateescape), which PostgreSQL refuses as text. The exact bytes are still needed to open
the file again, so each byte that is not part of valid UTF-8 becomes one code point of a
reserved run at the very end of Unicode (U+10FF80 + (byte - 0x80)), which both databases
store. A real name that already holds a reserved code point has that character's own bytes
escaped the same way, so decoding is never ambiguous.

- `path_to_text` / `text_to_path` are exact inverses for every path (bytes in, same bytes out).
- Valid UTF-8 names without reserved code points are unchanged: rows written before this
  module read the same.
- Text order is code point order, which is the byte order of the text's UTF-8: sorting stored
  paths bytewise (as the scanner does) stays a total, stable order.
- `display_path` is for people only: escaped bytes read as Windows-1252 (what such names
  almost always are), so `caf\\xe9.mp3` shows as `café.mp3`. Never store or open it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["display_path", "path_to_text", "text_to_bytes", "text_to_path"]

_ESCAPE_BASE = 0x10FF80  # U+10FF80 … U+10FFFF stand for the bytes 0x80 … 0xFF
_SURROGATE_BASE = 0xDC80  # where surrogateescape puts an undecodable byte 0x80 … 0xFF
_RESERVED = re.compile("[\U0010ff80-\U0010ffff]")
_LONE_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\U0010ff80-\U0010ffff]+")


def _escape_reserved(match: re.Match[str]) -> str:
    # A real reserved character: escape its own UTF-8 bytes (all ≥ 0x80).
    return "".join(chr(_ESCAPE_BASE + byte - 0x80) for byte in match.group().encode("utf-8"))


def path_to_text(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """The storable text for `path` (a str as Python gives it, or the raw bytes)."""
    raw = os.fsencode(path)
    text = raw.decode("utf-8", "surrogateescape")
    text = _RESERVED.sub(_escape_reserved, text)
    return _LONE_SURROGATE.sub(lambda m: chr(_ESCAPE_BASE + ord(m.group()) - _SURROGATE_BASE), text)


def text_to_bytes(text: str) -> bytes:
    """The exact bytes of the path stored as `text`.

    A Python path string (lone surrogates from surrogateescape) gives its own bytes too, so
    a caller holding either form gets the file it means.
    """
    out = bytearray()
    position = 0
    for match in _ESCAPED_RUN.finditer(text):
        out += text[position : match.start()].encode("utf-8", "surrogateescape")
        out += bytes(ord(char) - _ESCAPE_BASE + 0x80 for char in match.group())
        position = match.end()
    out += text[position:].encode("utf-8", "surrogateescape")
    return bytes(out)


def text_to_path(text: str) -> Path:
    """The path stored as `text`, ready to open (the same bytes it was stored from)."""
    return Path(os.fsdecode(text_to_bytes(text)))


def display_path(text: str) -> str:
    """`text` (stored form) readable for people: escaped bytes decoded as Windows-1252."""
    return _ESCAPED_RUN.sub(
        lambda m: bytes(ord(c) - _ESCAPE_BASE + 0x80 for c in m.group()).decode(
            "cp1252", "replace"
        ),
        text,
    )
