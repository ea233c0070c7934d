"""/api/songs/{id}/sonic-similar and /api/sonic-path: songs as every REST list shows them,
each with its similarity; 404 for a song not analysed yet, 400 for counts out of bounds,
503 with a message when the server cannot compare (no numpy)."""

from __future__ import annotations

import httpx
import pytest

from tests.analysis.sonic_songs import add_analysed
from tests.api.accounts import add_song, sign_in
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


async def test_similar_songs_and_a_path(client: httpx.AsyncClient, services: Runtime) -> None:
    headers = (await sign_in(client, services, "ann")).headers
    ids = {a: await add_analysed(services, a, title=f"At {a}") for a in (0, 20, 40, 60, 90)}

    response = await client.get(f"/api/songs/{ids[0]}/sonic-similar?count=3", headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["At 20", "At 40", "At 60"]
    assert items[0]["id"] == str(ids[20]) and items[0]["artists"] and "album_id" in items[0]
    assert 1 >= items[0]["similarity"] > items[1]["similarity"] > items[2]["similarity"] >= 0

    path = await client.get(
        "/api/sonic-path",
        params={"from": str(ids[0]), "to": str(ids[90]), "count": 4},
        headers=headers,
    )
    assert path.status_code == 200, path.text
    assert [item["title"] for item in path.json()["items"]] == ["At 0", "At 20", "At 60", "At 90"]
    assert path.json()["items"][0]["similarity"] == 1.0


async def test_errors_are_clear(client: httpx.AsyncClient, services: Runtime) -> None:
    headers = (await sign_in(client, services, "ann")).headers
    analysed = await add_analysed(services, 0)
    pending = await add_song(services)

    missing = await client.get(f"/api/songs/{pending}/sonic-similar", headers=headers)
    assert missing.status_code == 404 and "not been analysed" in missing.text
    path = await client.get(
        "/api/sonic-path", params={"from": str(analysed), "to": str(pending)}, headers=headers
    )
    assert path.status_code == 404
    for url in (
        f"/api/songs/{analysed}/sonic-similar?count=501",
        f"/api/songs/{analysed}/sonic-similar?count=0",
        f"/api/sonic-path?from={analysed}&to={analysed}&count=1",
        f"/api/sonic-path?from={analysed}",
    ):
        assert (await client.get(url, headers=headers)).status_code == 400, url
    assert (await client.get(f"/api/songs/{analysed}/sonic-similar")).status_code == 401

    services.domains.sonic.available = False
    off = await client.get(f"/api/songs/{analysed}/sonic-similar", headers=headers)
    assert off.status_code == 503 and "numpy" in off.text


async def test_the_openapi_schema_bounds_the_parameters(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    similar = schema["paths"]["/api/songs/{song_id}/sonic-similar"]["get"]["parameters"]
    count = next(p for p in similar if p["name"] == "count")["schema"]
    assert (count["minimum"], count["maximum"]) == (1, 500)
    assert "503" in schema["paths"]["/api/songs/{song_id}/sonic-similar"]["get"]["responses"]
    path = schema["paths"]["/api/sonic-path"]["get"]["parameters"]
    assert {p["name"] for p in path} >= {"from", "to", "count"}
