"""Counting the SQL statements a piece of work sends, on a runtime's engine.

    with count_statements(services.database) as sent:
        await subsonic.call("search3", {"query": "tide"})
    assert sent.count == 2, sent.described()

Counts are deterministic where timings are not: a test that pins them fails when a change
adds a query to a hot path. SQLAlchemy's `before_cursor_execute` event fires once per
statement the driver executes (an `executemany` counts once); song search's statements on
SQLite, which run on aiosqlite's own connection (adapters/db/song_search/sqlite.py), are
counted where they are sent, and so are the writes SQLite's writer thread runs on its own
engine (`run_write`, adapters/db/engine.py) and the reads the loop runs on SQLite's reader
(`RowReads`, `LoopReadSession`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from tonearm.adapters.db import Database
from tonearm.adapters.db.song_search.sqlite import SqliteFullText


@dataclass
class SentStatements:
    """The statements sent while counting, in order."""

    statements: list[str] = field(default_factory=list)
    # Per statement, whether SQLAlchemy took its compiled form from its cache: "hit",
    # "miss" (compiled for this call), "uncached" (text, or caching off) or "raw" (sent
    # without SQLAlchemy: song search on SQLite).
    compiled: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def described(self) -> str:
        """Each statement's first line, numbered: a readable assertion message."""
        return "\n".join(
            f"{n}. {' '.join(sql.split())[:160]}" for n, sql in enumerate(self.statements, 1)
        )


def _cache_status(context: Any) -> str:
    """Whether the statement's compiled form came from SQLAlchemy's cache."""
    hit = getattr(context, "cache_hit", None)
    if hit is CacheStats.CACHE_HIT:
        return "hit"
    if hit is CacheStats.CACHE_MISS:
        return "miss"
    return "uncached"


@contextmanager
def count_statements(database: Database) -> Iterator[SentStatements]:
    """Every statement the database's engine sends inside the block."""
    sent = SentStatements()
    engines = [database.engine.sync_engine]
    for name in ("writer_engine", "reader_engine"):
        other = getattr(database.sessions, name, None)
        if other is not None:
            engines.append(other)

    def before(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, *_: Any
    ) -> None:
        sent.statements.append(statement)
        sent.compiled.append(_cache_status(context))

    fulltext_rows = SqliteFullText.rows

    async def rows(self: SqliteFullText, sql: str, params: dict[str, Any]) -> Any:
        sent.statements.append(sql)
        sent.compiled.append("raw")
        return await fulltext_rows(self, sql, params)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        with mock.patch.object(SqliteFullText, "rows", rows):
            yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
