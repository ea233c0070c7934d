"""GET /api/health, the error shape, X-Response-Time and the OpenAPI docs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.servers import running_redis
from tonearm.app import attach_runtime, create_app, open_runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio


async def test_health_reports_every_component_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "storage", "cache", "queue"}
    assert all(component["ok"] for component in body["components"].values())


async def test_every_response_carries_x_response_time(client: httpx.AsyncClient) -> None:
    for path in ("/api/health", "/api/does-not-exist", "/api/openapi.json"):
        response = await client.get(path)
        value = response.headers["x-response-time"]
        assert value.endswith("ms")
        assert float(value.removesuffix("ms")) >= 0


async def test_unknown_routes_use_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


async def test_docs_and_openapi_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/docs")).status_code == 200
    schema = (await client.get("/api/openapi.json")).json()
    assert "/api/health" in schema["paths"]


async def test_health_is_503_and_names_the_cache_when_redis_stops(tmp_path: Path) -> None:
    with running_redis() as redis:
        settings = Settings(data_dir=tmp_path, cache_url=redis.url)
        services = await open_runtime(settings)
    # Redis is stopped (by pid) now; the app keeps running and says what is wrong.
    try:
        app = create_app(settings)
        attach_runtime(app, services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/api/health")
    finally:
        await services.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["cache"]["ok"] is False
    assert f"cannot reach {redis.url}" in body["components"]["cache"]["detail"]
    assert body["components"]["database"]["ok"] is True


async def test_a_public_url_sub_path_is_the_openapi_server(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, public_url="https://example.org/music")
    services = await open_runtime(settings)
    try:
        app = create_app(settings)
        attach_runtime(app, services)
        transport = httpx.ASGITransport(app=app, root_path=settings.public_path)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            schema = (await http.get("/api/openapi.json")).json()
    finally:
        await services.close()
    assert schema["servers"] == [{"url": "/music"}]
