"""The play rule's SQL side: one user at a time, pending plays judged, counts added."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import SongRow, UserInteractionRow, UserRow
from tonearm.listening.models import CountedPlay, EventKind, PlayState
from tonearm.listening.plays import JUDGED_KINDS, StoredEvent
from tonearm.listening.repository import PlayJudge

_JUDGED_ACTIONS = [kind.value for kind in JUDGED_KINDS]
Group = tuple[str, UUID]  # (session id, song id): the events the play rule judges together


async def hold_user(session: AsyncSession, user_id: UUID) -> None:
    """Make this transaction the only one working on the user's listening until it ends."""
    # One transaction per user at a time: two overlapping batches must not both store an
    # event id or both count the same pending play. PostgreSQL locks the user's row; SQLite
    # has one writer at a time, and a write as the first statement takes that lock now
    # (a read first would let a concurrent writer invalidate this transaction's snapshot).
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(UserRow.id).where(UserRow.id == user_id).with_for_update())
    else:
        await session.execute(
            update(UserRow).where(UserRow.id == user_id).values(updated_at=UserRow.updated_at)
        )


async def apply_play_rule(
    session: AsyncSession, user_id: UUID, touched: set[Group], now: datetime, judge: PlayJudge
) -> list[CountedPlay]:
    """Apply the play rule to the touched groups and to every group with a pending play."""
    pending = await session.execute(
        select(UserInteractionRow.session_id, UserInteractionRow.song_id)
        .where(
            UserInteractionRow.user_id == user_id,
            UserInteractionRow.play_state == PlayState.PENDING.value,
        )
        .distinct()
    )
    groups = touched | {(s, song_id) for s, song_id in pending if s is not None}
    if not groups:
        return []
    session_ids = {session_id for session_id, _ in groups}
    in_sessions = and_(
        UserInteractionRow.user_id == user_id, UserInteractionRow.session_id.in_(session_ids)
    )
    latest: dict[str, datetime] = {}
    for session_id, newest in await session.execute(
        select(UserInteractionRow.session_id, func.max(UserInteractionRow.occurred_at))
        .where(in_sessions)
        .group_by(UserInteractionRow.session_id)
    ):
        if session_id is not None:
            latest[session_id] = newest
    rows = await session.execute(
        select(
            UserInteractionRow.id,
            UserInteractionRow.session_id,
            UserInteractionRow.song_id,
            UserInteractionRow.action,
            UserInteractionRow.occurred_at,
            UserInteractionRow.play_state,
            UserInteractionRow.counted_at,
        ).where(
            in_sessions,
            UserInteractionRow.song_id.in_({song_id for _, song_id in groups}),
            UserInteractionRow.action.in_(_JUDGED_ACTIONS),
        )
    )
    by_group: dict[Group, list[StoredEvent]] = defaultdict(list)
    for row_id, session_id, song_id, action, occurred_at, state, counted_at in rows:
        if session_id is not None and (session_id, song_id) in groups:
            by_group[(session_id, song_id)].append(
                StoredEvent(
                    row_id,
                    EventKind(action),
                    occurred_at,
                    PlayState(state) if state else None,
                    counted_at is not None,
                )
            )
    counted: list[CountedPlay] = []
    times = {e.row_id: e.occurred_at for events in by_group.values() for e in events}
    for (session_id, song_id), events in by_group.items():
        for verdict in judge(events, latest[session_id], now):
            values: dict[str, Any] = {"play_state": verdict.play_state.value}
            if verdict.counts:
                values["counted_at"] = now
            await session.execute(
                update(UserInteractionRow)
                .where(UserInteractionRow.id == verdict.row_id)
                .values(**values)
            )
            if verdict.counts:
                counted.append(CountedPlay(song_id, times[verdict.row_id]))
    await add_play_counts(session, Counter(play.song_id for play in counted))
    return counted


async def add_play_counts(session: AsyncSession, counts: Counter[UUID]) -> None:
    """Add `counts` to the songs' play counts."""
    # Incremented in SQL, never read-modify-write, so concurrent batches lose no count;
    # in song id order, so two transactions never wait on each other's rows in a cycle.
    for song_id in sorted(counts):
        await session.execute(
            update(SongRow)
            .where(SongRow.id == song_id)
            .values(play_count=SongRow.play_count + counts[song_id])
        )
