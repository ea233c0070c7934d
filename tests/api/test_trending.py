"""GET /api/trending: the job's cached list when present, else play-count order."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from tests.api.accounts import add_song, sign_in
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


async def set_plays(services: Runtime, song_id: uuid.UUID, plays: int) -> None:
    async with services.database.sessions.begin() as session:
        await session.execute(update(SongRow).where(SongRow.id == song_id).values(play_count=plays))


async def test_trending_falls_back_to_play_counts_then_follows_the_cache(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    user = await sign_in(client, services, "alice")
    quiet, popular, middle = [await add_song(services) for _ in range(3)]
    await set_plays(services, popular, 50)
    await set_plays(services, middle, 10)
    response = await client.get("/api/trending?limit=2", headers=user.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "play_count"
    assert [song["id"] for song in body["items"]] == [str(popular), str(middle)]

    removed = await add_song(services)
    await services.songs.tombstone(removed, datetime.now(UTC))
    ranking = [
        {"song_id": str(quiet), "score": 9.0},
        {"song_id": str(removed), "score": 8.0},
        {"song_id": str(middle), "score": 1.0},
    ]
    await services.cache.set("trending:daily", json.dumps(ranking).encode(), ttl_seconds=3600)
    body = (await client.get("/api/trending", headers=user.headers)).json()
    assert body["source"] == "trending:daily"
    assert [song["id"] for song in body["items"]] == [str(quiet), str(middle)]
    assert (await client.get("/api/trending")).status_code == 401
