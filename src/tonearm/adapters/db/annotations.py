"""AnnotationRepository on SQLAlchemy: stars of albums and artists, ratings, now playing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import (
    AlbumRow,
    ArtistRow,
    NowPlayingRow,
    RatingRow,
    SongRow,
    StarredItemRow,
    UserRow,
)
from tonearm.listening.annotations import NowPlaying, StarredItem
from tonearm.listening.user_state import ItemKind


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlAnnotationRepository:
    """Stars, ratings and now-playing rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def item_kind(self, item_id: UUID) -> ItemKind | None:
        """Which of songs (live), albums and artists has the id, in one query."""
        query = union_all(
            select(literal(ItemKind.SONG.value)).where(
                SongRow.id == item_id, SongRow.deleted_at.is_(None)
            ),
            select(literal(ItemKind.ALBUM.value)).where(AlbumRow.id == item_id),
            select(literal(ItemKind.ARTIST.value)).where(ArtistRow.id == item_id),
        )
        async with self._sessions() as session:
            found = (await session.execute(query)).scalars().first()
        return None if found is None else ItemKind(found)

    async def song_duration_ms(self, song_id: UUID) -> int | None:
        """A live song's duration."""
        async with self._sessions() as session:
            return await session.scalar(  # type: ignore[no-any-return]
                select(SongRow.duration_ms).where(
                    SongRow.id == song_id, SongRow.deleted_at.is_(None)
                )
            )

    async def set_starred(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, starred: bool, at: datetime
    ) -> None:
        """Insert (a repeated star keeps the first time) or delete the starred row."""
        key = (
            StarredItemRow.user_id == user_id,
            StarredItemRow.item_kind == kind.value,
            StarredItemRow.item_id == item_id,
        )
        async with self._sessions.begin() as session:
            if not starred:
                await session.execute(delete(StarredItemRow).where(*key))
                return
            await session.execute(
                _insert(session)(StarredItemRow)
                .values(user_id=user_id, item_kind=kind.value, item_id=item_id, starred_at=at)
                .on_conflict_do_nothing()
            )

    async def set_rating(
        self, user_id: UUID, kind: ItemKind, item_id: UUID, rating: int | None, at: datetime
    ) -> None:
        """Upsert or delete the rating row."""
        async with self._sessions.begin() as session:
            if rating is None:
                await session.execute(
                    delete(RatingRow).where(
                        RatingRow.user_id == user_id,
                        RatingRow.item_kind == kind.value,
                        RatingRow.item_id == item_id,
                    )
                )
                return
            statement = _insert(session)(RatingRow).values(
                user_id=user_id, item_kind=kind.value, item_id=item_id, rating=rating, rated_at=at
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "item_kind", "item_id"],
                    set_={"rating": rating, "rated_at": at},
                )
            )

    async def starred(self, user_id: UUID) -> list[StarredItem]:
        """Starred live songs, albums and artists, newest first."""
        live_songs = select(SongRow.id).where(SongRow.deleted_at.is_(None))
        query = (
            select(StarredItemRow.item_kind, StarredItemRow.item_id, StarredItemRow.starred_at)
            .where(StarredItemRow.user_id == user_id)
            .where(
                (StarredItemRow.item_kind != ItemKind.SONG.value)
                | StarredItemRow.item_id.in_(live_songs)
            )
            .order_by(StarredItemRow.starred_at.desc(), StarredItemRow.item_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [StarredItem(ItemKind(kind), item_id, _aware(at)) for kind, item_id, at in rows]

    async def set_now_playing(
        self, user_id: UUID, player: str, song_id: UUID | None, at: datetime
    ) -> None:
        """Upsert the player's row, or delete it."""
        async with self._sessions.begin() as session:
            if song_id is None:
                await session.execute(
                    delete(NowPlayingRow).where(
                        NowPlayingRow.user_id == user_id, NowPlayingRow.player == player
                    )
                )
                return
            statement = _insert(session)(NowPlayingRow).values(
                user_id=user_id, player=player, song_id=song_id, started_at=at
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "player"],
                    set_={"song_id": song_id, "started_at": at},
                )
            )

    async def now_playing(self) -> list[NowPlaying]:
        """Every player's entry, with the user's name and the (live) song's duration."""
        query = (
            select(
                NowPlayingRow.user_id,
                UserRow.username,
                NowPlayingRow.player,
                NowPlayingRow.song_id,
                NowPlayingRow.started_at,
                SongRow.duration_ms,
            )
            .join(UserRow, UserRow.id == NowPlayingRow.user_id)
            .join(SongRow, SongRow.id == NowPlayingRow.song_id)
            .where(SongRow.deleted_at.is_(None), UserRow.active.is_(True))
            .order_by(NowPlayingRow.started_at.desc())
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [
            NowPlaying(user_id, username, player, song_id, _aware(started_at), duration_ms)
            for user_id, username, player, song_id, started_at, duration_ms in rows
        ]


__all__ = ["SqlAnnotationRepository"]
