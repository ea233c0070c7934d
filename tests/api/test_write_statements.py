"""Statements per write on the listening path (issue 18, target 4), pinned so a regression
fails: an event batch runs the same few statements whatever its size, and so does a Subsonic
scrobble, on SQLite and PostgreSQL. Every statement of a write runs while the writer holds
the database's write lock (SQLite) or the user's row (PostgreSQL); under 30 clients, each one
is time the others queue.

Before (issue 18): 41 statements for a batch of 20 events (one INSERT per event, one UPDATE
per verdict and per counted song, three SELECTs for the play rule, a users UPDATE as the
lock, the recent-plays rebuild) and 16 for a scrobble (4 of them authentication).
After: 6 for a batch of any size (authentication aside), 7 for a scrobble (8 for a user's
first counted play, which fills the recent-plays cache from the database).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import event

from tests.api.accounts import PASSWORD, SignedIn, add_song, sign_in
from tonearm.adapters.db.engine import SerializedWriteSessions
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio

# A request's authentication: the bearer token's user (REST); the user, the Subsonic secret
# and the user again (Subsonic, password auth: another helper's part, so not pinned here).
_AUTHENTICATION = re.compile(r"^SELECT .*\bFROM (users|subsonic_secrets)\s+WHERE", re.DOTALL)
# Authentication aside: the write transaction (BEGIN IMMEDIATE on SQLite, the user's row lock
# on PostgreSQL), one SELECT of known event ids and existing songs, one INSERT, one SELECT
# for the play rule, one UPDATE of verdicts, one of play counts.
EVENT_BATCH_STATEMENTS = 6
# The song's duration (an unknown id is error 70) and the same write as a batch of one.
SCROBBLE_STATEMENTS = 7


@contextmanager
def recorded_statements(services: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block, but authentication's."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not _AUTHENTICATION.match(statement) or "FOR UPDATE" in statement:
            seen.append(statement)

    engines = [services.database.engine.sync_engine]
    sessions = services.database.sessions
    if isinstance(sessions, SerializedWriteSessions) and sessions.writer_engine is not None:
        engines.append(sessions.writer_engine)  # SQLite's writer thread
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def _listed(statements: list[str]) -> str:
    return "\n".join(re.sub(r"\s+", " ", s)[:120] for s in statements)


def _batch(songs: list[UUID], session: str) -> list[dict[str, Any]]:
    """Plays, skips and completes of the songs, a second apart, ending now."""
    now = datetime.now(UTC)
    return [
        {
            "id": uuid.uuid4().hex,
            "type": ["play", "complete", "skip"][n % 3],
            "song_id": str(song),
            "timestamp": (now - timedelta(seconds=len(songs) - n)).isoformat(),
            "session_id": session,
            "position_ms": 1000,
        }
        for n, song in enumerate(songs)
    ]


async def _post(client: httpx.AsyncClient, who: SignedIn, batch: list[dict[str, Any]]) -> None:
    response = await client.post("/api/events", json={"events": batch}, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(batch)


async def test_an_event_batch_runs_a_few_statements_whatever_its_size(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    sessions = services.database.sessions
    if isinstance(sessions, SerializedWriteSessions):
        assert sessions.writer_engine is not None  # the batch is written on the writer thread
    alice = await sign_in(client, services, "alice")
    songs = [await add_song(services, title=f"Song {n}") for n in range(20)]
    await _post(client, alice, _batch(songs[:3], "warm-up"))  # pending plays to judge again
    counts = []
    for size in (2, 20):
        with recorded_statements(services) as seen:
            await _post(client, alice, _batch(songs[:size], f"s{size}"))
        assert len(seen) <= EVENT_BATCH_STATEMENTS, _listed(seen)
        counts.append(len(seen))
    assert counts[0] == counts[1]
    assert (await services.songs.get(songs[1])).play_count == 3  # completed in each batch


async def test_a_scrobble_runs_a_few_statements(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    await services.domains.users.add_user("alice", PASSWORD)
    song, other = await add_song(services), await add_song(services)
    params = {"u": "alice", "p": PASSWORD, "v": "1.16.1", "c": "test", "f": "json"}
    # The first counted play fills the recent-plays cache from the database; later ones
    # are merged into it without a query.
    await client.get("/rest/scrobble", params={**params, "id": str(other)})
    with recorded_statements(services) as seen:
        response = await client.get("/rest/scrobble", params={**params, "id": str(song)})
    assert response.status_code == 200, response.text
    assert response.json()["subsonic-response"]["status"] == "ok"
    assert len(seen) <= SCROBBLE_STATEMENTS, _listed(seen)
    assert (await services.songs.get(song)).play_count == 1
