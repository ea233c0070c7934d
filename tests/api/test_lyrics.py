"""GET /api/songs/{id}/lyrics: a song without lyrics answers 200 with both fields null (a
player asks for every song it plays, and a 404 for each would fill the console); only an
unknown or deleted song is 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from tests.factories import make_draft
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def test_a_song_without_lyrics_answers_empty_and_an_unknown_song_404(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    with_lyrics, without, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await services.songs.add(with_lyrics, make_draft(lyrics="la la"), now)
    await services.songs.add(without, make_draft(), now)
    await services.songs.add(gone, make_draft(lyrics="gone"), now)
    await services.songs.tombstone(gone, now)

    empty = await client.get(f"/api/songs/{without}/lyrics", headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"song_id": str(without), "plain": None, "synced": None}
    song = await client.get(f"/api/songs/{without}", headers=headers)
    assert song.json()["has_lyrics"] is False
    found = await client.get(f"/api/songs/{with_lyrics}/lyrics", headers=headers)
    assert found.json()["plain"] == "la la"
    for missing in (gone, uuid.uuid4()):
        answer = await client.get(f"/api/songs/{missing}/lyrics", headers=headers)
        assert answer.status_code == 404
