"""/api/auth: sign-in, bearer access, refresh rotation and reuse, logout, password, backoff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tonearm.adapters.db import SqlUserRepository
from tonearm.app import Runtime
from tonearm.errors import BadCredentials
from tonearm.users import AccessTokens, Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


@pytest.fixture
async def alice(services: Runtime) -> str:
    await services.domains.users.add_user("alice", PASSWORD, Role.ADMIN)
    return "alice"


async def login(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": "alice", "password": password})


def bearer(tokens: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def test_sign_in_gives_tokens_that_reach_protected_routes(
    client: httpx.AsyncClient, alice: str
) -> None:
    tokens = await login(client)
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer"
    assert body["user"] == {"id": body["user"]["id"], "username": "alice", "role": "admin"}
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YWxpY2U6eA=="}],
)
async def test_protected_routes_refuse_missing_or_bad_tokens(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, alice: str
) -> None:
    wrong = await login(client, "nope nope")
    unknown = await client.post("/api/auth/login", json={"username": "bob", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    client: httpx.AsyncClient, alice: str
) -> None:
    first = (await login(client)).json()
    second = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]

    replay = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # The thief's replay also ends the rightful holder's newer token.
    newer = await client.post(
        "/api/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}
    )
    assert newer.status_code == 401


async def test_logout_revokes_the_refresh_token(client: httpx.AsyncClient, alice: str) -> None:
    tokens = (await login(client)).json()
    out = await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


async def test_password_change_needs_the_current_one_and_signs_out_other_sessions(
    client: httpx.AsyncClient, alice: str
) -> None:
    other_session = (await login(client)).json()
    tokens = await login(client)
    refused = await client.post(
        "/api/auth/password",
        json={"current_password": "wrong one", "new_password": "a new password"},
        headers=bearer(tokens),
    )
    assert refused.status_code == 401
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new password"},
        headers=bearer(tokens),
    )
    assert changed.status_code == 204
    assert (await login(client)).status_code == 401
    assert (await login(client, "a new password")).status_code == 200
    stale = await client.post(
        "/api/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
    )
    assert stale.status_code == 401


async def test_a_disabled_account_loses_access_at_once(
    client: httpx.AsyncClient, alice: str, services: Runtime
) -> None:
    tokens = await login(client)
    user = await services.domains.users.get_user("alice")
    await SqlUserRepository(services.database.sessions).set_active(user.id, False)
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 401
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens.json()["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_repeated_failures_back_off_even_the_right_password(
    client: httpx.AsyncClient, alice: str
) -> None:
    for _ in range(5):
        assert (await login(client, "guess guess")).status_code == 401
    blocked = await login(client)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["retry-after"]) >= 1


async def test_invalid_bodies_get_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_access_tokens_expire_and_resist_tampering() -> None:
    tokens = AccessTokens(b"k" * 32, timedelta(minutes=15))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user_id = uuid.uuid4()
    token, expires_at = tokens.issue(user_id, "user", now)
    assert expires_at == now + timedelta(minutes=15)
    assert tokens.verify(token, now + timedelta(minutes=14)) == user_id
    with pytest.raises(BadCredentials, match="expired"):
        tokens.verify(token, now + timedelta(minutes=15))
    with pytest.raises(BadCredentials):
        AccessTokens(b"other-key" * 4, timedelta(minutes=15)).verify(token, now)
    header, payload, signature = token.split(".")
    with pytest.raises(BadCredentials):
        tokens.verify(f"{header}.{payload}.{signature[::-1]}", now)
