"""What the library holds, counted: live songs, bytes kept in storage, failed imports.

The admin screens show these; they read the song repository and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from tonearm.library.models import ImportFailure
from tonearm.library.repository import SongRepository


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """Bytes tonearm keeps in object storage for live songs."""

    renditions_bytes: int
    originals_bytes: int

    @property
    def total_bytes(self) -> int:
        """Renditions and originals together."""
        return self.renditions_bytes + self.originals_bytes


class LibraryStats:
    """Counts over the song repository."""

    def __init__(self, songs: SongRepository) -> None:
        self._songs = songs

    async def live_songs(self) -> int:
        """Songs listed in the library (not removed, not half-imported)."""
        return await self._songs.count_live()

    async def stored_bytes(self) -> StoredBytes:
        """Bytes of live songs' renditions and of originals kept in storage."""
        renditions, originals = await self._songs.stored_bytes()
        return StoredBytes(renditions, originals)

    async def import_failures(self, limit: int, offset: int) -> tuple[list[ImportFailure], int]:
        """A page of files that could not be imported, newest first, and how many there are."""
        return await self._songs.failures(limit, offset)


__all__ = ["LibraryStats", "StoredBytes"]
