"""LyricsStore on SQLAlchemy: a live song's stored lyrics in one small query."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.song_merge import resolve_alias
from tonearm.adapters.db.tables import SongRow
from tonearm.library.lyrics import StoredLyrics

_LYRICS = select(SongRow.lyrics, SongRow.synced_lyrics, SongRow.deleted_at)


class SqlLyricsStore:
    """Songs' `lyrics` and `synced_lyrics` columns."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def song_lyrics(self, song_id: UUID) -> StoredLyrics | None:
        """The live song's lyrics (a merged-away id reads the song it merged into)."""
        async with self._sessions() as session:
            row = (await session.execute(_LYRICS.where(SongRow.id == song_id))).first()
            if row is None and (kept := await resolve_alias(session, song_id)) is not None:
                row = (await session.execute(_LYRICS.where(SongRow.id == kept))).first()
        if row is None or row.deleted_at is not None:
            return None
        # Stored as {"lines": [...]}: JSON columns want an object at the top.
        return StoredLyrics(row.lyrics, (row.synced_lyrics or {}).get("lines"))


__all__ = ["SqlLyricsStore"]
