"""ListeningRepository on SQLAlchemy: events, the play rule's state, play counts,
preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, cast, insert, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from tonearm.adapters.db.engine import run_write
from tonearm.adapters.db.interactions import (
    decode_cursor,
    encode_cursor,
    interaction_values,
    older,
    song_summaries,
)
from tonearm.adapters.db.plays import apply_play_rule, lock_user
from tonearm.adapters.db.stars import write_likes
from tonearm.adapters.db.tables import SongRow, UserInteractionRow, UserPreferencesRow
from tonearm.listening.models import (
    CountedPlay,
    HistoryEntry,
    IntakeOutcome,
    ListeningEvent,
    PlayState,
    RejectedEvent,
)
from tonearm.listening.plays import JUDGED_KINDS
from tonearm.listening.repository import PlayJudge

_INTERACTIONS: Table = UserInteractionRow.__table__  # type: ignore[assignment]


class SqlListeningRepository:
    """Events in `user_interactions` (their likes star songs: adapters/db/stars.py),
    `user_preferences`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- events and the play rule -------------------------------------------------------

    async def record(
        self, user_id: UUID, events: Sequence[ListeningEvent], now: datetime, judge: PlayJudge
    ) -> IntakeOutcome:
        """Insert new events, apply likes, judge plays: one transaction, one user at a time."""
        return await run_write(
            self._sessions, lambda session: _record(session, user_id, events, now, judge)
        )

    async def settle(self, user_id: UUID, now: datetime, judge: PlayJudge) -> list[CountedPlay]:
        """Judge the user's pending plays at `now`."""
        async with self._sessions() as session:
            # Most reads find nothing pending: do not take the user's write lock for them.
            pending = await session.scalar(
                select(UserInteractionRow.id)
                .where(
                    UserInteractionRow.user_id == user_id,
                    UserInteractionRow.play_state == PlayState.PENDING.value,
                )
                .limit(1)
            )
        if pending is None:
            return []
        return await run_write(
            self._sessions, lambda session: _settle(session, user_id, now, judge)
        )

    async def users_with_pending_plays(self) -> list[UUID]:
        """Users with a pending play."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(UserInteractionRow.user_id)
                .where(UserInteractionRow.play_state == PlayState.PENDING.value)
                .distinct()
            )
            return list(rows)

    async def history(self, user_id: UUID, limit: int, before: str | None) -> list[HistoryEntry]:
        """Counted plays, newest first, by (played at, row id)."""
        query = (
            select(
                UserInteractionRow.id, UserInteractionRow.occurred_at, UserInteractionRow.song_id
            )
            .where(
                UserInteractionRow.user_id == user_id, UserInteractionRow.counted_at.is_not(None)
            )
            .order_by(UserInteractionRow.occurred_at.desc(), UserInteractionRow.id.desc())
            .limit(limit)
        )
        if before is not None:
            at, row_id = decode_cursor(before, int)
            query = query.where(
                older(UserInteractionRow.occurred_at, UserInteractionRow.id, at, row_id)
            )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            summaries = await song_summaries(session, {song_id for _, _, song_id in rows})
        return [
            HistoryEntry(summaries[song_id], played_at, encode_cursor(played_at, str(row_id)))
            for row_id, played_at, song_id in rows
        ]

    async def recent_plays(self, user_id: UUID, limit: int) -> list[CountedPlay]:
        """The latest counted plays."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(UserInteractionRow.song_id, UserInteractionRow.occurred_at)
                .where(
                    UserInteractionRow.user_id == user_id,
                    UserInteractionRow.counted_at.is_not(None),
                )
                .order_by(UserInteractionRow.occurred_at.desc(), UserInteractionRow.id.desc())
                .limit(limit)
            )
            return [CountedPlay(song_id, played_at) for song_id, played_at in rows]

    # --- preferences --------------------------------------------------------------------

    async def preferences(self, user_id: UUID) -> dict[str, Any] | None:
        """The stored document, if any."""
        async with self._sessions() as session:
            row = await session.get(UserPreferencesRow, user_id)
            return None if row is None else dict(row.preferences)

    async def put_preferences(self, user_id: UUID, document: dict[str, Any], at: datetime) -> None:
        """Insert or replace the user's document."""
        async with self._sessions.begin() as session:
            await session.merge(
                UserPreferencesRow(user_id=user_id, preferences=document, updated_at=at)
            )


def _record(
    session: Session,
    user_id: UUID,
    events: Sequence[ListeningEvent],
    now: datetime,
    judge: PlayJudge,
) -> IntakeOutcome:
    lock_user(session, user_id)
    seen, songs = _known_ids_and_songs(session, user_id, events)
    new: list[ListeningEvent] = []
    duplicates = 0
    rejected: list[RejectedEvent] = []
    for event in events:
        if event.client_event_id in seen:
            duplicates += 1
        elif event.song_id not in songs:
            rejected.append(RejectedEvent(event.client_event_id, f"no song {event.song_id}"))
        else:
            seen.add(event.client_event_id)
            new.append(event)
    if new:
        # Core executemany: one statement, whatever the batch size.
        session.connection().execute(
            insert(_INTERACTIONS),
            [interaction_values(user_id, event) for event in new],
        )
    write_likes(session, user_id, new)
    touched = {(e.session_id, e.song_id) for e in new if e.kind in JUDGED_KINDS}
    counted = apply_play_rule(session, user_id, touched, now, judge)
    return IntakeOutcome(len(new), duplicates, rejected, counted)


def _settle(session: Session, user_id: UUID, now: datetime, judge: PlayJudge) -> list[CountedPlay]:
    lock_user(session, user_id)
    return apply_play_rule(session, user_id, set(), now, judge)


def _known_ids_and_songs(
    session: Session, user_id: UUID, events: Sequence[ListeningEvent]
) -> tuple[set[str], set[UUID]]:
    """Which of the events' client ids the user sent before, and which of their songs
    exist (tombstoned or not): one statement."""
    if not events:
        return set(), set()
    ui = UserInteractionRow
    query = union_all(
        select(SongRow.id, cast(null(), ui.client_event_id.type)).where(
            SongRow.id.in_({event.song_id for event in events})
        ),
        select(cast(null(), SongRow.id.type), ui.client_event_id).where(
            ui.user_id == user_id,
            ui.client_event_id.in_({event.client_event_id for event in events}),
        ),
    )
    seen: set[str] = set()
    songs: set[UUID] = set()
    for song_id, event_id in session.execute(query):
        if song_id is not None:
            songs.add(song_id)
        elif event_id is not None:
            seen.add(event_id)
    return seen, songs
