"""SQLite write transactions take turns and start with BEGIN IMMEDIATE (issue 18, target 4)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from tonearm.adapters.db.engine import (
    ReadSessions,
    SerializedWriteSessions,
    open_engine,
    run_write,
    session_factory,
)
from tonearm.errors import Unavailable

pytestmark = pytest.mark.anyio


async def _counter(tmp_path: Path) -> tuple[object, SerializedWriteSessions]:
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'writes.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (k INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    sessions = session_factory(engine)
    assert isinstance(sessions, SerializedWriteSessions)
    return engine, sessions


async def test_read_then_write_transactions_lose_no_update(tmp_path: Path) -> None:
    # Python's sqlite3 opened the transaction only at the UPDATE, so the read before it ran
    # outside: 60 concurrent increments used to leave the counter at 2 or 3.
    engine, sessions = await _counter(tmp_path)

    async def increment() -> None:
        async with sessions.begin() as session:
            n = (await session.execute(text("SELECT n FROM counter WHERE k = 1"))).scalar_one()
            await asyncio.sleep(0)  # let the others run between the read and the write
            await session.execute(text("UPDATE counter SET n = :n WHERE k = 1"), {"n": n + 1})

    await asyncio.gather(*(increment() for _ in range(60)))
    async with sessions() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 60
    await engine.dispose()  # type: ignore[attr-defined]


async def test_a_failed_write_rolls_back_and_passes_the_turn_on(tmp_path: Path) -> None:
    engine, sessions = await _counter(tmp_path)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await session.execute(text("UPDATE counter SET n = 99"))
            raise RuntimeError("boom")
    async with sessions.begin() as session:
        await session.execute(text("UPDATE counter SET n = n + 1"))
    async with sessions() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 1
    await engine.dispose()  # type: ignore[attr-defined]


async def test_a_write_inside_a_write_of_the_same_task_does_not_wait_for_itself(
    tmp_path: Path,
) -> None:
    engine, sessions = await _counter(tmp_path)
    async with sessions.begin() as outer:
        await outer.execute(text("SELECT n FROM counter"))
        async with sessions.begin() as inner:  # reads only: SQLite lets it through
            assert (await inner.execute(text("SELECT n FROM counter"))).scalar_one() == 0
    await engine.dispose()  # type: ignore[attr-defined]


async def test_waiting_too_long_for_the_turn_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tonearm.adapters.db.engine.SQLITE_BUSY_TIMEOUT_MS", 200)
    engine, sessions = await _counter(tmp_path)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with sessions.begin() as session:
            await session.execute(text("UPDATE counter SET n = 1"))
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    with pytest.raises(Unavailable, match="busy"):
        async with sessions.begin():
            pass
    release.set()
    await task
    await engine.dispose()  # type: ignore[attr-defined]


async def test_run_write_works_on_the_writer_thread_in_turn_with_the_other_writes(
    tmp_path: Path,
) -> None:
    # Event batches write through run_write: the whole transaction on one thread of its own,
    # taking turns with `begin()` writers, so no increment of either kind is lost.
    engine, sessions = await _counter(tmp_path)
    threads: set[str] = set()

    def increment_on_thread(session: Session) -> None:
        threads.add(threading.current_thread().name)
        n = session.execute(text("SELECT n FROM counter WHERE k = 1")).scalar_one()
        session.execute(text("UPDATE counter SET n = :n WHERE k = 1"), {"n": n + 1})

    async def increment_in_loop() -> None:
        async with sessions.begin() as session:
            n = (await session.execute(text("SELECT n FROM counter WHERE k = 1"))).scalar_one()
            await asyncio.sleep(0)
            await session.execute(text("UPDATE counter SET n = :n WHERE k = 1"), {"n": n + 1})

    await asyncio.gather(
        *(run_write(sessions, increment_on_thread) for _ in range(30)),
        *(increment_in_loop() for _ in range(30)),
    )
    async with sessions() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 60
    assert len(threads) == 1
    assert threads.pop().startswith("tonearm-sqlite-writer")
    sessions.close()
    await engine.dispose()  # type: ignore[attr-defined]


async def test_a_failed_run_write_rolls_back_and_passes_the_turn_on(tmp_path: Path) -> None:
    engine, sessions = await _counter(tmp_path)

    def fail(session: Session) -> None:
        session.execute(text("UPDATE counter SET n = 99"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await run_write(sessions, fail)
    await run_write(sessions, lambda session: session.execute(text("UPDATE counter SET n = n + 1")))
    async with sessions() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 1
    sessions.close()
    await engine.dispose()  # type: ignore[attr-defined]


async def test_loop_reads_run_on_the_loop_and_wait_through_aiosqlite_when_sqlite_is_busy(
    tmp_path: Path,
) -> None:
    engine, sessions = await _counter(tmp_path)
    reader = sessions.reader_engine
    assert reader is not None
    threads: list[str] = []
    event.listen(
        reader, "before_cursor_execute", lambda *_: threads.append(threading.current_thread().name)
    )
    reads = ReadSessions(sessions, reader)
    async with reads() as session:
        assert (await session.scalar(text("SELECT n FROM counter"))) == 0
    assert threads == [threading.current_thread().name]  # the loop's own thread

    # Another process holding SQLite exclusively (as while it recovers a WAL): the loop's
    # reader gives up after its short timeout and the read waits on aiosqlite's thread.
    # (It can take the lock only while no other connection is open.)
    reader.dispose()
    await engine.dispose()  # type: ignore[attr-defined]
    holder = sqlite3.connect(tmp_path / "writes.db", check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE counter SET n = 7")
    holder.commit()  # still held: exclusive mode keeps the lock until the connection closes
    released = threading.Timer(0.5, holder.close)
    released.start()
    try:
        async with reads() as session:
            assert (await session.scalar(text("SELECT n FROM counter"))) == 7
    finally:
        released.join()
    assert len(threads) == 1  # the reader gave up; aiosqlite answered once the lock went
    sessions.close()
    await engine.dispose()  # type: ignore[attr-defined]
