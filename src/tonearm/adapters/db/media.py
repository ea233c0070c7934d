"""MediaCatalog on SQLAlchemy: a song's stored objects in one or two small queries."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import RenditionRow, SongRow
from tonearm.streaming.models import ORIGINAL_KIND, MediaSource, SongMedia

_ORIGINAL_COLUMNS = (
    SongRow.id,
    SongRow.original_path,
    SongRow.original_key,
    SongRow.original_format,
    SongRow.original_size_bytes,
    SongRow.original_mtime_ns,
    SongRow.last_updated,
    SongRow.deleted_at,
)


class SqlMediaCatalog:
    """Songs' originals and renditions, as streaming sees them."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def song_media(self, song_id: UUID) -> SongMedia | None:
        """The song's original, stored objects, play count and lyrics."""
        async with self._sessions() as session:
            song = await session.get(SongRow, song_id)
            if song is None:
                return None
            rows = await session.scalars(
                select(RenditionRow).where(RenditionRow.song_id == song_id)
            )
            objects = {row.kind: _rendition_source(row) for row in rows}
        return SongMedia(
            song_id=song.id,
            play_count=song.play_count,
            deleted=song.deleted_at is not None,
            original=_original_source(song),
            objects=objects,
            lyrics=song.lyrics,
            # Stored as {"lines": [...]}: JSON columns want an object at the top.
            synced_lyrics=(song.synced_lyrics or {}).get("lines"),
        )

    async def media_source(self, song_id: UUID, kind: str) -> MediaSource | None:
        """One object of a live song (one query)."""
        async with self._sessions() as session:
            if kind == ORIGINAL_KIND:
                song = await session.get(SongRow, song_id)
                if song is None or song.deleted_at is not None:
                    return None
                return _original_source(song)
            row = await session.scalar(
                select(RenditionRow)
                .join(SongRow, SongRow.id == RenditionRow.song_id)
                .where(
                    RenditionRow.song_id == song_id,
                    RenditionRow.kind == kind,
                    SongRow.deleted_at.is_(None),
                )
            )
        return None if row is None else _rendition_source(row)


def _rendition_source(row: RenditionRow) -> MediaSource:
    return MediaSource(
        song_id=row.song_id,
        kind=row.kind,
        codec=row.codec,
        bitrate_kbps=row.bitrate_kbps,
        size_bytes=row.size_bytes,
        modified_at=row.created_at,
        storage_key=row.storage_key,
        path=None,
    )


def _original_source(song: SongRow) -> MediaSource | None:
    if song.original_path is None and song.original_key is None:
        return None
    if song.original_mtime_ns is not None:
        modified = datetime.fromtimestamp(song.original_mtime_ns / 1e9, tz=UTC)
    else:
        modified = song.last_updated
    return MediaSource(
        song_id=song.id,
        kind=ORIGINAL_KIND,
        codec=song.original_format,
        bitrate_kbps=None,
        size_bytes=song.original_size_bytes or 0,
        modified_at=modified,
        storage_key=song.original_key,
        path=song.original_path if song.original_key is None else None,
    )
