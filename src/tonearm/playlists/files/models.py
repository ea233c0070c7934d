"""Playlist files as tonearm reads and writes them: entries, import reports, limits, errors."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.playlists.models import MAX_ENTRIES, PlaylistContents

# Bounds on what is read, so a hostile or broken file costs little: a hand-made playlist of
# MAX_ENTRIES songs with long paths stays well under these.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_LINE_CHARS = 4096
MAX_FILE_ENTRIES = MAX_ENTRIES
# An entry's length may differ from the song's by this much and still match by tags:
# #EXTINF gives whole seconds, and encoders disagree on a file's length by a frame or two.
DURATION_TOLERANCE_MS = 3000


class PlaylistFormat(enum.StrEnum):
    """The file formats read and written."""

    M3U = "m3u"  # plain or extended M3U; read as UTF-8, or Windows-1252 when not UTF-8
    M3U8 = "m3u8"  # extended M3U, UTF-8
    XSPF = "xspf"  # XML Shareable Playlist Format

    @property
    def content_type(self) -> str:
        """The media type a download is served with."""
        return {
            PlaylistFormat.M3U: "audio/x-mpegurl",
            PlaylistFormat.M3U8: "audio/x-mpegurl; charset=utf-8",
            PlaylistFormat.XSPF: "application/xspf+xml; charset=utf-8",
        }[self]

    @classmethod
    def of_name(cls, filename: str) -> PlaylistFormat | None:
        """The format a file name's extension says, or None."""
        suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        return {"m3u": cls.M3U, "m3u8": cls.M3U8, "xspf": cls.XSPF}.get(suffix)


class ExportPaths(enum.StrEnum):
    """How an exported file names its songs."""

    RELATIVE = "relative"  # paths relative to a music folder (or each song's own folder)
    ABSOLUTE = "absolute"  # the songs' paths on the server
    URLS = "urls"  # Subsonic stream URLs carrying an API key: playable from anywhere


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One song as a playlist file names it; `line` is where it starts (1-based)."""

    line: int
    text: str  # the entry as written: its location, or "artist - title" without one
    location: str | None = None
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedPlaylist:
    """What a playlist file holds; `encoding` is how its bytes were read."""

    title: str | None
    entries: list[FileEntry]
    encoding: str


@dataclass(frozen=True, slots=True)
class Unmatched:
    """An entry no library song was found for, and why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The playlist made from a file and the entries left out of it."""

    contents: PlaylistContents
    unmatched: list[Unmatched]
    encoding: str


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A playlist written out: the text, how to serve it and a name to save it under."""

    body: bytes
    content_type: str
    filename: str
    skipped: int  # entries left out (removed songs, or songs without a path in this mode)


@dataclass(frozen=True, slots=True)
class SongFileInfo:
    """What export needs of a song beyond the playlist entry: where its file is."""

    song_id: UUID
    path: str | None  # the stored path text of a file read in place, None for an upload


class InvalidPlaylistFile(InvalidInput):
    """A file that is not a playlist tonearm can read (too large, malformed, hostile XML)."""
