"""Sliding-window limits: per user or IP, 429 with Retry-After; media never limited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from tests.api.test_streaming import Library, library, media_path, stream  # noqa: F401
from tonearm.api.deps import client_ip
from tonearm.app import Runtime, attach_runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


def limit(services: Runtime, app: Any = None, **values: Any) -> None:
    """Change settings; the app reads them from what was attached, so attach again."""
    services.settings = services.settings.model_copy(update=values)
    if app is not None:
        attach_runtime(app, services)


async def bearer(client: httpx.AsyncClient, services: Runtime, name: str) -> dict[str, str]:
    await services.domains.users.add_user(name, PASSWORD, Role.USER)
    tokens = (
        await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_control_limit_is_per_user(
    client: httpx.AsyncClient, services: Runtime, app: FastAPI
) -> None:
    alice = await bearer(client, services, "alice")
    bob = await bearer(client, services, "bob")
    limit(services, app, rate_limit_control_per_minute=5)
    for _ in range(5):
        assert (await client.get("/api/auth/me", headers=alice)).status_code == 200
    refused = await client.get("/api/auth/me", headers=alice)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await client.get("/api/auth/me", headers=bob)).status_code == 200


async def test_anonymous_requests_are_limited_per_ip(
    client: httpx.AsyncClient, services: Runtime, app: FastAPI
) -> None:
    limit(services, app, rate_limit_control_per_minute=3)
    statuses = [(await client.get("/api/auth/me")).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


async def test_stream_urls_have_the_read_limit_and_media_none(
    client: httpx.AsyncClient,
    services: Runtime,
    app: FastAPI,
    library: Library,  # noqa: F811
) -> None:
    url = media_path((await stream(client, library, quality="low"))["url"])
    limit(services, app, rate_limit_read_per_minute=3, rate_limit_control_per_minute=3)
    for _ in range(25):
        assert (await client.get(url, headers={"Range": "bytes=0-99"})).status_code == 206
    codes = [
        (
            await client.get(f"/api/songs/{library.song_id}/stream", headers=library.headers)
        ).status_code
        for _ in range(4)
    ]
    # (`limits` keeps one window per limit value, so the call made before lowering the
    # limit to 3 is not in this one.)
    assert codes == [200, 200, 200, 429]


def request_from(peer: str, forwarded: str | None, services: Runtime) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []

    class App:
        class state:
            pass

    attach_runtime(App, services)
    return Request({"type": "http", "client": (peer, 1234), "headers": headers, "app": App})


async def test_forwarded_for_is_believed_only_from_trusted_proxies(services: Runtime) -> None:
    assert client_ip(request_from("10.0.0.2", "203.0.113.5", services)) == "10.0.0.2"
    limit(services, trusted_proxies=["10.0.0.0/8", "::1"])
    assert client_ip(request_from("10.0.0.2", "203.0.113.5", services)) == "203.0.113.5"
    # A client cannot hide behind a forged left-most entry: read from the right.
    spoofed = request_from("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.7", services)
    assert client_ip(spoofed) == "203.0.113.5"
    assert client_ip(request_from("198.51.100.9", "203.0.113.5", services)) == "198.51.100.9"
    assert client_ip(request_from("10.0.0.2", None, services)) == "10.0.0.2"
