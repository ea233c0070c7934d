"""M3U and M3U8: reading (plain or extended, any line ending, with or without a BOM) and writing.

Decoding: a BOM or valid UTF-8 is read as UTF-8; anything else as Windows-1252. Plain .m3u
files come from the Winamp era and were written in the system's "ANSI" code page, which on
Western Windows is 1252; it is a superset of Latin-1's printable characters (Latin-1's
0x80–0x9F are control codes no file name holds), so Latin-1 lists read right too. Text in
another encoding is almost never valid UTF-8 by accident, so trying UTF-8 first is safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tonearm.playlists.files.models import (
    MAX_FILE_BYTES,
    MAX_FILE_ENTRIES,
    MAX_LINE_CHARS,
    FileEntry,
    InvalidPlaylistFile,
    ParsedPlaylist,
)

_EXTINF = re.compile(r"#EXTINF:\s*(-?\d+(?:\.\d+)?)?[^,]*,(.*)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def decode_playlist_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM), else Windows-1252."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidPlaylistFile(
            f"playlist file: {len(data)} bytes, at most {MAX_FILE_BYTES} allowed"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; they become U+FFFD instead of failing the file.
        return data.decode("cp1252", "replace"), "cp1252"


def split_artist_title(label: str) -> tuple[str | None, str | None]:
    """("Artist", "Title") from "Artist - Title"; (None, label) when there is no " - "."""
    label = label.strip()
    if not label:
        return None, None
    artist, sep, title = label.partition(" - ")
    if not sep:
        return None, label
    return artist.strip() or None, title.strip() or None


def parse_m3u(data: bytes) -> ParsedPlaylist:
    """The entries of an M3U/M3U8 file, each with the line its location is on.

    `#EXTINF:<seconds>,<artist> - <title>` describes the next location; other `#` lines
    are comments (`#PLAYLIST:` names the list). Raises InvalidPlaylistFile when the file,
    a line or the entry count is past its limit.
    """
    text, encoding = decode_playlist_text(data)
    title: str | None = None
    entries: list[FileEntry] = []
    info: tuple[int | None, str | None, str | None] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_CHARS:
            raise InvalidPlaylistFile(
                f"playlist file line {number}: {len(raw)} characters, at most "
                f"{MAX_LINE_CHARS} allowed"
            )
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            extinf = _EXTINF.match(line)
            if extinf:
                seconds, label = extinf.groups()
                duration_ms = (
                    round(float(seconds) * 1000) if seconds and float(seconds) > 0 else None
                )
                artist, song_title = split_artist_title(_clean(label))
                info = (duration_ms, artist, song_title)
            elif line.upper().startswith("#PLAYLIST:"):
                title = _clean(line[len("#PLAYLIST:") :]).strip() or None
            continue
        if len(entries) >= MAX_FILE_ENTRIES:
            raise InvalidPlaylistFile(
                f"playlist file: more than {MAX_FILE_ENTRIES} entries (the playlist limit)"
            )
        duration_ms, artist, song_title = info or (None, None, None)
        location = _clean(line)
        entries.append(
            FileEntry(
                line=number,
                text=location,
                location=location,
                artist=artist,
                title=song_title,
                duration_ms=duration_ms,
            )
        )
        info = None
    return ParsedPlaylist(title=title, entries=entries, encoding=encoding)


@dataclass(frozen=True, slots=True)
class M3uItem:
    """One song to write: where it is, and what #EXTINF says of it."""

    location: str | None  # None: the song has no location in this export (a comment is written)
    artists: tuple[str, ...]
    title: str
    duration_ms: int


def write_m3u(name: str, items: Iterable[M3uItem]) -> str:
    """Extended M3U text (write it as UTF-8); CRLF-free, one #EXTINF per song."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(name)}"]
    for item in items:
        label = _one_line(
            f"{', '.join(item.artists)} - {item.title}" if item.artists else item.title
        )
        if item.location is None:
            lines.append(f"# not a file on this server: {label}")
            continue
        lines.append(f"#EXTINF:{round(item.duration_ms / 1000)},{label}")
        lines.append(_one_line(item.location))
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _one_line(text: str) -> str:
    return " ".join(_clean(text.replace("\r", " ").replace("\n", " ")).split(" "))
