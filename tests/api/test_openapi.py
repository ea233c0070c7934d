"""The OpenAPI schema: every endpoint present, the error shape documented."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

EXPECTED = {
    ("/api/songs/{song_id}/stream", "get"),
    ("/api/media/{song_id}/{kind}", "get"),
    ("/api/songs", "post"),
    ("/api/ingest/{job_id}", "get"),
    ("/api/songs/delta", "get"),
    ("/api/playlists", "post"),
    ("/api/events", "post"),
    ("/api/user/preferences", "put"),
    ("/api/trending", "get"),
    ("/api/auth/session", "post"),
    ("/api/admin/jobs", "get"),
    ("/api/admin/jobs/{name}/run", "post"),
}
# Reachable without signing in (the media token is the credential there).
PUBLIC = {"/api/health", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout"}


async def test_schema_lists_every_endpoint_with_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert operations >= EXPECTED
    assert "ErrorOut" in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        if path in PUBLIC or path.startswith("/api/media") or path == "/api/auth/session":
            continue
        for method, operation in item.items():
            assert "401" in operation["responses"], (method, path)
