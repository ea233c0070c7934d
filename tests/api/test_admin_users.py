"""/api/admin/users and /api/admin/ingest/failures: what the admin screens need."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio


async def headers_for(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> dict:
    response = await client.post("/api/auth/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin(client: httpx.AsyncClient, services: Runtime) -> dict:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    return await headers_for(client, "root")


async def test_an_admin_adds_lists_and_disables_users(
    client: httpx.AsyncClient, services: Runtime, admin: dict
) -> None:
    made = await client.post(
        "/api/admin/users", json={"username": "Kid", "password": PASSWORD}, headers=admin
    )
    assert made.status_code == 201
    assert made.json()["username"] == "kid" and made.json()["role"] == "user"
    taken = await client.post(
        "/api/admin/users", json={"username": "kid", "password": PASSWORD}, headers=admin
    )
    assert taken.status_code == 409
    kid = await headers_for(client, "kid")
    listed = (await client.get("/api/admin/users", headers=admin)).json()
    assert [(u["username"], u["active"]) for u in listed] == [("kid", True), ("root", True)]

    disabled = await client.patch("/api/admin/users/kid", json={"active": False}, headers=admin)
    assert disabled.json()["active"] is False
    # The refresh token is gone and a new sign-in is refused.
    assert (await client.get("/api/auth/me", headers=kid)).status_code == 401
    refused = await client.post("/api/auth/login", json={"username": "kid", "password": PASSWORD})
    assert refused.status_code == 401
    enabled = await client.patch("/api/admin/users/kid", json={"active": True}, headers=admin)
    assert enabled.json()["active"] is True
    assert (await headers_for(client, "kid"))["Authorization"]


async def test_the_last_admin_cannot_be_disabled(client: httpx.AsyncClient, admin: dict) -> None:
    response = await client.patch("/api/admin/users/root", json={"active": False}, headers=admin)
    assert response.status_code == 403
    assert "last admin" in response.json()["error"]["message"]


async def test_a_password_reset_signs_the_user_out_and_sets_the_new_one(
    client: httpx.AsyncClient, services: Runtime, admin: dict
) -> None:
    await services.domains.users.add_user("kid", PASSWORD)
    session = await client.post("/api/auth/login", json={"username": "kid", "password": PASSWORD})
    refresh = session.json()["refresh_token"]
    reset = await client.post(
        "/api/admin/users/kid/password", json={"password": "a whole new phrase"}, headers=admin
    )
    assert reset.status_code == 204
    assert (
        await client.post("/api/auth/refresh", json={"refresh_token": refresh})
    ).status_code == 401
    assert await headers_for(client, "kid", "a whole new phrase")
    weak = await client.post("/api/admin/users/kid/password", json={"password": "x"}, headers=admin)
    assert weak.status_code == 400


async def test_an_admin_makes_and_revokes_a_users_api_key(
    client: httpx.AsyncClient, services: Runtime, admin: dict
) -> None:
    await services.domains.users.add_user("kid", PASSWORD)
    made = await client.post(
        "/api/admin/users/kid/api-keys", json={"name": "tablet"}, headers=admin
    )
    assert made.status_code == 201
    secret = made.json()["key"]
    assert (await services.domains.api_keys.user_for_key(secret)).username == "kid"  # type: ignore[union-attr]
    listed = (await client.get("/api/admin/users/kid/api-keys", headers=admin)).json()
    assert [key["name"] for key in listed] == ["tablet"]
    revoked = await client.delete(
        f"/api/admin/users/kid/api-keys/{made.json()['id']}", headers=admin
    )
    assert revoked.status_code == 204
    assert await services.domains.api_keys.user_for_key(secret) is None


async def test_import_failures_are_listed_newest_first(
    client: httpx.AsyncClient, services: Runtime, admin: dict
) -> None:
    await services.songs.record_failure(
        "/music/old.mp3", "not audio", "scan", 10, 1, datetime(2026, 1, 1, tzinfo=UTC)
    )
    await services.songs.record_failure(
        "/music/new.flac", "truncated", "upload", 20, 2, datetime(2026, 2, 1, tzinfo=UTC)
    )
    page = (await client.get("/api/admin/ingest/failures?limit=1", headers=admin)).json()
    assert page["total"] == 2
    assert [(f["path"], f["reason"], f["source"]) for f in page["items"]] == [
        ("/music/new.flac", "truncated", "upload")
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/admin/users"),
        ("POST", "/api/admin/users"),
        ("PATCH", "/api/admin/users/root"),
        ("POST", "/api/admin/users/root/password"),
        ("GET", "/api/admin/users/root/api-keys"),
        ("GET", "/api/admin/ingest/failures"),
    ],
)
async def test_admin_routes_refuse_other_users(
    client: httpx.AsyncClient, services: Runtime, admin: dict, method: str, path: str
) -> None:
    await services.domains.users.add_user("kid", PASSWORD)
    kid = await headers_for(client, "kid")
    assert (await client.request(method, path, headers=kid, json={})).status_code == 403
    assert (await client.request(method, path, json={})).status_code == 401
