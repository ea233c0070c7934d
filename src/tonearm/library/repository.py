"""Where songs are kept. Implemented in adapters/db/library.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.library.models import ImportFailure, ScannedFile, Song, SongDraft, StoredRendition
from tonearm.library.replaygain import AlbumTrack


class SongRepository(Protocol):
    """Songs, their artists, album, genres and stored renditions; every change is logged
    in the change log in the same transaction."""

    async def add(
        self,
        song_id: UUID,
        draft: SongDraft,
        now: datetime,
        renditions: Sequence[StoredRendition] = (),
    ) -> Song:
        """Insert a song with its artists, album, genres and the rows of its already stored
        `renditions` in one transaction, which also ends the song's pending import. A song
        with this id already listed (another process finished the same pending import) is
        returned as it is; raises DuplicateAudio when another song has the same audio."""
        ...

    async def replace_metadata(self, song_id: UUID, draft: SongDraft, now: datetime) -> Song:
        """Overwrite tags, file facts and analysis of an existing song (retag, new audio);
        its id, plays and playlist entries stay. Revives a tombstoned song and ends its
        pending import (if any) in the same transaction."""
        ...

    async def get(self, song_id: UUID) -> Song:
        """The song (tombstoned ones too); raises SongNotFound."""
        ...

    async def find_by_audio_hash(self, audio_hash: str) -> Song | None:
        """The song with this audio, tombstoned or not."""
        ...

    async def move_original(
        self,
        song_id: UUID,
        original_path: str,
        folder_path: str,
        size: int,
        mtime_ns: int,
        now: datetime,
    ) -> None:
        """Point a scanned song at its file's new place (a move keeps the song)."""
        ...

    async def tombstone(self, song_id: UUID, now: datetime) -> None:
        """Mark the song removed; it stays for delta sync and can come back."""
        ...

    async def add_rendition(self, song_id: UUID, rendition: StoredRendition) -> None:
        """Record (or replace) a stored object of the song. Call only once it is stored."""
        ...

    async def renditions(self, song_id: UUID) -> list[StoredRendition]:
        """The song's stored objects."""
        ...

    async def drop_renditions(self, song_id: UUID) -> list[StoredRendition]:
        """Forget every stored object of the song (before re-rendering new audio); returns
        them so the caller can delete the objects."""
        ...

    async def album_tracks(self, song_id: UUID) -> list[AlbumTrack]:
        """The live songs on the same album as `song_id` (itself included); [] if none."""
        ...

    async def set_album_gain(self, song_id: UUID, gain_db: float, peak: float | None) -> None:
        """Store the album ReplayGain on every live song of `song_id`'s album."""
        ...

    def scanned_files(self, under: str, batch: int = 1000) -> AsyncIterator[ScannedFile]:
        """Live songs read in place under the folder `under`, by path (bytewise order)."""
        ...

    async def unfinished_imports(self, limit: int = 1000) -> list[UUID]:
        """Listed songs copied into storage (import, upload) that have no waveform row:
        listed half-done by a version of tonearm that listed a song before its objects
        (the waveform was its last step but cover art); oldest first."""
        ...

    async def known_storage_keys(self, keys: list[str]) -> set[str]:
        """Which of `keys` some song references (originals and renditions)."""
        ...

    async def record_failure(
        self,
        path: str,
        reason: str,
        source: str,
        size: int | None,
        mtime_ns: int | None,
        now: datetime,
    ) -> None:
        """Remember that a file failed to import and why."""
        ...

    async def clear_failure(self, path: str) -> None:
        """Forget a past failure of this file."""
        ...

    async def failure_for(self, path: str) -> tuple[int | None, int | None] | None:
        """(size, mtime_ns) of a recorded failure of this file, if any."""
        ...

    async def failures(self, limit: int, offset: int) -> tuple[list[ImportFailure], int]:
        """Recorded import failures, newest first, and how many there are in all."""
        ...

    async def count_live(self) -> int:
        """How many songs are in the library (not tombstoned)."""
        ...

    async def stored_bytes(self) -> tuple[int, int]:
        """Bytes in object storage for live songs: (renditions and art, copied originals)."""
        ...
