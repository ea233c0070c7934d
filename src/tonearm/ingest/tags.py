"""Tag rules that hold whatever the container: bounded text, numbers, ids, LRC, fallbacks.

The adapter that reads tags (adapters/media/tags.py) cleans every value with `clean_text` and
reads numbers, ids and LRC lyrics with the parsers here; `complete_tags` then fills what the
tags left out from the folder and file name and a `.lrc` file beside the audio, so a song
never has an empty title.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from pathlib import Path

from tonearm.ingest.models import LyricsLine, SongTags
from tonearm.library.paths import display_path, path_to_text
from tonearm.library.sorting import sort_name

__all__ = [
    "GENRE_SEPARATORS",
    "MAX_LRC_LINES",
    "MAX_LYRICS_CHARS",
    "MAX_NAMES",
    "MAX_TEXT_CHARS",
    "RELEASE_TYPE_SEPARATORS",
    "ROLE_SEPARATORS",
    "UNTITLED",
    "canonical_isrc",
    "canonical_mbid",
    "clean_text",
    "complete_tags",
    "parse_bpm",
    "parse_date",
    "parse_lrc",
    "parse_number_pair",
    "parse_year",
    "sort_name",
    "split_values",
]

MAX_TEXT_CHARS = 500  # a title, artist, album, genre, id: what the database columns hold
MAX_LYRICS_CHARS = 100_000
MAX_NAMES = 20  # artists or genres per song
MAX_LRC_LINES = 10_000
UNTITLED = "Untitled"

# Where one tag value holds several (besides the NUL between values that ID3v2.4 and APEv2
# use), as Navidrome splits them: "Classical;Ambient" and "Rock/Pop" are two genres (and two
# moods), "album, live" two release types, "Lennon/McCartney" two composers. Artist names
# are never split here, so "AC/DC" stays one artist.
GENRE_SEPARATORS = (";", "/", ",")
RELEASE_TYPE_SEPARATORS = (",",)
ROLE_SEPARATORS = (";", "/")

# Text is cleaned with regular expressions (not a loop per character), so a value near the
# 1 MiB tag limit costs milliseconds. Line breaks and tabs become spaces in one-line text;
# other control characters (Unicode Cc), lone surrogates (which a broken decoder leaves and
# PostgreSQL refuses as UTF-8) and the byte-order mark are dropped.
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
_ONE_LINE_SPACES = re.compile("[\t\n\v\f\r\x85\u2028\u2029]")
_MULTILINE_SPACES = re.compile("[\t\v\f]")
_DROPPED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")
_DROPPED_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")
_SPACES = re.compile(r"\s+")

# "01 - Title", "01. Title", "01_Title", "1) Title", "01 Title": up to three digits, so a
# title such as "1979" keeps its number.
_LEADING_TRACK = re.compile(r"^(\d{1,3})(?:\s*[-._)]\s*|\s+)(?=\S)")
_ARTIST_TITLE_SEPARATOR = " - "


def clean_text(
    value: str, max_chars: int = MAX_TEXT_CHARS, *, multiline: bool = False
) -> str | None:
    """`value` as safe, bounded text, or None when nothing is left.

    Control characters, lone surrogates and the byte-order mark are removed (a tab or line
    break becomes a space, so words stay apart); the ends are stripped and the result cut
    at `max_chars`. With `multiline` (lyrics), line breaks are kept and normalised to "\\n".
    Nothing else is touched: `../../etc/passwd` stays exactly that, it is only text.
    """
    if multiline:
        value = _LINE_BREAKS.sub("\n", value)
        value = _DROPPED_BUT_NEWLINE.sub("", _MULTILINE_SPACES.sub(" ", value))
    else:
        value = _DROPPED.sub("", _ONE_LINE_SPACES.sub(" ", value))
    text = value.strip()[:max_chars].strip()
    return text or None


def complete_tags(
    tags: SongTags,
    path: Path,
    lrc: tuple[LyricsLine, ...] = (),
    *,
    root: Path | None = None,
) -> SongTags:
    """`tags` with the gaps filled from where the file is, so the title is never empty.

    - title: the file name without its extension, a leading track number ("01 - ", "01.",
      "01_", "01 ") and, for "Artist - Title", the artist part; "_" read as a space;
      "Untitled" when nothing is left.
    - track number: the file name's leading number, when the tags have none.
    - artists: the file name's "Artist - " part when the title also came from the file name,
      else the grandparent folder ("Artist/Album/01 Title.flac").
    - album: the parent folder's name.
    - `root` is the music folder the file was found in (the folder given to scan or
      import): it and the folders above it are never an artist or album, so a file directly
      in the root, or one folder below it, gets no album or no artist from folders (left
      empty, as beets does, rather than "[Unknown Artist]"). Without a root (a single file
      given on its own) the two folders above the file count.
    - synced lyrics: `lrc` (the `.lrc` beside the file) when the tags have none; its text,
      without timestamps, also becomes the plain lyrics when the tags have none.

    Names from the file system are read as people would (a Latin-1 `caf\\xe9` is "café").
    """
    from_name = _parse_file_name(_readable(path.stem))
    title = tags.title
    artists = tags.artists
    if title is None:
        title = from_name.title
        if not artists and from_name.artist is not None:
            artists = (from_name.artist,)
    album_folder, artist_folder = _folders_below(path, root)
    if not artists and artist_folder is not None:
        folder_artist = clean_text(_readable(artist_folder))
        artists = (folder_artist,) if folder_artist else ()
    album = tags.album
    if album is None and album_folder is not None:
        album = clean_text(_readable(album_folder))
    synced = tags.synced_lyrics or lrc
    lyrics = tags.lyrics
    if lyrics is None and not tags.synced_lyrics and lrc:
        lyrics = clean_text(
            "\n".join(line.text for line in lrc if line.text), MAX_LYRICS_CHARS, multiline=True
        )
    return dataclasses.replace(
        tags,
        title=title or UNTITLED,
        artists=artists,
        album=album,
        track_number=tags.track_number or from_name.track_number,
        synced_lyrics=synced,
        lyrics=lyrics,
    )


def _folders_below(path: Path, root: Path | None) -> tuple[str | None, str | None]:
    """The names of the file's parent and grandparent folders, each None when it is the
    music folder `root` or lies above it (or is the file system's root)."""
    names: list[str | None] = []
    for folder in (path.parent, path.parent.parent):
        inside = folder.name != ""  # no name: "/" or "."
        if root is not None:
            inside = inside and folder != root and folder.is_relative_to(root)
        names.append(folder.name if inside else None)
    return names[0], names[1]


def _readable(name: str) -> str:
    # A name that is not UTF-8 arrives with lone surrogates, which clean_text would drop.
    return display_path(path_to_text(name))


_LRC_TIME = re.compile(r"\[(\d{1,4}):(\d{1,2})(?:[.:](\d{1,3}))?\]")
_LRC_OFFSET = re.compile(r"^\s*\[offset:\s*([+-]?\d{1,9})\s*\]\s*$", re.IGNORECASE)
_LRC_WORD_TIME = re.compile(r"<\d{1,4}:\d{1,2}(?:[.:]\d{1,3})?>")  # enhanced LRC, per word


def parse_lrc(text: str) -> tuple[LyricsLine, ...]:
    """Synced lyrics from LRC text, sorted by time; () when it has no timed line.

    `[mm:ss.xx]text` lines, several timestamps on one line (`[00:12.00][01:12.00]chorus`), and
    `[offset:+500]` (a positive offset shows lines earlier). ID tags such as `[ar:…]` and
    untimed lines are ignored, as are enhanced-LRC word times. At most MAX_LRC_LINES lines.
    """
    offset_ms = 0
    lines: list[LyricsLine] = []
    for raw_line in text.splitlines():
        offset = _LRC_OFFSET.match(raw_line)
        if offset is not None:
            offset_ms = int(offset.group(1))
            continue
        times: list[int] = []
        position = 0
        while match := _LRC_TIME.match(raw_line, position):
            minutes, seconds, fraction = match.groups()
            fraction_ms = int((fraction or "0").ljust(3, "0"))
            times.append((int(minutes) * 60 + int(seconds)) * 1000 + fraction_ms)
            position = match.end()
        if not times:
            continue
        words = clean_text(_LRC_WORD_TIME.sub("", raw_line[position:])) or ""
        lines.extend(LyricsLine(time_ms, words) for time_ms in times)
        if len(lines) >= MAX_LRC_LINES:
            break
    # The offset applies to the whole file wherever it appears.
    shifted = (LyricsLine(max(0, line.time_ms - offset_ms), line.text) for line in lines)
    return tuple(sorted(shifted, key=lambda line: line.time_ms)[:MAX_LRC_LINES])


_NUMBER_PAIR = re.compile(r"^\s*(\d{1,9})\s*(?:(?:/|of)\s*(\d{1,9}))?")
_MAX_NUMBER = 9999  # a track or disc number (or total) beyond this is noise


def parse_number_pair(text: str | None) -> tuple[int | None, int | None]:
    """(3, 12) from "3/12", "03 of 12" or "3"; a zero or absurd number is None."""
    match = _NUMBER_PAIR.match(text or "")
    if match is None:
        return None, None
    number, total = (int(part) if part else 0 for part in match.groups())
    return (
        number if 0 < number <= _MAX_NUMBER else None,
        total if 0 < total <= _MAX_NUMBER else None,
    )


def parse_year(text: str | None) -> int | None:
    """2019 from "2019", "2019-05-01" or "2019-05-01T12:00"."""
    match = re.match(r"\s*(\d{4})", text or "")
    return int(match.group(1)) or None if match else None


def split_values(values: tuple[str, ...], separators: tuple[str, ...]) -> tuple[str, ...]:
    """Each of `values` split at any of `separators`, stripped, empty parts and repeats
    dropped, in order; at most MAX_NAMES."""
    pattern = "|".join(re.escape(separator) for separator in separators)
    parts = (part.strip() for value in values for part in re.split(pattern, value))
    return tuple(dict.fromkeys(part for part in parts if part))[:MAX_NAMES]


_BPM = re.compile(r"^\s*(\d{1,4}(?:[.,]\d+)?)")


def parse_bpm(text: str | None) -> float | None:
    """Beats per minute from "120", "120.5" or "98,4"; None for 0, absurd or no number."""
    match = _BPM.match(text or "")
    if match is None:
        return None
    bpm = float(match.group(1).replace(",", "."))
    return bpm if 0 < bpm < 1000 else None


_DATE = re.compile(r"^\s*(\d{4})(?:[-.](\d{1,2})(?:[-.](\d{1,2}))?)?")


def parse_date(text: str | None) -> str | None:
    """A date as "YYYY", "YYYY-MM" or "YYYY-MM-DD" from a tag ("1969-09-26T00:00",
    "1969"), as precise as the tag and valid; None when there is no year."""
    match = _DATE.match(text or "")
    if match is None or int(match.group(1)) == 0:
        return None
    year, month, day = match.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    try:
        return datetime.date(int(year), int(month), int(day or "")).isoformat()
    except ValueError:  # no day, or no such day (February 30th): the month is still right
        return f"{year}-{int(month):02d}"


def canonical_mbid(text: str | None) -> str | None:
    """A MusicBrainz id in canonical form, or None for anything that is not a UUID."""
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def canonical_isrc(text: str | None) -> str | None:
    """An ISRC as 12 characters ("USRC17607839"), or None if it is not one."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if _ISRC.match(code) else None


@dataclasses.dataclass(frozen=True, slots=True)
class _FileName:
    """What a file name tells when the tags are silent."""

    title: str | None
    artist: str | None
    track_number: int | None


def _parse_file_name(stem: str) -> _FileName:
    text = _SPACES.sub(" ", (clean_text(stem) or "").replace("_", " ")).strip()
    track_number = None
    match = _LEADING_TRACK.match(text)
    if match is not None:
        track_number = int(match.group(1)) or None
        text = text[match.end() :]
    artist = None
    if _ARTIST_TITLE_SEPARATOR in text:
        left, right = (part.strip() for part in text.split(_ARTIST_TITLE_SEPARATOR, 1))
        if left and right:
            artist, text = left, right
    return _FileName(title=text or None, artist=artist, track_number=track_number)
