"""Where a playlist entry points: its path split into names, whatever system wrote it.

Handles POSIX paths, Windows paths (`C:\\Music\\a.mp3`, `..\\x\\y.flac`, `\\\\server\\share`),
`file://` URLs (percent-encoded, `file:///C:/…` included) and tonearm's own stream URLs
(`…/rest/stream.view?id=<song id>…`, as its export writes them), so an exported list reads
back whichever way it was written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

_DRIVE = re.compile(r"^[A-Za-z]:")
_STREAM_PATH = re.compile(r"/rest/(?:stream|download)(?:\.view)?$")


@dataclass(frozen=True, slots=True)
class EntryLocation:
    """A location read: its names (`.` dropped, `..` kept), and whether it is absolute.

    `song_id` is set for one of tonearm's stream URLs; `remote` for any other URL, which no
    library file can be.
    """

    names: tuple[str, ...]
    absolute: bool
    windows: bool = False
    song_id: UUID | None = None
    remote: bool = False


def read_location(location: str) -> EntryLocation:
    """Split `location` (as a playlist file wrote it) into an EntryLocation."""
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"}:
        return EntryLocation(
            (), absolute=True, song_id=_stream_song(parts.path, parts.query), remote=True
        )
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc and parts.netloc.lower() != "localhost":
            return _split(f"//{parts.netloc}{path}", windows=True)  # a UNC share
        if re.match(r"^/[A-Za-z]:", path):
            return _split(path[1:], windows=True)
        return _split(path, windows=False)
    windows = "\\" in location or bool(_DRIVE.match(location))
    return _split(location, windows=windows)


def fold_name(name: str) -> str:
    """A path name compared without case and Unicode composition (NFC vs macOS NFD)."""
    return unicodedata.normalize("NFC", name).casefold()


def _split(path: str, *, windows: bool) -> EntryLocation:
    if windows:
        absolute = bool(_DRIVE.match(path)) or path.startswith(("\\", "/"))
        if _DRIVE.match(path):
            path = path[2:]
        raw = re.split(r"[\\/]", path)
    else:
        absolute = path.startswith("/")
        raw = path.split("/")
    names = tuple(name for name in raw if name not in {"", "."})
    return EntryLocation(names, absolute=absolute, windows=windows)


def _stream_song(path: str, query: str) -> UUID | None:
    if not _STREAM_PATH.search(path):
        return None
    for raw in parse_qs(query).get("id", []):
        try:
            return UUID(raw)
        except ValueError:
            return None
    return None
