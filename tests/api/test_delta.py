"""/api/songs/delta through HTTP: add, update, remove, repeat syncs, paging, and a slow
writer that must not be skipped (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.api.accounts import sign_in
from tests.factories import make_draft
from tonearm.adapters.db.changes import ChangeEntity, ChangeOp, append_change, latest_seq
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def headers(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    return (await sign_in(client, services, "syncer")).headers


async def delta(
    client: httpx.AsyncClient, headers: dict[str, str], since: int | None, **params: Any
) -> dict[str, Any]:
    query = {**params, **({"since": since} if since is not None else {})}
    response = await client.get("/api/songs/delta", params=query, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(songs: list[dict[str, Any]]) -> set[str]:
    return {song["id"] for song in songs}


async def test_delta_follows_adds_updates_and_removals(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    kept, retagged, removed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for song_id in (kept, retagged, removed):
        await services.songs.add(song_id, make_draft(title="first"), NOW)
    full = await delta(client, headers, None)
    assert ids(full["added"]) == {str(kept), str(retagged), str(removed)}
    assert full["updated"] == full["removed"] == []
    assert full["has_more"] is False
    assert await delta(client, headers, 0) == full

    hash_ = (await services.songs.get(retagged)).audio_hash
    await services.songs.replace_metadata(retagged, make_draft(title="v2", audio_hash=hash_), NOW)
    await services.songs.replace_metadata(retagged, make_draft(title="v3", audio_hash=hash_), NOW)
    await services.songs.tombstone(removed, NOW)
    new = uuid.uuid4()
    await services.songs.add(new, make_draft(), NOW)

    changes = await delta(client, headers, full["cursor"])
    assert ids(changes["added"]) == {str(new)}
    assert [(s["id"], s["title"]) for s in changes["updated"]] == [(str(retagged), "v3")]
    assert changes["removed"] == [str(removed)]
    assert changes["cursor"] > full["cursor"]

    # Syncing again from the new cursor: nothing, and the cursor stays.
    again = await delta(client, headers, changes["cursor"])
    assert (again["added"], again["updated"], again["removed"]) == ([], [], [])
    assert again["cursor"] == changes["cursor"]
    beyond = await delta(client, headers, changes["cursor"] + 50)
    assert (beyond["added"], beyond["cursor"]) == ([], changes["cursor"] + 50)


async def test_delta_refuses_bad_cursors_and_limits(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for params in ({"since": -1}, {"since": "abc"}, {"limit": 0}, {"limit": 1001}):
        response = await client.get("/api/songs/delta", params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid_input"


async def test_a_large_delta_comes_in_pages_that_miss_nothing(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    expected = set()
    for _ in range(45):
        song_id = uuid.uuid4()
        await services.songs.add(song_id, make_draft(), NOW)
        expected.add(str(song_id))
    seen: list[str] = []
    cursor, pages = 0, []
    while True:
        page = await delta(client, headers, cursor, limit=20)
        seen.extend(song["id"] for song in page["added"])
        pages.append(page["has_more"])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert pages == [True, True, False]
    assert sorted(seen) == sorted(expected)  # each once


@pytest.mark.parametrize("stack_settings", ["scale_out"], indirect=True)
async def test_a_slow_writer_with_a_lower_number_is_never_skipped(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    """Writer A takes its change number first and commits last; B commits after it. A
    client that syncs while A is open must still get A's change in its next delta."""
    slow_song, fast_song = uuid.uuid4(), uuid.uuid4()
    await services.songs.add(slow_song, make_draft(title="before"), NOW)
    cursor = (await delta(client, headers, 0))["cursor"]

    async with services.database.sessions.begin() as session:
        await session.execute(
            update(SongRow).where(SongRow.id == slow_song).values(title="slow edit")
        )
        await append_change(session, ChangeEntity.SONG, slow_song, ChangeOp.UPSERT, NOW)
        slow_seq = await latest_seq(session)
        fast = asyncio.create_task(services.songs.add(fast_song, make_draft(), NOW))
        await asyncio.sleep(0.5)  # every chance for B to commit ahead of A, if it could
        assert not fast.done()  # B waits for A's change-log lock
        during = await delta(client, headers, cursor)
        # Nothing past A is visible while A is open, so the cursor cannot jump over A.
        assert (during["added"], during["updated"], during["removed"]) == ([], [], [])
        assert during["cursor"] == cursor < slow_seq
        cursor = during["cursor"]
    await fast

    after = await delta(client, headers, cursor)
    assert [(s["id"], s["title"]) for s in after["updated"]] == [(str(slow_song), "slow edit")]
    assert ids(after["added"]) == {str(fast_song)}
    assert after["cursor"] > slow_seq
    final = await delta(client, headers, after["cursor"])
    assert (final["added"], final["updated"], final["removed"]) == ([], [], [])
