"""Content-Disposition for a file sent to be saved: named after the song, readable by every client.

RFC 6266: `filename="…"` is plain ASCII for clients that read only that (accents folded,
anything else replaced by `_`, quotes and backslashes dropped), and `filename*=UTF-8''…` gives
the real name to those that read it. Control characters and path separators are never part
of either (a title "AC/DC" saves as "AC-DC").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from urllib.parse import quote

MAX_NAME_CHARS = 200
# Letters NFKD does not take apart, and typographic punctuation, as ASCII.
_ASCII_LOOKALIKES = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "Th",
        "‘": "'",
        "’": "'",
        "“": "",
        "”": "",
        "–": "-",
        "—": "-",
        "…": "...",
    }
)


def _clean(text: str) -> str:
    """`text` without control characters or path separators, spaces collapsed."""
    kept = "".join(
        "-" if char in "/\\" else " " if unicodedata.category(char)[0] in "CZ" else char
        for char in text
    )
    return " ".join(kept.split())


def song_filename(artists: Sequence[str], title: str, extension: str, fallback: str) -> str:
    """`Artist - Title.ext` for a song (artists joined by `, `; `fallback` when the song has
    no title); `extension` without its dot."""
    artist = _clean(", ".join(name for name in artists if name.strip()))
    clean_title = _clean(title) or _clean(fallback)
    stem = f"{artist} - {clean_title}" if artist and clean_title else artist or clean_title
    stem = stem[:MAX_NAME_CHARS].strip(" .") or "download"
    suffix = _clean(extension).lstrip(".")
    return f"{stem}.{suffix}" if suffix else stem


def ascii_filename(name: str) -> str:
    """`name` in printable ASCII: accents folded (é → e, ß → ss), other characters `_`, no
    double quotes or backslashes."""
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII_LOOKALIKES))
    kept = []
    for char in folded:
        if unicodedata.combining(char):
            continue
        if char in '"\\':
            continue
        kept.append(char if " " <= char <= "~" else "_")
    return "".join(kept).strip() or "download"


def attachment_disposition(name: str) -> str:
    """The Content-Disposition header that saves the response as `name`."""
    name = _clean(name) or "download"
    return (
        f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


__all__ = ["ascii_filename", "attachment_disposition", "song_filename"]
