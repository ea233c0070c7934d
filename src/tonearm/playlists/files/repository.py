"""Where scanned playlists are kept. Implemented in adapters/db/playlist_files.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.playlists.models import Playlist


class ScannedPlaylistRepository(Protocol):
    """Playlists read from playlist files in music folders, keyed by the file's path text."""

    async def default_owner(self) -> UUID | None:
        """The user scanned playlists belong to: the first admin (None when there is none)."""
        ...

    async def in_folder(self, folder_id: int) -> dict[str, UUID]:
        """The scanned playlists of a music folder, by their file's path text."""
        ...

    async def add(
        self, playlist: Playlist, song_ids: Sequence[UUID], source_path: str, folder_id: int
    ) -> None:
        """Store a scanned playlist and its songs at 0..n-1."""
        ...

    async def replace(
        self, playlist_id: UUID, name: str, song_ids: Sequence[UUID], now: datetime
    ) -> bool:
        """Make the playlist `name` with exactly `song_ids`; True (and updated_at bumped)
        when anything changed."""
        ...

    async def remove(self, playlist_ids: Collection[UUID]) -> int:
        """Delete these scanned playlists; how many there were."""
        ...

    async def remove_outside(self, folder_ids: Collection[int]) -> int:
        """Delete the scanned playlists of folders not among `folder_ids` (folders removed)."""
        ...
