"""TieringRepository on SQLAlchemy: plays per song counted by the database (GROUP BY)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    RenditionRow,
    SongRow,
    StarredItemRow,
    UserInteractionRow,
    UserRow,
)
from tonearm.upkeep.tiering import RemovedRendition, SongTier, TieredObject


class SqlTieringRepository:
    """Songs' plays, likes and big renditions; one rendition row removed at a time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def song_tiers(self, window_start: datetime, kinds: Collection[str]) -> list[SongTier]:
        """Every live song with its counted plays since `window_start`, likes and objects."""
        async with self._sessions() as session:
            plays: dict[UUID, int] = {
                song_id: count
                for song_id, count in await session.execute(
                    select(UserInteractionRow.song_id, func.count())
                    .where(UserInteractionRow.counted_at >= window_start)
                    .group_by(UserInteractionRow.song_id)
                )
            }
            liked = set(
                await session.scalars(
                    select(StarredItemRow.item_id).where(StarredItemRow.item_kind == "song")
                )
            )
            objects: dict[UUID, list[TieredObject]] = defaultdict(list)
            for song_id, kind, size, key in await session.execute(
                select(
                    RenditionRow.song_id,
                    RenditionRow.kind,
                    RenditionRow.size_bytes,
                    RenditionRow.storage_key,
                ).where(RenditionRow.kind.in_(list(kinds)))
            ):
                objects[song_id].append(TieredObject(kind, size, key))
            songs = await session.execute(
                select(
                    SongRow.id,
                    SongRow.added_at,
                    (SongRow.original_key.is_not(None) | SongRow.original_path.is_not(None)),
                    SongRow.original_key,
                    SongRow.original_format,
                    SongRow.original_size_bytes,
                    SongRow.duration_ms,
                )
                .where(SongRow.deleted_at.is_(None))
                .order_by(SongRow.id)
            )
            return [
                SongTier(
                    song_id=song_id,
                    plays=plays.get(song_id, 0),
                    added_at=added_at,
                    liked=song_id in liked,
                    has_original=bool(has_original),
                    objects=tuple(objects.get(song_id, ())),
                    original_key=original_key,
                    original_format=original_format,
                    original_size_bytes=original_size,
                    duration_ms=duration_ms or 0,
                )
                for (
                    song_id,
                    added_at,
                    has_original,
                    original_key,
                    original_format,
                    original_size,
                    duration_ms,
                ) in songs
            ]

    async def remove_rendition(self, song_id: UUID, kind: str) -> RemovedRendition | None:
        """Delete the rendition's row; what it was, or None if already gone."""
        async with self._sessions() as session, session.begin():
            row = (
                await session.execute(
                    delete(RenditionRow)
                    .where(RenditionRow.song_id == song_id, RenditionRow.kind == kind)
                    .returning(RenditionRow.size_bytes, RenditionRow.storage_key)
                )
            ).first()
        if row is None:
            return None
        return RemovedRendition(song_id, kind, row[0], row[1])

    async def user_ids(self) -> list[UUID]:
        """Every account's id."""
        async with self._sessions() as session:
            return list(await session.scalars(select(UserRow.id)))
