"""Audio analysis over the APIs: the `analysis` object of REST song details, the full
analysis at /api/songs/{id}/analysis (404 with a message when there is none), the admin's
counts(Subsonic `bpm`: tests/api/subsonic/test_analysed_bpm.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx
import pytest

from tests.api.accounts import add_song
from tests.api.test_admin_library import headers_for
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.analysis import EMBEDDING_DIMS, Mode, MusicalKey, SongFeatures
from tonearm.analysis.analyser import ANALYZER_VERSION
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def features(tempo: float = 127.6) -> SongFeatures:
    raw = [math.cos(i + 2) for i in range(EMBEDDING_DIMS)]
    norm = math.sqrt(sum(v * v for v in raw))
    return SongFeatures(
        analyzer_version=ANALYZER_VERSION,
        duration=180.0,
        tempo_bpm=tempo,
        tempo_confidence=0.83,
        beats=(0.47, 0.94, 1.41),
        meter=4,
        key=MusicalKey(9, Mode.MINOR),
        key_confidence=0.61,
        loudness=(-30.0, -12.5, -11.0),
        energy=0.72,
        danceability=0.64,
        valence=0.31,
        intro_end=7.5,
        outro_start=170.25,
        leading_silence=0.5,
        trailing_silence=1.25,
        embedding=tuple(v / norm for v in raw),
    )


async def test_song_details_carry_the_analysis_and_the_full_one_has_beats(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    analysed = await add_song(services, title="Analysed", bpm=120.0)
    plain = await add_song(services, title="Not yet")
    broken = await add_song(services, title="Broken")
    repo = SqlFeatureRepository(services.database.sessions)
    await repo.put(analysed, features(), NOW)
    await repo.put_failure(broken, "1", "could not decode the audio: no stream", NOW)
    headers = await headers_for(client, services, "listener")

    details = (await client.get(f"/api/songs/{analysed}", headers=headers)).json()
    assert details["bpm"] == 120.0  # the tag stays the tag
    summary = details["analysis"]
    assert summary["status"] == "done" and summary["tempo_bpm"] == 127.6
    assert summary["key"] == {"name": "A minor", "pitch": 9, "mode": "minor", "camelot": "8A"}
    assert (summary["energy"], summary["danceability"], summary["valence"]) == (0.72, 0.64, 0.31)
    assert (summary["intro_end"], summary["outro_start"]) == (7.5, 170.25)
    assert (summary["leading_silence"], summary["trailing_silence"]) == (0.5, 1.25)
    assert "beats" not in summary and "embedding" not in summary

    full = await client.get(f"/api/songs/{analysed}/analysis", headers=headers)
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["beats"] == [0.47, 0.94, 1.41] and body["loudness"] == [-30.0, -12.5, -11.0]
    assert body["meter"] == 4 and body["tempo_bpm"] == 127.6 and "embedding" not in body

    assert (await client.get(f"/api/songs/{plain}", headers=headers)).json()["analysis"] is None
    missing = await client.get(f"/api/songs/{plain}/analysis", headers=headers)
    assert missing.status_code == 404
    assert "has not been analysed" in missing.json()["error"]["message"]
    failed = (await client.get(f"/api/songs/{broken}", headers=headers)).json()["analysis"]
    assert failed["status"] == "failed" and "no stream" in failed["error"]
    refused = await client.get(f"/api/songs/{broken}/analysis", headers=headers)
    assert refused.status_code == 404 and "no stream" in refused.json()["error"]["message"]


async def test_the_openapi_document_bounds_the_lists(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    detail = document["components"]["schemas"]["SongAnalysisDetailOut"]["properties"]
    assert detail["beats"]["maxItems"] > 0 and detail["loudness"]["maxItems"] > 0
    assert "embedding" not in detail


async def test_admins_see_the_analysis_counts(client: httpx.AsyncClient, services: Runtime) -> None:
    done = await add_song(services)
    await add_song(services)
    await SqlFeatureRepository(services.database.sessions).put(done, features(), NOW)
    admin = await headers_for(client, services, "boss", Role.ADMIN)
    user = await headers_for(client, services, "guest")
    body = (await client.get("/api/admin/analysis", headers=admin)).json()
    assert body["available"] is True and body["analyzer_version"] == ANALYZER_VERSION
    assert (body["done"], body["failed"], body["pending"]) == (1, 0, 1)
    assert (await client.get("/api/admin/analysis", headers=user)).status_code == 403
