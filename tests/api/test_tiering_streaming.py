"""A client streaming throughout a tiering run never meets a 404 it cannot recover from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest

from tests.upkeep.conftest import add_song
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def fetch(
    client: httpx.AsyncClient, headers: dict[str, str], song: UUID, quality: str
) -> int:
    ticket = await client.get(
        f"/api/songs/{song}/stream", params={"quality": quality}, headers=headers
    )
    assert ticket.status_code == 200, ticket.text
    parts = urlsplit(ticket.json()["url"])
    media = await client.get(f"{parts.path}?{parts.query}", headers={"Range": "bytes=0-99"})
    return media.status_code


async def test_urls_handed_out_during_tiering_serve_or_recover_on_asking_again(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    old = datetime.now(UTC) - timedelta(days=90)
    songs = [await add_song(services, added_at=old) for _ in range(6)]
    # Warm the URL cache: these URLs name objects tiering is about to delete.
    for song in songs:
        assert await fetch(client, headers, song, "high") == 206
    done = asyncio.Event()
    outcomes: list[tuple[int, int | None]] = []

    async def listen() -> None:
        while not done.is_set():
            for song in songs:
                for quality in ("high", "medium", "auto"):
                    first = await fetch(client, headers, song, quality)
                    again = await fetch(client, headers, song, quality) if first == 404 else None
                    outcomes.append((first, again))

    async def tier() -> None:
        try:
            await services.domains.tiering.run()
        finally:
            done.set()

    await asyncio.gather(listen(), tier())
    # And after the run, every URL works the first time.
    for song in songs:
        for quality in ("high", "medium", "low"):
            assert await fetch(client, headers, song, quality) == 206

    assert outcomes
    assert all(first == 206 or again == 206 for first, again in outcomes), outcomes
    for song in songs:
        assert {r.kind for r in await services.songs.renditions(song)} >= {"low", "preview"}
        assert "high" not in {r.kind for r in await services.songs.renditions(song)}
