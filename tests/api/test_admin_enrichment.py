"""/api/admin/enrichment: the enrichment queue's counts, for admins only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.test_admin_library import headers_for
from tests.ingest.conftest import make_track
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio


async def test_admins_see_the_queue_drain_and_users_are_refused(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    for number in range(2):
        make_track(music / f"{number}.mp3", frequency_hz=300 + 100 * number)
    await services.domains.ingest.scan([music])
    admin = await headers_for(client, services, "boss", Role.ADMIN)
    user = await headers_for(client, services, "guest")

    response = await client.get("/api/admin/enrichment", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() | {"per_minute": 0} == {
        "pending": 2,
        "running": 0,
        "failed": 0,
        "done": 0,
        "per_minute": 0,
        "eta_seconds": None,
    }
    assert (await client.get("/api/admin/enrichment", headers=user)).status_code == 403

    await services.domains.ingest.enrich()
    body = (await client.get("/api/admin/enrichment", headers=admin)).json()
    assert (body["pending"], body["done"], body["eta_seconds"]) == (0, 2, 0.0)
    assert body["per_minute"] > 0
