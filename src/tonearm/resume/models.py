"""Where users stopped: bookmarks in songs and the saved play queue, with their limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound

MAX_BOOKMARK_COMMENT_LENGTH = 2000
# A queue is a working list, not a library: this bounds the JSON row and the answer.
MAX_QUEUE_LENGTH = 10_000
MAX_CLIENT_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A position in a song to resume from; one per user and song."""

    song_id: UUID
    position_ms: int
    comment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PlayQueue:
    """A user's saved queue: songs in order, which one plays and where in it.

    `current_index` indexes `song_ids` (None: nothing current); `changed_by` names the app
    that saved it, so another device can tell where the queue comes from.
    """

    song_ids: tuple[UUID, ...]
    current_index: int | None
    position_ms: int
    changed_by: str
    updated_at: datetime

    @property
    def current_song_id(self) -> UUID | None:
        """The song at `current_index`, if any."""
        return None if self.current_index is None else self.song_ids[self.current_index]


class BookmarkNotFound(NotFound):
    """The user has no bookmark in this song."""

    def __init__(self, song_id: UUID) -> None:
        super().__init__(f"no bookmark in song {song_id}")


class InvalidBookmark(InvalidInput):
    """A negative position or an over-long comment."""


class InvalidPlayQueue(InvalidInput):
    """A queue too long, a current index or song outside it, or a negative position."""
