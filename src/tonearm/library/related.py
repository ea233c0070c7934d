"""Related music from tonearm's own data: similar artists and songs, an artist's top songs.

Honest and cheap until the recommendations land: "similar" means sharing a genre (and, for
songs, an artist) in this library; "top" means most played here. No outside sources.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound
from tonearm.library.catalog import ArtistSummary, CatalogSong

MAX_RELATED = 500


class RelatedRepository(Protocol):
    """The queries behind RelatedMusic. Implemented in adapters/db/related_repository.py."""

    async def similar_artists(
        self, artist_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Other artists with live songs in the artist's genres, those with the most such
        songs first (then by name)."""
        ...

    async def similar_songs(
        self, seed_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong] | None:
        """Live songs sharing an artist or a genre with the seed songs (the song, the
        album's tracks or the artist's songs `seed_id` names), seeds left out: a shared
        artist counts two, each shared genre one; highest score first, then most played.
        None when `seed_id` names no live song, album or artist."""
        ...

    async def top_songs(
        self, artist_name: str, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Live songs credited to the artist of this name (any case), most played first."""
        ...


class RelatedMusic:
    """Similar artists, similar songs and top songs, for the Subsonic info methods."""

    def __init__(self, repository: RelatedRepository) -> None:
        self._repository = repository

    async def similar_artists(
        self, artist_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[ArtistSummary]:
        """Artists sharing the artist's genres (none for an unknown artist), with `viewer`'s
        marks; raises InvalidInput for a limit outside 0..500."""
        if _check(limit) == 0:
            return []
        return await self._repository.similar_artists(artist_id, limit, viewer=viewer)

    async def similar_songs(
        self, seed_id: UUID, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """Songs sharing an artist or genre with a song, an album's tracks or an artist's
        songs, those left out, with `viewer`'s marks. Raises NotFound when `seed_id` is none of them, and
        InvalidInput for a limit outside 0..500."""
        _check(limit)
        found = await self._repository.similar_songs(seed_id, limit, viewer=viewer)
        if found is None:
            raise NotFound(f"no song, album or artist {seed_id}")
        return found

    async def top_songs(
        self, artist_name: str, limit: int, *, viewer: UUID | None = None
    ) -> list[CatalogSong]:
        """The artist's songs by play count in this library, with `viewer`'s marks; raises
        InvalidInput for a limit outside 0..500."""
        if _check(limit) == 0 or not artist_name.strip():
            return []
        return await self._repository.top_songs(artist_name.strip(), limit, viewer=viewer)


def _check(limit: int) -> int:
    if not 0 <= limit <= MAX_RELATED:
        raise InvalidInput(f"count {limit}: must be between 0 and {MAX_RELATED}")
    return limit
