"""The change log hands out numbers in commit order, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from tests.change_log import a_writer_waits_for_the_change_log
from tests.polling import eventually
from tonearm.adapters.db import Database
from tonearm.adapters.db.changes import (
    ChangeEntity,
    ChangeOp,
    append_change,
    changes_after,
    latest_seq,
)

pytestmark = pytest.mark.anyio


def now() -> datetime:
    return datetime.now(UTC)


async def test_changes_come_back_in_order_after_a_cursor(database: Database) -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    for entity_id in ids:
        async with database.sessions.begin() as session:
            await append_change(session, ChangeEntity.SONG, entity_id, ChangeOp.UPSERT, now())
    async with database.sessions() as session:
        everything = await changes_after(session, 0, 100)
        after_second = await changes_after(session, everything[1].seq, 100)
        assert await latest_seq(session) == everything[-1].seq
    assert [change.entity_id for change in everything] == ids
    assert [change.entity_id for change in after_second] == ids[2:]
    assert [change.seq for change in everything] == sorted({c.seq for c in everything})


async def test_a_slow_transaction_is_not_skipped_by_a_reader(database: Database) -> None:
    """A takes a number first and commits last; B waits for A, so B's number is higher."""
    first, second = uuid.uuid4(), uuid.uuid4()
    a_appended = asyncio.Event()
    let_a_commit = asyncio.Event()

    async def slow_writer() -> None:
        async with database.sessions.begin() as session:
            await append_change(session, ChangeEntity.SONG, first, ChangeOp.UPSERT, now())
            a_appended.set()
            await let_a_commit.wait()

    async def fast_writer() -> None:
        await a_appended.wait()
        async with database.sessions.begin() as session:
            await append_change(session, ChangeEntity.SONG, second, ChangeOp.UPSERT, now())

    slow = asyncio.create_task(slow_writer())
    fast = asyncio.create_task(fast_writer())
    await a_appended.wait()
    # B is held up behind A (its turn on SQLite, the change-log lock on PostgreSQL).
    await eventually(lambda: a_writer_waits_for_the_change_log(database), "B to wait for A")
    assert not fast.done()
    async with database.sessions() as session:
        seen_while_a_open = await changes_after(session, 0, 100)
    let_a_commit.set()
    await asyncio.gather(slow, fast)

    # Nothing got committed past A while A was open, so no reader's cursor can jump over A.
    assert seen_while_a_open == []
    async with database.sessions() as session:
        after = await changes_after(session, 0, 100)
    assert [change.entity_id for change in after] == [first, second]
