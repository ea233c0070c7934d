"""Open the async SQLAlchemy engine: aiosqlite (WAL, foreign keys on) or psycopg 3."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000


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


def open_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An async engine for `url` (already resolved to +aiosqlite or +psycopg)."""
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
        pool_pre_ping=True,
        # Supabase's pooler (PgBouncer, transaction mode) cannot keep prepared statements.
        connect_args={"prepare_threshold": None, "connect_timeout": 5},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions that keep loaded values after commit (repositories return dataclasses)."""
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = ["open_engine", "session_factory"]
