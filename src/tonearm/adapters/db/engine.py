"""Open the async SQLAlchemy engine: aiosqlite (WAL, foreign keys on) or psycopg 3.

SQLite has one writer at a time. Left to itself, each write transaction starts deferred and
takes the write lock at its first INSERT/UPDATE, and waiting writers poll the lock (the busy
timeout) with growing sleeps: under 30 clients posting events, some waited the whole 15 s and
failed with "database is locked", and a transaction that read before writing could fail at
once when another had committed in between (its snapshot was stale). So on SQLite every
`sessions.begin()` block — the only way repositories write — waits its turn on a per-process
queue (first come, first served, no polling) and starts with BEGIN IMMEDIATE, taking the lock
before its first read. Other processes (a `tonearm scan`, a second worker) still meet at the
busy timeout, but each brings at most one writer. Reads (`sessions()`) never wait.

A write on the hot path (an event batch, a scrobble) goes further: `run_write` hands the
whole transaction, as one synchronous function, to a single writer thread with its own
connection. Through aiosqlite every statement is several hops between the event loop and the
connection's thread, and while the loop serves 30 clients each hop waits its turn, all of it
with the write lock held; on the writer thread the lock is held only while SQLite works.
Measured under bench/bench_write_load.py (on a machine at load ~18 on 2 cores): a like written
through aiosqlite held the turn 87-110 ms (p50), an event batch on the writer thread 29 ms.
On PostgreSQL the same function runs in an ordinary transaction (`AsyncSession.run_sync`).
Measured by bench/bench_write_load.py.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Executable, Row, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from tonearm.errors import Unavailable

SQLITE_BUSY_TIMEOUT_MS = 15_000
_T = TypeVar("_T")
# A row of any shape.
AnyRow = Row[*tuple[Any, ...]]


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("SELECT exp(0)")
    except Exception:
        # SQLite built without its math functions: popularity's decay needs exp().
        dbapi_connection.create_function("exp", 1, math.exp, deterministic=True)
    cursor.close()


# The loop's own reads must never hold it long: busy for this long, they fall back.
READER_BUSY_TIMEOUT_MS = 50


def _configure_reader_connection(dbapi_connection: Any, _record: Any) -> None:
    _configure_sqlite_connection(dbapi_connection, _record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={READER_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def open_engine(url: str, *, pool_size: int = 5, pre_ping: bool = True) -> AsyncEngine:
    """An async engine for `url` (already resolved to +aiosqlite or +psycopg).

    `pre_ping` checks each pooled PostgreSQL connection with a round trip as it is taken;
    without it the caller must retry a statement whose connection had died (RowReads does).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        # Supabase's pooler (PgBouncer, transaction mode) cannot keep prepared statements.
        connect_args={"prepare_threshold": None, "connect_timeout": 5},
    )


