"""Where playlists are kept. Implemented in adapters/db/playlists.py."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.playlists.models import Keep, Playlist, PlaylistContents, PlaylistOrder

# Takes the playlist's song ids in order and returns the new order (or raises to change nothing).
SongOrderEdit = Callable[[list[UUID]], list[UUID]]


class PlaylistRepository(Protocol):
    """Playlists and their entries. Every method takes the owner's id: a playlist of another
    owner is treated exactly like one that does not exist (PlaylistNotFound)."""

    async def add(self, playlist: Playlist, song_ids: Sequence[UUID]) -> PlaylistContents:
        """Store a new playlist with its songs at positions 0..n-1, in one transaction, and
        return it as stored (its entries read in that transaction)."""
        ...

    async def get(self, playlist_id: UUID, owner_id: UUID) -> Playlist:
        """The playlist with its counts; raises PlaylistNotFound."""
        ...

    async def contents(self, playlist_id: UUID, owner_id: UUID) -> PlaylistContents:
        """The playlist and every entry in position order, removed songs flagged, read
        together so the counts match the entries; raises PlaylistNotFound."""
        ...

    async def list(self, owner_id: UUID, order: PlaylistOrder) -> list[Playlist]:
        """The owner's playlists in the given order."""
        ...

    async def update_details(
        self,
        playlist_id: UUID,
        owner_id: UUID,
        name: str | Keep,
        comment: str | Keep | None,
        now: datetime,
    ) -> None:
        """Set the name and/or comment (KEEP leaves one alone), bump updated_at; raises
        PlaylistNotFound."""
        ...

    async def edit_songs(
        self, playlist_id: UUID, owner_id: UUID, edit: SongOrderEdit, now: datetime
    ) -> None:
        """Apply `edit` to the song order and store the result at positions 0..n-1, bumping
        updated_at, in one transaction that holds the playlist against concurrent edits.
        Raises PlaylistNotFound; whatever `edit` raises leaves the playlist unchanged."""
        ...

    async def delete(self, playlist_id: UUID, owner_id: UUID) -> None:
        """Remove the playlist and its entries; raises PlaylistNotFound."""
        ...

    async def playable_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Those of `song_ids` that are in the library and not removed."""
        ...
