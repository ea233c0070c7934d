"""The play rule's SQL side: one user at a time, pending plays judged, counts added.

Few statements, whatever the batch size (issue 18, target 4: every statement inside a write
transaction is time the write lock is held while other clients queue): the events the rule
needs are read in one SELECT, and the verdicts and play counts are written with one
executemany each. Synchronous: these run inside `run_write` (adapters/db/engine.py), on
SQLite's writer thread or through `AsyncSession.run_sync`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from tonearm.adapters.db.tables import SongRow, UserInteractionRow, UserRow
from tonearm.listening.models import CountedPlay, EventKind, PlayState
from tonearm.listening.plays import JUDGED_KINDS, StoredEvent
from tonearm.listening.repository import PlayJudge

_JUDGED_ACTIONS = [kind.value for kind in JUDGED_KINDS]
Group = tuple[str, UUID]  # (session id, song id): the events the play rule judges together

_interactions: Table = UserInteractionRow.__table__  # type: ignore[assignment]
_songs: Table = SongRow.__table__  # type: ignore[assignment]
# One statement each, run as executemany: the verdicts, and the play counts.
_SET_VERDICT = (
    update(_interactions)
    .where(_interactions.c.id == bindparam("row_id"))
    .values(
        play_state=bindparam("state"),
        # `at` is NULL for a verdict that does not count: the row keeps its counted_at.
        counted_at=func.coalesce(
            bindparam("at", type_=_interactions.c.counted_at.type), _interactions.c.counted_at
        ),
    )
)
_ADD_PLAYS = (
    update(_songs)
    .where(_songs.c.id == bindparam("song"))
    .values(play_count=_songs.c.play_count + bindparam("plays"))
)


def lock_user(session: Session, user_id: UUID) -> None:
    """Make this transaction the only one working on the user's listening until it ends."""
    # One transaction per user at a time: two overlapping batches must not both store an
    # event id or both count the same pending play. PostgreSQL locks the user's row. On
    # SQLite every write transaction already holds the database's one write lock from its
    # start (BEGIN IMMEDIATE, adapters/db/engine.py), so there is nothing more to take.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(UserRow.id).where(UserRow.id == user_id).with_for_update())


def _judged_rows(user_id: UUID, touched: set[Group]) -> Any:
    """The judged events of the touched groups and of every group with a pending play,
    each with its session's newest timestamp (any song, any kind): one statement."""
    ui = UserInteractionRow
    # By session (ix_user_interactions_user_session), with the user's id inside each arm of
    # the OR so that SQLite reads each arm through the index instead of through every event
    # the user ever sent. The touched arm is a superset of the touched groups (sessions x
    # songs; the caller keeps the groups); the pending arm is exactly the pending groups.
    pending = select(ui.session_id, ui.song_id).where(
        ui.user_id == user_id, ui.play_state == PlayState.PENDING.value
    )
    wanted: Any = and_(ui.user_id == user_id, tuple_(ui.session_id, ui.song_id).in_(pending))
    if touched:
        in_batch = and_(
            ui.user_id == user_id,
            ui.session_id.in_({session_id for session_id, _ in touched}),
            ui.song_id.in_({song_id for _, song_id in touched}),
        )
        wanted = or_(in_batch, wanted)
    candidates = (
        select(
            ui.id,
            ui.session_id,
            ui.song_id,
            ui.action,
            ui.occurred_at,
            ui.play_state,
            ui.counted_at,
        )
        .where(wanted, ui.action.in_(_JUDGED_ACTIONS))
        .cte("candidates")
    )
    in_session = aliased(UserInteractionRow)
    latest = (
        select(in_session.session_id, func.max(in_session.occurred_at).label("newest"))
        .where(
            in_session.user_id == user_id,
            in_session.session_id.in_(select(candidates.c.session_id)),
        )
        .group_by(in_session.session_id)
        .subquery("latest")
    )
    return select(*candidates.c, latest.c.newest).join(
        latest, latest.c.session_id == candidates.c.session_id
    )


def apply_play_rule(
    session: Session, user_id: UUID, touched: set[Group], now: datetime, judge: PlayJudge
) -> list[CountedPlay]:
    """Apply the play rule to the touched groups and to every group with a pending play;
    returns the plays that counted, in the order of their rows."""
    by_group: dict[Group, list[StoredEvent]] = defaultdict(list)
    latest: dict[str, datetime] = {}
    with_pending: set[Group] = set()
    rows = session.execute(_judged_rows(user_id, touched))
    for row_id, session_id, song_id, action, occurred_at, state, counted_at, newest in rows:
        if session_id is None:
            continue
        group = (session_id, song_id)
        if state == PlayState.PENDING.value:
            with_pending.add(group)
        latest[session_id] = newest
        by_group[group].append(
            StoredEvent(
                row_id,
                EventKind(action),
                occurred_at,
                PlayState(state) if state else None,
                counted_at is not None,
            )
        )
    groups = touched | with_pending
    counted: list[tuple[int, CountedPlay]] = []
    verdicts: list[dict[str, Any]] = []
    for group, events in by_group.items():
        if group not in groups:
            continue
        session_id, song_id = group
        times = {event.row_id: event.occurred_at for event in events}
        for verdict in judge(events, latest[session_id], now):
            at = now if verdict.counts else None
            verdicts.append({"row_id": verdict.row_id, "state": verdict.play_state.value, "at": at})
            if verdict.counts:
                counted.append(
                    (verdict.row_id, CountedPlay(song_id, times[verdict.row_id], verdict.row_id))
                )
    if verdicts:
        session.connection().execute(_SET_VERDICT, verdicts)
    add_play_counts(session, Counter(play.song_id for _, play in counted))
    return [play for _, play in sorted(counted, key=lambda pair: pair[0])]  # in row order


def add_play_counts(session: Session, counts: Counter[UUID]) -> None:
    """Add `counts` to the songs' play counts (one executemany)."""
    if not counts:
        return
    # Incremented in SQL, never read-modify-write, so concurrent batches lose no count;
    # in song id order, so two transactions never wait on each other's rows in a cycle.
    session.connection().execute(
        _ADD_PLAYS, [{"song": song_id, "plays": counts[song_id]} for song_id in sorted(counts)]
    )
