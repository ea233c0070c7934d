"""The change log: appends numbered in commit order, so delta sync never skips a change.

A plain sequence hands out numbers at INSERT time, not at COMMIT: a transaction that took
N and commits after N+1 is visible later than N+1, and a reader that already moved its
cursor past N+1 would never see it. Appends therefore take a transaction-scoped lock first
(PostgreSQL advisory lock; SQLite serialises writers anyway), so numbers are handed out in
the order their transactions commit.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tonearm.adapters.db.tables import ChangeLogRow

# An arbitrary constant naming the change-log lock among PostgreSQL advisory locks.
CHANGE_LOG_LOCK_KEY = 0x746F6E65  # "tone"


class ChangeEntity(enum.StrEnum):
    """What changed."""

    SONG = "song"
    ALBUM = "album"
    ARTIST = "artist"


class ChangeOp(enum.StrEnum):
    """How it changed: added or updated, or removed (a tombstone)."""

    UPSERT = "upsert"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change log."""

    seq: int
    entity: ChangeEntity
    entity_id: uuid.UUID
    op: ChangeOp
    changed_at: datetime


async def append_change(
    session: AsyncSession,
    entity: ChangeEntity,
    entity_id: uuid.UUID,
    op: ChangeOp,
    now: datetime,
) -> None:
    """Append to the change log inside the caller's transaction (which must be open).

    On PostgreSQL this holds the change-log lock until that transaction ends, so keep
    the transaction short.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY}
        )
    session.add(ChangeLogRow(entity=entity.value, entity_id=entity_id, op=op.value, changed_at=now))
    await session.flush()


async def changes_after(
    session: AsyncSession, seq: int, limit: int, entity: ChangeEntity | None = None
) -> list[Change]:
    """Up to `limit` changes numbered above `seq` (of `entity` only, if given), oldest first."""
    query = select(ChangeLogRow).where(ChangeLogRow.seq > seq)
    if entity is not None:
        query = query.where(ChangeLogRow.entity == entity.value)
    rows = await session.scalars(query.order_by(ChangeLogRow.seq).limit(limit))
    return [
        Change(row.seq, ChangeEntity(row.entity), row.entity_id, ChangeOp(row.op), row.changed_at)
        for row in rows
    ]


async def latest_seq(session: AsyncSession) -> int:
    """The highest sequence number handed out so far (0 when empty)."""
    return int(await session.scalar(select(func.max(ChangeLogRow.seq))) or 0)
