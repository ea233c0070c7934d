"""The ids tonearm hands to Subsonic apps, and how each is read back.

| What | Id | Example |
| --- | --- | --- |
| song, album, artist, playlist | its UUID | `7d8c…-…` |
| internet radio station | its UUID | `3f2a…-…` |
| folder (getMusicDirectory) | `d` + unpadded urlsafe base64 of its absolute path | `dL211c2lj` = `/music` |
| imported songs' virtual folder | the folder id of `imported` | `daW1wb3J0ZWQ` |
| an imported artist's / album's virtual folder | the folder id of `imported/<artist>[/<album>]` | |
| music folder (getMusicFolders) | its stable id in the database (never reused) | `1` |
| imported songs' music folder | IMPORTED_MUSIC_FOLDER_ID, the largest `xs:int` | `2147483647` |
| cover art of an album, artist, song, playlist | `al-`, `ar-`, `mf-`, `pl-` + UUID | `al-7d8c…` |
| podcast channel, podcast episode | its UUID | |
| a podcast episode's streamId (stream, download) | `pe-` + the episode's UUID | `pe-7d8c…` |
| a mashup (its owner's "Mashups" playlist; stream, download) | `mx-` + the mashup's UUID | `mx-7d8c…` |
| that "Mashups" playlist | a UUID fixed per owner (MashupService.playlist_id) | |

Folder ids are opaque to apps: they only send back what they were given. A folder id names
a path as the database stores it (library/paths.py text: a non-UTF-8 name's bytes are kept
as reserved code points, so the id round-trips and the folder can be browsed); whether it
is inside a music folder is the catalog's check (FolderNotFound).
getMusicDirectory also takes artist and album ids, as other servers do.
"""

from __future__ import annotations

import base64
import binascii
import enum
import uuid
from dataclasses import dataclass

from tonearm.api.subsonic.params import parse_id
from tonearm.errors import NotFound

FOLDER_PREFIX = "d"


class ArtKind(enum.StrEnum):
    """What a coverArt id shows the cover of, by its prefix."""

    ALBUM = "al"
    ARTIST = "ar"
    SONG = "mf"
    PLAYLIST = "pl"


@dataclass(frozen=True, slots=True)
class CoverArtRef:
    """A parsed coverArt id; a bare UUID has no kind (an album, song or artist id)."""

    kind: ArtKind | None
    item_id: uuid.UUID


def folder_id(path: str) -> str:
    """The directory id of a folder path."""
    encoded = base64.urlsafe_b64encode(path.encode("utf-8")).rstrip(b"=").decode("ascii")
    return FOLDER_PREFIX + encoded


def folder_path(raw: str) -> str | None:
    """The path a directory id names, or None when `raw` is not a folder id (it may be an
    artist or album id)."""
    if not raw.startswith(FOLDER_PREFIX) or _is_uuid(raw):
        return None
    body = raw[len(FOLDER_PREFIX) :]
    try:
        path = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return path if folder_id(path) == raw else None


def cover_art_id(kind: ArtKind, item_id: uuid.UUID) -> str:
    """The coverArt id of an item's cover."""
    return f"{kind.value}-{item_id}"


def parse_cover_art_id(raw: str) -> CoverArtRef:
    """A coverArt id read back; raises NotFound for anything that is not one."""
    prefix, dash, rest = raw.strip().partition("-")
    if dash and prefix in ArtKind.__members__.values():
        return CoverArtRef(ArtKind(prefix), parse_id(rest, "id"))
    return CoverArtRef(None, parse_id(raw, "id"))


# Imported and uploaded songs' virtual music folder: an id no database folder reaches, and
# not 0, which clients may read as "no folder chosen".
IMPORTED_MUSIC_FOLDER_ID = 2_147_483_647


def parse_music_folder_id(raw: str | None) -> int | None:
    """The music folder id `raw` names (None: all); raises NotFound for a non-number."""
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFound(f"music folder {raw!r} not found") from None


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


EPISODE_STREAM_PREFIX = "pe-"


def episode_stream_id(episode_id: uuid.UUID) -> str:
    """The streamId of a podcast episode."""
    return f"{EPISODE_STREAM_PREFIX}{episode_id}"


def parse_episode_stream_id(raw: str) -> uuid.UUID | None:
    """The episode a streamId names, or None when `raw` is not one (a song id)."""
    if not raw.startswith(EPISODE_STREAM_PREFIX):
        return None
    return parse_id(raw[len(EPISODE_STREAM_PREFIX) :], "id")


MASHUP_PREFIX = "mx-"


def mashup_entry_id(mashup_id: uuid.UUID) -> str:
    """The Child id of a mashup (in its owner's "Mashups" playlist)."""
    return f"{MASHUP_PREFIX}{mashup_id}"


def parse_mashup_entry_id(raw: str) -> uuid.UUID | None:
    """The mashup an id names, or None when `raw` is not one (a song id)."""
    if not raw.startswith(MASHUP_PREFIX):
        return None
    return parse_id(raw[len(MASHUP_PREFIX) :], "id")


__all__ = [
    "EPISODE_STREAM_PREFIX",
    "FOLDER_PREFIX",
    "IMPORTED_MUSIC_FOLDER_ID",
    "MASHUP_PREFIX",
    "ArtKind",
    "CoverArtRef",
    "cover_art_id",
    "episode_stream_id",
    "folder_id",
    "folder_path",
    "mashup_entry_id",
    "parse_cover_art_id",
    "parse_episode_stream_id",
    "parse_mashup_entry_id",
    "parse_music_folder_id",
]
