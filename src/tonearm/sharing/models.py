"""Shares: public, expiring links that play a fixed list of songs without an account."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound

MAX_DESCRIPTION_LENGTH = 2000
MAX_SHARED_SONGS = 1000
# 24 random bytes: 32 URL-safe characters (the column's width), 192 bits to guess.
SLUG_BYTES = 24


class ShareKind(enum.StrEnum):
    """What a share was made from; its songs are fixed when it is made."""

    SONG = "song"
    ALBUM = "album"
    PLAYLIST = "playlist"
    SONGS = "songs"  # several items at once


class Keep(enum.Enum):
    """Marks a field an update leaves as it is (None would mean "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class Share:
    """A share as its owner sees it."""

    id: UUID
    slug: str  # the unguessable part of its public URL
    owner_id: UUID
    owner_username: str
    kind: ShareKind
    item_id: UUID | None  # the song, album or playlist shared (None for SONGS)
    description: str | None
    created_at: datetime
    expires_at: datetime | None  # None: until deleted
    last_visited_at: datetime | None
    visit_count: int
    song_ids: tuple[UUID, ...]  # in order, removed songs left out

    def expired(self, now: datetime) -> bool:
        """Whether the link no longer plays."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, slots=True)
class SharedSong:
    """One song of an opened share, with a signed URL that plays it."""

    song_id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int
    audio_path: str  # /api/media/...?t=… (join to the public base URL)
    art_path: str | None = None  # its cover, signed like the audio; None without one


@dataclass(frozen=True, slots=True)
class OpenedShare:
    """What the public share page shows."""

    share: Share
    songs: tuple[SharedSong, ...]


@dataclass(frozen=True, slots=True)
class SongListing:
    """What the share page says about a song."""

    song_id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int


class ShareNotFound(NotFound):
    """No such share (or not the caller's; another user's looks the same)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no share {what}")


class ShareExpired(NotFound):
    """The share's link has expired; it no longer plays."""

    def __init__(self, expired_at: datetime) -> None:
        self.expired_at = expired_at
        super().__init__(f"this share expired at {expired_at.isoformat()}")


class InvalidShare(InvalidInput):
    """Nothing to share, too many songs, an expiry in the past or an over-long description."""
