"""AnnotationRepository on SQLAlchemy: songs' durations and now playing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tonearm.adapters.db.tables import NowPlayingRow, SongRow, UserRow
from tonearm.listening.annotations import NowPlaying


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlAnnotationRepository:
    """Now-playing rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def song_duration_ms(self, song_id: UUID) -> int | None:
        """A live song's duration."""
        async with self._sessions() as session:
            return await session.scalar(  # type: ignore[no-any-return]
                select(SongRow.duration_ms).where(
                    SongRow.id == song_id, SongRow.deleted_at.is_(None)
                )
            )

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
