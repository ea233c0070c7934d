"""Playlists as the rest of tonearm sees them, their limits and their errors."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound, PermissionDenied

MAX_NAME_LENGTH = 200
MAX_COMMENT_LENGTH = 2000
# Large enough for any hand-made playlist, small enough that a rewrite stays one quick statement.
MAX_ENTRIES = 10_000


class PlaylistOrder(enum.StrEnum):
    """How a user's playlists are listed."""

    NEWEST = "newest"  # most recently created first
    UPDATED = "updated"  # most recently changed first
    NAME = "name"  # by name, ignoring case


class Keep(enum.Enum):
    """Marks a field an update leaves as it is (None would mean "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class Playlist:
    """A playlist without its entries; counts cover the songs that can be played."""

    id: UUID
    owner_id: UUID
    name: str
    comment: str | None
    auto_generated: bool
    created_at: datetime
    updated_at: datetime
    song_count: int  # entries whose song is still in the library
    duration_ms: int  # their total length
    # Read from a playlist file in a music folder: every user sees it, nobody edits it
    # (the scan keeps it in line with its file).
    read_only: bool = False
    # Its songs follow its rules (playlists/smart): nobody edits them by hand, and they hold
    # until `valid_until`, when they are evaluated again.
    smart: bool = False
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    """One place in a playlist and the song at it.

    `available` is False when the song was removed from the library (a tombstone): the
    entry stays, so positions do not shift under a client and the song returns if its
    file comes back, but players should skip it.
    """

    position: int
    song_id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int
    available: bool


@dataclass(frozen=True, slots=True)
class PlaylistContents:
    """A playlist and its entries, in order (positions 0..n-1)."""

    playlist: Playlist
    entries: list[PlaylistEntry]


class PlaylistNotFound(NotFound):
    """No playlist with this id belongs to the caller (another user's looks the same)."""

    def __init__(self, playlist_id: UUID) -> None:
        super().__init__(f"no playlist {playlist_id}")


class PlaylistEntryNotFound(NotFound):
    """The playlist has no entry at this position."""

    def __init__(self, playlist_id: UUID, position: int) -> None:
        super().__init__(f"playlist {playlist_id} has no entry at position {position}")


class PlaylistReadOnly(PermissionDenied):
    """The playlist comes from a playlist file in a music folder: edit the file instead."""

    def __init__(self, playlist_id: UUID) -> None:
        super().__init__(
            f"playlist {playlist_id} is read from a playlist file in a music folder and "
            "cannot be changed here; edit the file and rescan"
        )


class InvalidPlaylistName(InvalidInput):
    """A name empty after trimming, or too long."""


class InvalidPlaylistComment(InvalidInput):
    """A comment too long."""


class InvalidPosition(InvalidInput):
    """A position to insert at or move to that lies outside the playlist."""


class PlaylistTooLong(InvalidInput):
    """The change would take the playlist past MAX_ENTRIES entries."""

    def __init__(self, playlist_id: UUID, entries: int) -> None:
        super().__init__(
            f"playlist {playlist_id} would have {entries} entries; the limit is {MAX_ENTRIES}"
        )


class UnknownSongs(InvalidInput):
    """Songs that are not in the library (never were, or were removed); nothing was changed."""

    def __init__(self, song_ids: Iterable[UUID]) -> None:
        self.song_ids = sorted(set(song_ids))
        super().__init__(
            "not in the library (unknown or removed): " + ", ".join(map(str, self.song_ids))
        )


def normalize_name(raw: str) -> str:
    """The name trimmed; raises InvalidPlaylistName unless it has 1–200 characters."""
    name = raw.strip()
    if not name:
        raise InvalidPlaylistName("playlist name: must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidPlaylistName(
            f"playlist name: {len(name)} characters, at most {MAX_NAME_LENGTH} allowed"
        )
    return name


def normalize_comment(raw: str | None) -> str | None:
    """The comment trimmed, None when empty; raises InvalidPlaylistComment when too long."""
    comment = (raw or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidPlaylistComment(
            f"playlist comment: {len(comment)} characters, at most {MAX_COMMENT_LENGTH} allowed"
        )
    return comment or None
