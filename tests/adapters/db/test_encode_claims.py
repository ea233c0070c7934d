"""SqlEncodeClaims on SQLite and PostgreSQL: one holder per (song, rendition), leases lapse."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository
from tonearm.adapters.db.encode_claims import SqlEncodeClaims

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
async def song_id(database: Database) -> uuid.UUID:
    song = uuid.uuid4()
    await SqlSongRepository(database.sessions).add(song, make_draft(), NOW)
    return song


async def test_only_one_holder_wins_and_others_lose_until_release(
    database: Database, song_id: uuid.UUID
) -> None:
    claims = SqlEncodeClaims(database.sessions)
    assert await claims.claim(song_id, "medium", "a", NOW, NOW + LEASE)
    assert not await claims.claim(song_id, "medium", "b", NOW, NOW + LEASE)
    # Another rendition of the same song is a separate claim.
    assert await claims.claim(song_id, "high", "b", NOW, NOW + LEASE)
    assert await claims.holder(song_id, "medium") == ("a", NOW + LEASE)
    await claims.release(song_id, "medium", "b")  # not b's: nothing happens
    assert not await claims.claim(song_id, "medium", "c", NOW, NOW + LEASE)
    await claims.release(song_id, "medium", "a")
    assert await claims.holder(song_id, "medium") is None
    assert await claims.claim(song_id, "medium", "c", NOW, NOW + LEASE)


async def test_a_lapsed_lease_is_taken_over_and_a_renewed_one_is_not(
    database: Database, song_id: uuid.UUID
) -> None:
    claims = SqlEncodeClaims(database.sessions)
    assert await claims.claim(song_id, "low", "crashed", NOW, NOW + LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    assert await claims.claim(song_id, "low", "next", later, later + LEASE)
    assert not await claims.renew(song_id, "low", "crashed", later + LEASE)
    assert await claims.renew(song_id, "low", "next", later + 2 * LEASE)
    # Still live at later + LEASE + 1 s thanks to the renewal.
    again = later + LEASE + timedelta(seconds=1)
    assert not await claims.claim(song_id, "low", "third", again, again + LEASE)


async def test_many_concurrent_claimers_one_winner(database: Database, song_id: uuid.UUID) -> None:
    claims = SqlEncodeClaims(database.sessions)
    results = await asyncio.gather(
        *(claims.claim(song_id, "efficient", f"h{n}", NOW, NOW + LEASE) for n in range(8))
    )
    assert sum(results) == 1


_OTHER_PROCESS = """
import asyncio, sys, uuid
from datetime import datetime, timedelta, UTC
from tonearm.adapters.db import Database
from tonearm.adapters.db.encode_claims import SqlEncodeClaims

async def main() -> None:
    db = Database(sys.argv[1])
    now = datetime.now(UTC)
    won = await SqlEncodeClaims(db.sessions).claim(
        uuid.UUID(sys.argv[2]), "medium", "other-process", now, now + timedelta(minutes=2)
    )
    await db.close()
    print("won" if won else "lost")

asyncio.run(main())
"""


async def _claim_from_another_process(database: Database, song_id: uuid.UUID) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _OTHER_PROCESS,
        database.url,
        str(song_id),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode().strip()


async def test_another_process_cannot_take_a_live_claim(
    database: Database, song_id: uuid.UUID
) -> None:
    claims = SqlEncodeClaims(database.sessions)
    now = datetime.now(UTC)
    assert await claims.claim(song_id, "medium", "this-process", now, now + LEASE)
    assert await _claim_from_another_process(database, song_id) == "lost"
    await claims.release(song_id, "medium", "this-process")
    assert await _claim_from_another_process(database, song_id) == "won"
    assert not await claims.claim(song_id, "medium", "this-process", now, now + LEASE)
