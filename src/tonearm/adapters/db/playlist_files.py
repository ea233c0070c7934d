"""Playlist files on SQLAlchemy: finding songs for their entries (SongLocator) and keeping
the playlists scans read from them (ScannedPlaylistRepository)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.catalog_repository.songs import live_song_ids
from tonearm.adapters.db.tables import (
    PlaylistRow,
    PlaylistSongRow,
    SongRow,
    SongSearchRow,
    UserRow,
)
from tonearm.playlists.files.matching import TagCandidate
from tonearm.playlists.models import Playlist

# IN lists are sent in chunks of this many values (SQLite's bound-parameter limit).
_CHUNK = 500


class SqlSongLocator:
    """Song look-ups for matching playlist-file entries and writing them back out."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def live_songs(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Those of `song_ids` in the library and not removed."""
        async with self._sessions() as session:
            return await live_song_ids(session, song_ids)

    async def songs_at(self, paths: Collection[str]) -> dict[str, UUID]:
        """Live songs by stored path, for the paths given."""
        found: dict[str, UUID] = {}
        async with self._sessions() as session:
            for chunk in _chunks(list(paths)):
                rows = await session.execute(
                    select(SongRow.original_path, SongRow.id).where(
                        SongRow.original_path.in_(chunk), SongRow.deleted_at.is_(None)
                    )
                )
                found.update({path: song_id for path, song_id in rows if path is not None})
        return found

    async def song_paths(self) -> list[tuple[UUID, str]]:
        """(id, stored path) of every live song read in place."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(SongRow.id, SongRow.original_path).where(
                    SongRow.original_path.is_not(None), SongRow.deleted_at.is_(None)
                )
            )
            return [(song_id, path) for song_id, path in rows if path is not None]

    async def songs_titled(self, titles: Collection[str]) -> list[TagCandidate]:
        """Live songs whose search-index title (folded) is one of `titles`."""
        found: list[TagCandidate] = []
        async with self._sessions() as session:
            for chunk in _chunks(list(titles)):
                rows = await session.execute(
                    select(
                        SongSearchRow.song_id,
                        SongSearchRow.title,
                        SongSearchRow.artists,
                        SongRow.duration_ms,
                    )
                    .join(SongRow, SongRow.id == SongSearchRow.song_id)
                    .where(SongSearchRow.title.in_(chunk), SongRow.deleted_at.is_(None))
                )
                found.extend(TagCandidate(*row) for row in rows)
        return found

    async def stored_paths(self, song_ids: Collection[UUID]) -> dict[UUID, str]:
        """The stored path of each of `song_ids` read in place (uploads have none)."""
        found: dict[UUID, str] = {}
        async with self._sessions() as session:
            for chunk in _chunks(list(set(song_ids))):
                rows = await session.execute(
                    select(SongRow.id, SongRow.original_path).where(
                        SongRow.id.in_(chunk), SongRow.original_path.is_not(None)
                    )
                )
                found.update({song_id: path for song_id, path in rows if path is not None})
        return found


class SqlScannedPlaylistRepository:
    """Scanned playlists: rows of `playlists` with `source_path` set."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def default_owner(self) -> UUID | None:
        """The earliest admin account."""
        async with self._sessions() as session:
            return await session.scalar(
                select(UserRow.id)
                .where(UserRow.role == "admin")
                .order_by(UserRow.created_at, UserRow.id)
                .limit(1)
            )

    async def in_folder(self, folder_id: int) -> dict[str, UUID]:
        """The folder's scanned playlists by file path."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(PlaylistRow.source_path, PlaylistRow.id).where(
                    PlaylistRow.source_folder_id == folder_id
                )
            )
            return {path: playlist_id for path, playlist_id in rows if path is not None}

    async def add(
        self, playlist: Playlist, song_ids: Sequence[UUID], source_path: str, folder_id: int
    ) -> None:
        """Insert the playlist and its entries in one transaction."""
        async with self._sessions.begin() as session:
            session.add(
                PlaylistRow(
                    id=playlist.id,
                    owner_id=playlist.owner_id,
                    name=playlist.name,
                    comment=playlist.comment,
                    auto_generated=False,
                    created_at=playlist.created_at,
                    updated_at=playlist.updated_at,
                    source_path=source_path,
                    source_folder_id=folder_id,
                )
            )
            await session.flush()
            await _write_entries(session, playlist.id, song_ids)

    async def replace(
        self, playlist_id: UUID, name: str, song_ids: Sequence[UUID], now: datetime
    ) -> bool:
        """Rewrite name and entries when they differ from what is stored."""
        async with self._sessions.begin() as session:
            row = await session.get(PlaylistRow, playlist_id)
            if row is None:
                return False
            current = list(
                await session.scalars(
                    select(PlaylistSongRow.song_id)
                    .where(PlaylistSongRow.playlist_id == playlist_id)
                    .order_by(PlaylistSongRow.position)
                )
            )
            if current == list(song_ids) and row.name == name:
                return False
            await session.execute(
                update(PlaylistRow)
                .where(PlaylistRow.id == playlist_id)
                .values(name=name, updated_at=now)
            )
            await session.execute(
                delete(PlaylistSongRow).where(PlaylistSongRow.playlist_id == playlist_id)
            )
            await _write_entries(session, playlist_id, song_ids)
            return True

    async def remove(self, playlist_ids: Collection[UUID]) -> int:
        """Delete the scanned playlists with these ids (entries cascade)."""
        removed = 0
        async with self._sessions.begin() as session:
            for chunk in _chunks(list(playlist_ids)):
                result = await session.execute(
                    delete(PlaylistRow).where(
                        PlaylistRow.id.in_(chunk), PlaylistRow.source_path.is_not(None)
                    )
                )
                removed += result.rowcount  # type: ignore[attr-defined]
        return removed

    async def remove_outside(self, folder_ids: Collection[int]) -> int:
        """Delete scanned playlists whose folder is not in `folder_ids`."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PlaylistRow).where(
                    PlaylistRow.source_path.is_not(None),
                    PlaylistRow.source_folder_id.not_in(list(folder_ids)),
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def _write_entries(
    session: AsyncSession, playlist_id: UUID, song_ids: Sequence[UUID]
) -> None:
    if song_ids:
        await session.execute(
            insert(PlaylistSongRow),
            [
                {"playlist_id": playlist_id, "position": position, "song_id": song_id}
                for position, song_id in enumerate(song_ids)
            ],
        )


def _chunks(values: list[object]) -> list[list[object]]:
    return [values[start : start + _CHUNK] for start in range(0, len(values), _CHUNK)] or []