class SerializedWriteSessions(async_sessionmaker[AsyncSession]):
    """SQLite sessions whose write transactions (`begin()`, `run_write`) run one at a time,
    in order."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._turn = asyncio.Lock()
        self._writer: asyncio.Task[Any] | None = None
        self._waiting = 0
        self._sync_engine: Engine | None = None
        self._reader_engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # The writer thread's own connection to the same file (an in-memory database
            # would be another database: those write through aiosqlite as before).
            sync_url = engine.url.set(drivername="sqlite")
            self._sync_engine = create_engine(sync_url, pool_size=1, max_overflow=0)
            event.listen(self._sync_engine, "connect", _configure_sqlite_connection)
            # Taken on the loop's thread, so it must never wait for a connection: a
            # session that awaited something real while holding one would deadlock it.
            # Extra connections open when needed and close when given back.
            # Its connections also open with the short timeout, not sqlite3's 5 s.
            self._reader_engine = create_engine(
                sync_url,
                pool_size=1,
                max_overflow=-1,
                connect_args={"timeout": READER_BUSY_TIMEOUT_MS / 1000},
            )
            event.listen(self._reader_engine, "connect", _configure_reader_connection)

    @property
    def writer_engine(self) -> Engine | None:
        """The writer thread's engine (None for an in-memory database)."""
        return self._sync_engine

    @property
    def reader_engine(self) -> Engine | None:
        """A connection for one-row reads the event loop runs itself (None in memory).

        A media request's lookup is one indexed row: through aiosqlite it costs several
        thread hops, each waiting for the loop's turn, more than SQLite's own work. Under
        WAL a reader never waits for the writer; the short busy timeout covers the rare
        moments it must (recovery), and callers fall back to `sessions()` then.
        """
        return self._reader_engine

    @property
    def waiting_writers(self) -> int:
        """How many write transactions are waiting for their turn now (tests watch it)."""
        return self._waiting

    @asynccontextmanager
    async def _turn_taken(self) -> AsyncIterator[None]:
        self._waiting += 1
        try:
            async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
                await self._turn.acquire()
        except TimeoutError:
            raise Unavailable(
                f"the database was busy for {SQLITE_BUSY_TIMEOUT_MS // 1000} s; try again"
            ) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._turn.release()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        task = asyncio.current_task()
        if task is not None and task is self._writer:
            # A write begun inside this task's own write: it already has the turn. (It would
            # wait on SQLite's lock held by its caller, as it always has; none does that.)
            async with super().begin() as session:
                yield session
            return
        async with self._turn_taken():
            try:
                self._writer = task
                async with super().begin() as session:
                    await session.execute(text("BEGIN IMMEDIATE"))
                    yield session
            finally:
                self._writer = None

    def begin(self) -> Any:
        """A session in a write transaction, committed at the end of the block."""
        return self._write()

    async def run_write(self, work: Callable[[Session], _T]) -> _T:
        """`work(session)` in one write transaction on the writer thread, in turn."""
        if self._sync_engine is None:
            async with self.begin() as session:
                result: _T = await session.run_sync(work)
                return result
        async with self._turn_taken():
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="tonearm-sqlite-writer")
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, work)

    def _run(self, work: Callable[[Session], _T]) -> _T:
        assert self._sync_engine is not None
        with Session(self._sync_engine, expire_on_commit=False) as session:
            session.execute(text("BEGIN IMMEDIATE"))
            result = work(session)
            session.commit()
            return result

    def close(self) -> None:
        """Stop the writer thread and close its connection."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        if self._reader_engine is not None:
            self._reader_engine.dispose()


async def run_write(sessions: async_sessionmaker[Any], work: Callable[[Session], _T]) -> _T:
    """`work(session)` in one write transaction: on SQLite on the writer thread (see the
    module docstring), elsewhere through `AsyncSession.run_sync`."""
    if isinstance(sessions, SerializedWriteSessions):
        return await sessions.run_write(work)
    async with sessions.begin() as session:
        result: _T = await session.run_sync(work)
        return result


class RowReads:
    """Single-statement reads at the least cost each database allows, for the hottest
    lookups (a media request's).

    On SQLite: through the loop's own reader connection (`SerializedWriteSessions.
    reader_engine`), falling back to an aiosqlite connection when SQLite is busy.
    On PostgreSQL: a pool of its own in autocommit, so the statement is the only round
    trip: no BEGIN before it, no ROLLBACK after, and no pre-ping when a connection is taken
    (a connection found dead is replaced and the read tried once more instead).
    """

    def __init__(self, engine: AsyncEngine, loop_reader: Engine | None = None) -> None:
        self._loop_reader = loop_reader
        self._own_engine: AsyncEngine | None = None
        if engine.dialect.name == "sqlite":
            self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            self._own_engine = open_engine(
                engine.url.render_as_string(hide_password=False), pre_ping=False
            ).execution_options(isolation_level="AUTOCOMMIT")
            self._engine = self._own_engine

    @property
    def on_the_loop(self) -> bool:
        """True when reads run on the event loop's thread (SQLite's reader)."""
        return self._loop_reader is not None

    async def first(self, statement: Executable, params: dict[str, Any]) -> AnyRow | None:
        """The statement's first row (None when it has none)."""
        if self._loop_reader is not None:
            try:
                with self._loop_reader.connect() as connection:
                    return connection.execute(statement, params).first()
            except OperationalError:
                pass  # busy past the reader's short timeout: wait like any other read
        try:
            return await self._first(statement, params)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return await self._first(statement, params)  # on a new connection

    async def _first(self, statement: Executable, params: dict[str, Any]) -> AnyRow | None:
        async with self._engine.connect() as connection:
            return (await connection.execute(statement, params)).first()

    async def close(self) -> None:
        """Close the connections of its own pool."""
        if self._own_engine is not None:
            await self._own_engine.dispose()


class LoopReadSession(AsyncSession):
    """A read-only AsyncSession whose statements run on the event loop's thread through
    SQLite's reader connection (`SerializedWriteSessions.reader_engine`), for the short,
    indexed reads of browsing: each statement through aiosqlite costs thread hops that
    wait for the loop's turn, more than SQLite's own work. A statement that finds SQLite
    busy past the reader's short timeout runs again through an aiosqlite session."""

    def __init__(self, reader: Engine, fallback: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(expire_on_commit=False)
        self.sync_session.bind = reader
        self._fallback = fallback

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        """`Session.execute`, here (or through aiosqlite when SQLite is busy)."""
        try:
            return self.sync_session.execute(statement, params, **kw)
        except OperationalError:
            self.sync_session.rollback()
            async with self._fallback() as session:
                return await session.execute(statement, params, **kw)

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        """`Session.scalars`, here (or through aiosqlite when SQLite is busy)."""
        return (await self.execute(statement, params, **kw)).scalars()

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        """`Session.scalar`, here (or through aiosqlite when SQLite is busy)."""
        return (await self.execute(statement, params, **kw)).scalar()


class ReadSessions:
    """Sessions for reads only: `LoopReadSession`s on SQLite's reader where there is one,
    else the usual sessions (PostgreSQL: a network round trip must not block the loop)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], reader: Engine | None) -> None:
        self._sessions = sessions
        self._reader = reader

    def __call__(self) -> AsyncSession:
        if self._reader is None:
            return self._sessions()
        return LoopReadSession(self._reader, self._sessions)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions that keep loaded values after commit (repositories return dataclasses);
    on SQLite, write transactions take turns (see the module docstring)."""
    if engine.dialect.name == "sqlite":
        return SerializedWriteSessions(engine)
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = [
    "LoopReadSession",
    "ReadSessions",
    "RowReads",
    "SerializedWriteSessions",
    "open_engine",
    "run_write",
    "session_factory",
]
