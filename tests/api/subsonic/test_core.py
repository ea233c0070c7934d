"""The Subsonic envelope, formats, errors, CORS and the three ways to sign in."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import SubsonicClient
from tonearm import __version__
from tonearm.app import Runtime, attach_runtime
from tonearm.settings import Settings
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"


async def test_ping_answers_xml_by_default_with_the_opensubsonic_attributes(
    subsonic: SubsonicClient,
) -> None:
    response = await subsonic.request("ping", fmt="xml")
    assert response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == NS + "subsonic-response"
    assert root.attrib == {
        "status": "ok",
        "version": "1.16.1",
        "type": "tonearm",
        "serverVersion": __version__,
        "openSubsonic": "true",
    }


async def test_json_and_jsonp_carry_the_same_envelope(subsonic: SubsonicClient) -> None:
    document = await subsonic.call("ping")
    assert document == {
        "status": "ok",
        "version": "1.16.1",
        "type": "tonearm",
        "serverVersion": __version__,
        "openSubsonic": True,
    }
    response = await subsonic.request("ping", {"callback": "app.onPing"}, fmt="jsonp")
    assert response.headers["content-type"].startswith("application/javascript")
    body = response.content
    assert body.startswith(b"app.onPing(") and body.endswith(b");")
    assert orjson.loads(body[len(b"app.onPing(") : -2])["subsonic-response"] == document


async def test_a_jsonp_callback_that_is_not_a_name_gets_plain_json(
    subsonic: SubsonicClient,
) -> None:
    response = await subsonic.request("ping", {"callback": "alert(1)//"}, fmt="jsonp")
    assert response.headers["content-type"].startswith("application/json")
    assert b"alert" not in response.content


@pytest.mark.parametrize("path", ["/rest/ping", "/rest/ping.view"])
@pytest.mark.parametrize("http_method", ["GET", "POST"])
async def test_methods_answer_with_and_without_view_over_get_and_post(
    subsonic: SubsonicClient, path: str, http_method: str
) -> None:
    params = subsonic.auth_params() | {"f": "json"}
    if http_method == "POST":
        response = await subsonic.http.post(path, data=params)
    else:
        response = await subsonic.http.get(path, params=params)
    assert response.json()["subsonic-response"]["status"] == "ok"


@pytest.mark.parametrize("auth", ["password", "enc", "token"])
async def test_each_password_scheme_signs_in(subsonic: SubsonicClient, auth: str) -> None:
    document = await subsonic.call("getUser", {"username": "alice"}, auth=auth)
    assert document["user"]["username"] == "alice"


async def test_a_wrong_password_or_token_or_user_is_error_40(
    subsonic: SubsonicClient, client: httpx.AsyncClient
) -> None:
    wrong = SubsonicClient(client, "alice", "not the password")
    for auth in ("password", "enc", "token"):
        error = await wrong.fail("ping", auth=auth)  # type: ignore[arg-type]
        assert error["code"] == 40
    nobody = SubsonicClient(client, "nobody", PASSWORD)
    assert (await nobody.fail("ping"))["code"] == 40
    assert (await nobody.fail("ping", auth="token"))["code"] == 40


async def test_missing_or_conflicting_credentials_get_their_codes(
    subsonic: SubsonicClient,
) -> None:
    assert (await subsonic.fail("ping", auth="none"))["code"] == 10
    base = {"u": "alice"}
    no_salt = await subsonic.fail("ping", base | {"t": "0" * 32}, auth="none")
    assert no_salt["code"] == 10
    both = await subsonic.fail("ping", base | {"p": PASSWORD, "t": "0" * 32, "s": "x"}, auth="none")
    assert both["code"] == 43
    key_and_user = await subsonic.fail(
        "ping", base | {"apiKey": "ta_x", "p": PASSWORD}, auth="none"
    )
    assert key_and_user["code"] == 43


async def test_an_api_key_made_through_rest_signs_in_until_revoked(
    subsonic: SubsonicClient, client: httpx.AsyncClient
) -> None:
    session = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
    made = await client.post("/api/user/api-keys", json={"name": "phone"}, headers=headers)
    assert made.status_code == 201
    key = made.json()["key"]
    assert key.startswith(made.json()["prefix"])
    listed = (await client.get("/api/user/api-keys", headers=headers)).json()
    assert [(k["name"], "key" in k) for k in listed] == [("phone", False)]

    with_key = SubsonicClient(client, "", "", api_key=key)
    assert (await with_key.call("tokenInfo"))["tokenInfo"] == {"username": "alice"}
    assert (await with_key.call("ping"))["status"] == "ok"

    revoked = await client.delete(f"/api/user/api-keys/{made.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await with_key.fail("ping"))["code"] == 44
    again = await client.delete(f"/api/user/api-keys/{made.json()['id']}", headers=headers)
    assert again.status_code == 404


async def test_an_unknown_api_key_is_error_44(client: httpx.AsyncClient, alice: User) -> None:
    stranger = SubsonicClient(client, "", "", api_key="ta_" + "x" * 43)
    assert (await stranger.fail("ping"))["code"] == 44


async def test_a_disabled_users_key_stops_working(
    client: httpx.AsyncClient, services: Runtime, alice: User
) -> None:
    _, secret = await services.domains.api_keys.create(alice, "laptop")
    with_key = SubsonicClient(client, "", "", api_key=secret)
    assert (await with_key.call("ping"))["status"] == "ok"
    await services.domains.users.set_active("alice", False)
    assert (await with_key.fail("ping"))["code"] == 44


async def test_token_auth_follows_a_password_change(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    assert (await subsonic.call("ping", auth="token"))["status"] == "ok"
    await services.domains.users.set_password("alice", "a brand new passphrase")
    assert (await subsonic.fail("ping", auth="token"))["code"] == 40
    assert (await subsonic.fail("ping", auth="password"))["code"] == 40
    renewed = SubsonicClient(client, "alice", "a brand new passphrase")
    assert (await renewed.call("ping", auth="token"))["status"] == "ok"


async def test_the_database_holds_no_plain_password(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    from sqlalchemy import select

    from tonearm.adapters.db.tables import SubsonicSecretRow

    async with services.database.sessions() as session:
        stored = await session.scalar(
            select(SubsonicSecretRow.encrypted_password).where(
                SubsonicSecretRow.user_id == alice.id
            )
        )
    assert stored is not None
    assert PASSWORD not in stored
    assert PASSWORD.encode().hex() not in stored
    assert hashlib.md5(PASSWORD.encode(), usedforsecurity=False).hexdigest() not in stored


@pytest.mark.parametrize(
    ("version", "code"), [("2.0.0", 30), ("1.17.0", 30), ("0.9.0", 20), ("x", 10)]
)
async def test_protocol_versions_the_server_cannot_speak_are_refused(
    subsonic: SubsonicClient, version: str, code: int
) -> None:
    params = subsonic.auth_params() | {"v": version, "f": "json"}
    document = (await subsonic.http.get("/rest/ping.view", params=params)).json()
    assert document["subsonic-response"]["error"]["code"] == code


async def test_a_missing_version_is_error_10(subsonic: SubsonicClient) -> None:
    params = {"u": "alice", "p": PASSWORD, "c": "t", "f": "json"}
    document = (await subsonic.http.get("/rest/ping.view", params=params)).json()
    assert document["subsonic-response"]["error"] == {
        "code": 10,
        "message": "required parameter is missing: v",
    }


async def test_an_unknown_method_is_error_0_with_its_name(subsonic: SubsonicClient) -> None:
    error = await subsonic.fail("getEverythingAtOnce")
    assert error == {"code": 0, "message": "unknown Subsonic method: getEverythingAtOnce"}


async def test_errors_render_in_xml_too(subsonic: SubsonicClient) -> None:
    response = await subsonic.request("getUser", fmt="xml")
    root = ElementTree.fromstring(response.content)
    assert root.attrib["status"] == "failed"
    error = root.find(NS + "error")
    assert error is not None
    assert error.attrib == {"code": "10", "message": "required parameter is missing: username"}


async def test_cors_lets_browser_apps_call(subsonic: SubsonicClient) -> None:
    preflight = await subsonic.http.options(
        "/rest/ping.view",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    answer = await subsonic.request("ping", headers={"Origin": "https://app.example"})
    assert answer.headers["access-control-allow-origin"] == "*"


async def test_open_subsonic_extensions_need_no_sign_in_and_list_what_works(
    subsonic: SubsonicClient,
) -> None:
    document = (
        await subsonic.http.get("/rest/getOpenSubsonicExtensions.view", params={"f": "json"})
    ).json()["subsonic-response"]
    assert document["status"] == "ok"
    names = {extension["name"] for extension in document["openSubsonicExtensions"]}
    assert {"apiKeyAuthentication", "formPost"} <= names
    assert all(extension["versions"] for extension in document["openSubsonicExtensions"])


async def test_get_user_shows_roles_and_guards_other_users(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    me = (await subsonic.call("getUser", {"username": "alice"}))["user"]
    assert me["adminRole"] is False and me["streamRole"] is True
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    assert (await subsonic.fail("getUser", {"username": "root"}))["code"] == 50
    assert (await subsonic.fail("getUsers"))["code"] == 50
    admin = SubsonicClient(client, "root", PASSWORD)
    assert (await admin.call("getUser", {"username": "alice"}))["user"]["username"] == "alice"
    listed = (await admin.call("getUsers"))["users"]["user"]
    assert sorted(user["username"] for user in listed) == ["alice", "root"]


async def test_change_password_for_yourself_or_as_an_admin(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    # Not someone else's, not too short, not bad hex: the password stays.
    assert (await subsonic.fail("changePassword", {"username": "root", "password": "x" * 12}))[
        "code"
    ] == 50
    assert (await subsonic.fail("changePassword", {"username": "alice", "password": "ab"}))[
        "code"
    ] == 10
    bad_hex = {"username": "alice", "password": "enc:zz"}
    assert (await subsonic.fail("changePassword", bad_hex))["code"] == 10
    assert (await subsonic.fail("changePassword", {"username": "alice"}))["code"] == 10
    assert (await subsonic.call("ping"))["status"] == "ok"
    # Her own, hex-encoded: the old password stops working, the new one signs in (token too).
    new = "a brand new passphrase"
    await subsonic.call(
        "changePassword", {"username": "ALICE", "password": "enc:" + new.encode().hex()}
    )
    assert (await subsonic.fail("ping"))["code"] == 40
    alice = SubsonicClient(client, "alice", new)
    assert (await alice.call("ping"))["status"] == "ok"
    assert (await alice.call("ping", auth="token"))["status"] == "ok"
    # An admin sets anyone's; that user's REST sessions end.
    login = await client.post("/api/auth/login", json={"username": "alice", "password": new})
    refresh = login.json()["refresh_token"]
    admin = SubsonicClient(client, "root", PASSWORD)
    await admin.call("changePassword", {"username": "alice", "password": "set by the admin"})
    assert (await alice.fail("ping"))["code"] == 40
    assert (await SubsonicClient(client, "alice", "set by the admin").call("ping"))[
        "status"
    ] == "ok"
    again = await client.post("/api/auth/refresh", json={"refresh_token": refresh})
    assert again.status_code == 401
    assert (await admin.fail("changePassword", {"username": "nobody", "password": "x" * 12}))[
        "code"
    ] == 70


async def test_get_license_is_valid(subsonic: SubsonicClient) -> None:
    assert (await subsonic.call("getLicense"))["license"]["valid"] is True


async def test_password_auth_off_refuses_passwords_and_keeps_keys(
    settings: Settings,
) -> None:
    from tonearm.app import create_app, open_runtime

    off = settings.model_copy(update={"subsonic_password_auth": False})
    services = await open_runtime(off)
    try:
        user = await services.domains.users.add_user("bob", PASSWORD)
        _, key = await services.domains.api_keys.create(user, "app")
        app: FastAPI = create_app(off)
        attach_runtime(app, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            bob = SubsonicClient(http, "bob", PASSWORD)
            assert (await bob.fail("ping"))["code"] == 42
            assert (await bob.fail("ping", auth="token"))["code"] == 42
            assert (await SubsonicClient(http, "", "", api_key=key).call("ping"))["status"] == "ok"
        from sqlalchemy import func, select

        from tonearm.adapters.db.tables import SubsonicSecretRow

        async with services.database.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(SubsonicSecretRow))
        assert count == 0
    finally:
        await services.close()
