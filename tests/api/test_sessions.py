"""Browser sessions: HttpOnly cookie, CSRF on writes, sign-out, password change, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tonearm.adapters.db import SqlUserRepository, SqlWebSessionRepository
from tonearm.app import Runtime
from tonearm.users import Role
from tonearm.users.sessions import hash_session_token

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase"


@pytest.fixture
async def alice(services: Runtime) -> str:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    return "alice"


async def start_session(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/session", json={"username": "alice", "password": password})


def change_password_body(current: str = PASSWORD) -> dict[str, str]:
    return {"current_password": current, "new_password": NEW_PASSWORD}


async def test_a_session_sets_an_httponly_cookie_that_signs_reads_in(
    client: httpx.AsyncClient, alice: str
) -> None:
    response = await start_session(client)
    assert response.status_code == 200, response.text
    set_cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("tonearm_session="))
    csrf_cookie = next(c for c in set_cookies if c.startswith("tonearm_csrf="))
    assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
    assert "HttpOnly" not in csrf_cookie
    assert response.json()["csrf_token"] == client.cookies["tonearm_csrf"]
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "alice"


async def test_writes_with_the_cookie_need_the_csrf_token(
    client: httpx.AsyncClient, alice: str
) -> None:
    csrf = (await start_session(client)).json()["csrf_token"]
    missing = await client.post("/api/auth/password", json=change_password_body())
    assert missing.status_code == 403
    assert "X-CSRF-Token" in missing.json()["error"]["message"]
    wrong = await client.post(
        "/api/auth/password", json=change_password_body(), headers={"X-CSRF-Token": csrf + "x"}
    )
    assert wrong.status_code == 403
    ok = await client.post(
        "/api/auth/password", json=change_password_body(), headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 204, ok.text
    # The browser that changed the password stays signed in.
    assert (await client.get("/api/auth/me")).status_code == 200


async def test_a_password_change_ends_the_other_browsers_sessions(
    app: object, client: httpx.AsyncClient, alice: str
) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as other:
        await start_session(other)
        assert (await other.get("/api/auth/me")).status_code == 200
        tokens = (
            await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
        ).json()
        changed = await client.post(
            "/api/auth/password",
            json=change_password_body(),
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert changed.status_code == 204
        assert (await other.get("/api/auth/me")).status_code == 401


async def test_signing_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, alice: str
) -> None:
    await start_session(client)
    stolen = client.cookies["tonearm_session"]
    assert (await client.delete("/api/auth/session")).status_code == 204
    assert "tonearm_session" not in client.cookies
    client.cookies.set("tonearm_session", stolen)
    replayed = await client.get("/api/auth/me")
    assert replayed.status_code == 401


async def test_expired_sessions_and_disabled_accounts_are_refused(
    client: httpx.AsyncClient, alice: str, services: Runtime
) -> None:
    await start_session(client)
    repository = SqlWebSessionRepository(services.database.sessions)
    record = await repository.find(hash_session_token(client.cookies["tonearm_session"]))
    assert record is not None
    now = datetime.now(UTC)
    await repository.extend(record.id, now, now - timedelta(seconds=1))
    assert (await client.get("/api/auth/me")).status_code == 401

    await start_session(client)
    assert (await client.get("/api/auth/me")).status_code == 200
    user = await services.domains.users.get_user("alice")
    await SqlUserRepository(services.database.sessions).set_active(user.id, False)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_session_sign_in_has_the_login_backoff(client: httpx.AsyncClient, alice: str) -> None:
    for _ in range(5):
        assert (await start_session(client, "wrong password!")).status_code == 401
    blocked = await start_session(client)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


async def test_a_bearer_token_needs_no_csrf_token(client: httpx.AsyncClient, alice: str) -> None:
    tokens = (
        await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    ).json()
    response = await client.post(
        "/api/auth/password",
        json=change_password_body(),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 204
