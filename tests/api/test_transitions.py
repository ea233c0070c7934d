"""/api/transitions: rendered transitions listed with their cut points and audio URL, the
audio answered to anyone signed in, nothing to anyone else; a transition whose songs were
re-analysed since is not listed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.analysis.test_feature_repository import add_songs, features
from tests.api.accounts import sign_in
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.transitions import SqlTransitionRepository
from tonearm.analysis.transitions import Transition, transition_key
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_transitions_are_listed_and_played(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    a, b, c = await add_songs(services.database, 3)
    feature_repo = SqlFeatureRepository(services.database.sessions)
    for song in (a, b, c):
        await feature_repo.put(song, features(), NOW)
    repo = SqlTransitionRepository(services.database.sessions)
    audio = tmp_path / "t.mp3"
    audio.write_bytes(b"ID3" + bytes(2000))
    for x, y in ((a, b), (b, c)):
        await services.store.put_file(transition_key(x, y), audio, "audio/mpeg")
        await repo.put(Transition(x, y, transition_key(x, y), 5000, False, "v1", NOW))

    assert (await client.get(f"/api/transitions?from={a}")).status_code == 401
    assert (await client.get(f"/api/transitions/{a}/{b}/audio")).status_code == 401
    headers = (await sign_in(client, services, "listener")).headers

    listed = await client.get(f"/api/transitions?from={a}&to={b}", headers=headers)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert item["url"] == f"/api/transitions/{a}/{b}/audio"
    # features(): outro at 190 s, leading silence 0.25 s, no beats near the outro.
    assert (item["from_start_ms"], item["to_start_ms"], item["to_resume_ms"]) == (190000, 250, 5250)
    assert item["duration_ms"] == 5000 and item["beat_matched"] is False
    into_c = (await client.get(f"/api/transitions?to={c}", headers=headers)).json()["items"]
    assert [t["from_song_id"] for t in into_c] == [str(b)]

    played = await client.get(item["url"], headers=headers)
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/mpeg"
    assert played.content == audio.read_bytes()
    assert (await client.get(f"/api/transitions/{a}/{c}/audio", headers=headers)).status_code == 404
    assert (await client.get("/api/transitions?from=nope", headers=headers)).status_code == 400

    # Re-analysed: the old transition no longer fits its song and is not offered.
    await feature_repo.put(b, dataclasses.replace(features(), analyzer_version="v2"), NOW)
    assert (await client.get(f"/api/transitions?from={a}", headers=headers)).json()["items"] == []
    assert (await client.get(item["url"], headers=headers)).status_code == 404
