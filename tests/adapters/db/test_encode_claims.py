"""SqlEncodeClaims on SQLite and PostgreSQL: one holder per (song, rendition), leases lapse."""

from __future__ import annotations

import asyncio
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
