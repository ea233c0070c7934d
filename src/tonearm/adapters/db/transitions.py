"""TransitionRepository on SQLAlchemy: the `transitions` table, and consecutive plays from
`user_interactions` (the pairs worth a transition)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from tonearm.adapters.db.tables import SongRow, TransitionRow, UserInteractionRow
from tonearm.analysis.transitions import SongPair, Transition


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _to_transition(row: TransitionRow) -> Transition:
    created = row.created_at
    return Transition(
        from_song_id=row.from_song_id,
        to_song_id=row.to_song_id,
        storage_key=row.storage_key,
        duration_ms=row.duration_ms,
        beat_matched=row.beat_matched,
        analyzer_version=row.analyzer_version,
        created_at=created.replace(tzinfo=UTC) if created.tzinfo is None else created,
    )


class SqlTransitionRepository:
    """Rendered transitions, one row per ordered pair of songs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def popular_pairs(self, limit: int) -> Sequence[SongPair]:
        """Consecutive plays in a listening session (a window over each user's session,
        ordered by time), counted per pair; a song repeated is not a pair."""
        plays = UserInteractionRow
        previous = (
            func.lag(plays.song_id)
            .over(
                partition_by=(plays.user_id, plays.session_id),
                order_by=(plays.occurred_at, plays.id),
            )
            .label("previous")
        )
        ordered = (
            select(previous, plays.song_id.label("song"))
            .where(
                plays.action == "play",
                plays.session_id.is_not(None),
                (plays.play_state.is_(None)) | (plays.play_state != "rejected"),
            )
            .subquery()
        )
        from_song, to_song = aliased(SongRow), aliased(SongRow)
        count = func.count().label("plays")
        query = (
            select(ordered.c.previous, ordered.c.song, count)
            .join(
                from_song, and_(from_song.id == ordered.c.previous, from_song.deleted_at.is_(None))
            )
            .join(to_song, and_(to_song.id == ordered.c.song, to_song.deleted_at.is_(None)))
            .where(ordered.c.previous != ordered.c.song)
            .group_by(ordered.c.previous, ordered.c.song)
            .order_by(count.desc(), ordered.c.previous, ordered.c.song)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [SongPair(UUID(str(a)), UUID(str(b)), int(n)) for a, b, n in rows]

    async def get(self, from_song_id: UUID, to_song_id: UUID) -> Transition | None:
        """The pair's row, if any."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(TransitionRow).where(
                    TransitionRow.from_song_id == from_song_id,
                    TransitionRow.to_song_id == to_song_id,
                )
            )
            return None if row is None else _to_transition(row)

    async def find(
        self, from_song_id: UUID | None, to_song_id: UUID | None, limit: int
    ) -> Sequence[Transition]:
        """Rows out of / into the given songs, newest first."""
        query = select(TransitionRow).order_by(TransitionRow.created_at.desc()).limit(limit)
        if from_song_id is not None:
            query = query.where(TransitionRow.from_song_id == from_song_id)
        if to_song_id is not None:
            query = query.where(TransitionRow.to_song_id == to_song_id)
        async with self._sessions() as session:
            return [_to_transition(row) for row in await session.scalars(query)]

    async def put(self, transition: Transition) -> None:
        """Upsert the pair's row."""
        values: dict[str, Any] = {
            "storage_key": transition.storage_key,
            "duration_ms": transition.duration_ms,
            "beat_matched": transition.beat_matched,
            "analyzer_version": transition.analyzer_version,
            "created_at": transition.created_at,
        }
        async with self._sessions.begin() as session:
            statement = _insert(session)(TransitionRow).values(
                id=uuid.uuid4(),
                from_song_id=transition.from_song_id,
                to_song_id=transition.to_song_id,
                **values,
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["from_song_id", "to_song_id"], set_=values
                )
            )


__all__ = ["SqlTransitionRepository"]
