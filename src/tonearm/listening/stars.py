"""Stars, likes and ratings: what a user marks songs, albums and artists with.

A like is a star of a song. The REST API likes and unlikes songs; Subsonic players star and
unstar songs, albums and artists and rate them 1–5. Liking or unliking a song (from either
API) also records a `like` or `unlike` listening event for the recommender; albums and
artists are starred without one. Starring twice keeps the first time; unstarring what is
not starred changes nothing. Listing reads show a user's marks with each item (the library's
catalogue reads them in the same query); `starred` and `likes` list what a user starred.

`StarService` is the only writer of stars and ratings: `StarRepository` is implemented in
adapters/db/stars.py, which also applies the likes of event batches (`/api/events`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound
from tonearm.listening.feed import ListeningFeed, tell_loved
from tonearm.listening.models import LikedSong, Page, page_of, page_size
from tonearm.listening.user_state import ItemKind


class ItemNotFound(NotFound):
    """No song, album or artist has this id."""

    def __init__(self, item_id: UUID) -> None:
        super().__init__(f"no song, album or artist has the id {item_id}")


@dataclass(frozen=True, slots=True)
class StarredItem:
    """Something a user starred, and when."""

    kind: ItemKind
    item_id: UUID
    starred_at: datetime


class StarRepository(Protocol):
    """Where stars (`starred_items`) and ratings are kept. In adapters/db/stars.py."""

    async def item_kind(self, item_id: UUID) -> ItemKind | None:
        """Whether the id is a live song, an album or an artist; None when none."""
        ...

    async def set_liked(self, user_id: UUID, song_id: UUID, liked: bool, at: datetime) -> None:
        """Record a like or unlike event made at `at` and star or unstar the song, in one
        transaction; raises SongNotFound for an id no song ever had."""
        ...

    async def set_starred(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, starred: bool, at: datetime
    ) -> None:
        """Star (kept if already) or unstar an album or artist."""
        ...

    async def set_rating(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, rating: int | None, at: datetime
    ) -> None:
        """Rate 1–5, or remove the rating (None)."""
        ...

    async def starred(self, user_id: UUID) -> list[StarredItem]:
        """Everything the user starred that still exists, most recently starred first."""
        ...

    async def likes(self, user_id: UUID, limit: int, before: str | None) -> list[LikedSong]:
        """The live songs the user starred, newest first, older than the cursor `before`;
        raises InvalidCursor."""
        ...


class StarService:
    """Stars, likes and ratings of songs, albums and artists (see the module docstring)."""

    def __init__(
        self,
        repository: StarRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        feed: ListeningFeed | None = None,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._feed = feed

    async def like(self, user_id: UUID, song_id: UUID) -> None:
        """Like (star) the song; raises SongNotFound."""
        await self._repository.set_liked(user_id, song_id, True, self._clock())
        await tell_loved(self._feed, user_id, song_id, True)

    async def unlike(self, user_id: UUID, song_id: UUID) -> None:
        """Stop liking (unstar) the song; raises SongNotFound."""
        await self._repository.set_liked(user_id, song_id, False, self._clock())
        await tell_loved(self._feed, user_id, song_id, False)

    async def likes(
        self, user_id: UUID, limit: int = 50, before: str | None = None
    ) -> Page[LikedSong]:
        """The songs the user likes, most recently liked first; raises InvalidCursor."""
        limit = page_size(limit)
        return page_of(await self._repository.likes(user_id, limit + 1, before), limit)

    async def star(self, user_id: UUID, kind: ItemKind | None, item_id: UUID) -> None:
        """Star an item (`kind` None: whatever the id names); raises ItemNotFound."""
        await self._set_starred(user_id, kind, item_id, True)

    async def unstar(self, user_id: UUID, kind: ItemKind | None, item_id: UUID) -> None:
        """Unstar an item (`kind` None: whatever the id names); raises ItemNotFound."""
        await self._set_starred(user_id, kind, item_id, False)

    async def set_rating(self, user_id: UUID, item_id: UUID, rating: int) -> None:
        """Rate a song, album or artist 1–5; 0 removes the rating. Raises InvalidInput,
        ItemNotFound."""
        if not 0 <= rating <= 5:
            raise InvalidInput(f"rating must be 0 (none) to 5, got {rating}")
        kind = await self._kind(item_id)
        await self._repository.set_rating(user_id, kind, item_id, rating or None, self._clock())

    async def starred(self, user_id: UUID) -> list[StarredItem]:
        """What the user starred, most recently first."""
        return await self._repository.starred(user_id)

    async def _kind(self, item_id: UUID) -> ItemKind:
        kind = await self._repository.item_kind(item_id)
        if kind is None:
            raise ItemNotFound(item_id)
        return kind

    async def _set_starred(
        self, user_id: UUID, kind: ItemKind | None, item_id: UUID, starred: bool
    ) -> None:
        found = await self._kind(item_id)
        if kind is not None and found is not kind:
            raise ItemNotFound(item_id)
        if found is ItemKind.SONG:
            # A song's star is the REST API's like: with its event for the recommender.
            await self._repository.set_liked(user_id, item_id, starred, self._clock())
            await tell_loved(self._feed, user_id, item_id, starred)
            return
        await self._repository.set_starred(user_id, found, item_id, starred, self._clock())


__all__ = ["ItemNotFound", "StarRepository", "StarService", "StarredItem"]
