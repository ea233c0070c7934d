"""Watching the change-log lock: whether a writer is held up behind another's transaction."""

from __future__ import annotations

from sqlalchemy import text

from tonearm.adapters.db import Database
from tonearm.adapters.db.changes import CHANGE_LOG_LOCK_KEY
from tonearm.adapters.db.engine import SerializedWriteSessions


async def a_writer_waits_for_the_change_log(database: Database) -> bool:
    """Whether a write transaction is waiting now: for its turn on SQLite (one writer at a
    time), for the change-log advisory lock on PostgreSQL."""
    if isinstance(database.sessions, SerializedWriteSessions):
        return database.sessions.waiting_writers > 0
    async with database.sessions() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND objid::bigint = :key"
            ),
            {"key": CHANGE_LOG_LOCK_KEY},
        )
    return bool(waiting)


__all__ = ["a_writer_waits_for_the_change_log"]
