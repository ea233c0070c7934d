"""The play rule finds a user's events by listening session, not through their whole history.

Each batch of listening events judges the sessions it touched and those with a pending play
(adapters/db/plays.py). SQLite's own plan for that statement is read here: every read of
`user_interactions` must go through an index with the session (or the pending state) in its
key; a search by the user alone reads every event the user ever sent, and made each batch
cost more as the history grew.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite

from tonearm.adapters.db.plays import _judged_rows
from tonearm.adapters.db.tables import metadata


@pytest.fixture
def database() -> Iterator[sqlite3.Connection]:
    """The schema's tables (with their indexes) in an in-memory SQLite database."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    raw = engine.raw_connection()
    connection = raw.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    yield connection
    raw.close()
    engine.dispose()


def plan(connection: sqlite3.Connection, touched: set[tuple[str, uuid.UUID]]) -> list[str]:
    statement = _judged_rows(uuid.uuid4(), touched)
    compiled = statement.compile(
        dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True}
    )
    values = compiled.construct_params()
    arguments = [
        value.hex if isinstance(value, uuid.UUID) else value
        for value in (values[name] for name in compiled.positiontup or ())
    ]
    rows = connection.execute("EXPLAIN QUERY PLAN " + str(compiled), arguments).fetchall()
    return [row[3] for row in rows]


@pytest.mark.parametrize(
    "touched", [set(), {("session-1", uuid.uuid4())}], ids=["pending", "batch"]
)
def test_events_are_read_by_session_or_pending_state(
    database: sqlite3.Connection, touched: set[tuple[str, uuid.UUID]]
) -> None:
    steps = plan(database, touched)
    reads = [step for step in steps if "user_interactions" in step]
    assert reads, steps
    for step in reads:
        assert step.startswith("SEARCH"), steps  # never a SCAN of the table
        assert "session_id=?" in step or "play_state=?" in step, steps
