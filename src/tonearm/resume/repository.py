"""Where bookmarks and play queues are kept. Implemented in adapters/db/resume.py."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from tonearm.resume.models import Bookmark, PlayQueue


class ResumeRepository(Protocol):
    """Bookmarks (one per user and song) and play queues (one per user)."""

    async def bookmarks(self, user_id: UUID) -> list[Bookmark]:
        """The user's bookmarks in live songs, most recently changed first."""
        ...

    async def put_bookmark(self, user_id: UUID, bookmark: Bookmark) -> Bookmark:
        """Create or replace the user's bookmark in the song (keeping its first
        `created_at`); returns what is stored."""
        ...

    async def delete_bookmark(self, user_id: UUID, song_id: UUID) -> bool:
        """Remove the bookmark; False when there was none."""
        ...

    async def play_queue(self, user_id: UUID) -> PlayQueue | None:
        """The saved queue as stored (songs removed since included), or None."""
        ...

    async def put_play_queue(self, user_id: UUID, queue: PlayQueue) -> None:
        """Replace the user's saved queue."""
        ...

    async def delete_play_queue(self, user_id: UUID) -> None:
        """Forget the user's saved queue (no error when there is none)."""
        ...

    async def live_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Those of `song_ids` that are in the library and not removed."""
        ...
