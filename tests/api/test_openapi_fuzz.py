"""Hostile input against every REST endpoint: schemathesis drives the app from its own
OpenAPI document (valid and invalid values for every parameter and body), signed in as an
admin with the rate limits raised; no request may answer 5xx, answer a status the
document does not list for the operation, or send a body that does not match its schema.

Then one explicit case for each input that once did (issue 18): numbers past SQLite's
64-bit range, `false` for a number, a 5,000-character multipart file name.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.accounts import PASSWORD
from tests.api.subsonic.live import USERNAME, start_live_server
from tests.scrobbling.fake_services import FakeServices
from tonearm.api.rest.uploads import MAX_UPLOAD_FILES
from tonearm.app import create_app, open_runtime
from tonearm.settings import Settings
from tonearm.users.models import Role

ADMIN = "fuzz-admin"
# Examples per operation and generation mode (fixed seed: the same requests every run).
EXAMPLES = 20
# These hash or check a password (argon2) on each call: fewer examples keep the sweep short.
HASHING = {
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/session"),
    ("POST", "/api/auth/password"),
    ("POST", "/api/admin/users"),
    ("POST", "/api/admin/users/{username}/password"),
}
# Not fuzzed: ending the sweeping admin's own session would turn every later call into a 401.
SESSION_ENDERS = {("DELETE", "/api/auth/session"), ("POST", "/api/auth/logout")}
# No 5xx; every status documented for the operation, every body matching its schema.
# (Not negative_data_rejection: it counts unknown query parameters as invalid, and the API
# ignores those on purpose, like cache-busters.)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@dataclass(frozen=True)
class Running:
    """The app, its in-process client (lifespan started) and an admin's bearer header."""

    schema: schemathesis.BaseSchema
    client: asgi.ASGIClient
    headers: dict[str, str]


def _settings(data_dir: Path, scrobbling_url: str = "http://127.0.0.1:9") -> Settings:
    return Settings(
        data_dir=data_dir,
        # Scrobbling's services: the local fake, never the real ones.
        listenbrainz_url=scrobbling_url,
        rate_limit_control_per_minute=1_000_000,
        rate_limit_read_per_minute=1_000_000,
        jobs_in_process=False,
    )


async def _add_admin(settings: Settings) -> None:
    services = await open_runtime(settings)
    try:
        await services.domains.users.add_user(ADMIN, PASSWORD, Role.ADMIN)
    finally:
        await services.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    fake = FakeServices().start()
    settings = _settings(tmp_path_factory.mktemp("fuzz") / "data", fake.url)
    anyio.run(_add_admin, settings)
    app = create_app(settings)
    try:
        with asgi.get_client(app) as client:
            login = client.post("/api/auth/login", json={"username": ADMIN, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
            yield Running(schema, client, headers)
    finally:
        asgi.shutdown_lifespans()
        fake.stop()


def _operations() -> list[tuple[str, str, str]]:
    """Every operation in valid mode, and in invalid mode when it takes any input."""
    spec = create_app(Settings(data_dir=Path("/nonexistent"))).openapi()
    cases = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) in SESSION_ENDERS:
                continue
            cases.append((method.upper(), path, "positive"))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((method.upper(), path, "negative"))
    return cases


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_no_input_makes_a_server_error(running: Running, method: str, path: str, mode: str) -> None:
    operation = running.schema[path][method]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

    @hypothesis_settings(
        max_examples=5 if (method, path) in HASHING else EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: schemathesis.Case) -> None:
        response = case.call(session=running.client, headers=running.headers)
        case.validate_response(response, checks=CHECKS)

    call()


def test_session_still_valid_after_sweep(running: Running) -> None:
    response = running.client.get("/api/auth/me", headers=running.headers)
    assert response.status_code == 200, response.text


# Each input below once answered 500 (issue 18): now refused with the API's 400 shape.
HUGE = 99999999999999999999  # past SQLite's (and PostgreSQL's) 64-bit INTEGER
OVER_INT64 = "9223372036854775808"


def _assert_refused(response: requests.Response, field: str) -> None:
    assert response.status_code == 400, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in error["message"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/songs/delta", {"since": OVER_INT64}, "since"),
        ("/api/songs", {"year": str(HUGE)}, "year"),
        ("/api/albums", {"year": str(HUGE)}, "year"),
    ],
)
def test_numbers_past_64_bits_are_refused(
    running: Running, path: str, params: dict[str, str], field: str
) -> None:
    _assert_refused(running.client.get(path, params=params, headers=running.headers), field)


def _event(position_ms: object) -> dict[str, object]:
    return {
        "id": "e1",
        "type": "play",
        "song_id": "6f1c1a44-6f0b-4a55-9d3c-0d6f3f8d2a10",
        "timestamp": "2026-01-01T12:00:00Z",
        "session_id": "s1",
        "position_ms": position_ms,
    }


@pytest.mark.parametrize("position_ms", [HUGE, -1, False, True, "12", 1.5])
def test_event_position_must_be_a_bounded_integer(running: Running, position_ms: object) -> None:
    body = {"events": [_event(position_ms)]}
    response = running.client.post("/api/events", json=body, headers=running.headers)
    _assert_refused(response, "position_ms")


def test_event_with_a_valid_position_is_taken(running: Running) -> None:
    """The refusals above are about the value, not the event."""
    body = {"events": [_event(1500)]}
    response = running.client.post("/api/events", json=body, headers=running.headers)
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == [] or all(
        "position" not in rejected["reason"] for rejected in response.json()["rejected"]
    )


def test_a_5000_character_multipart_filename_is_refused(running: Running) -> None:
    files = {"file": ("a" * 5000 + ".mp3", b"\xff\xfb" + b"\0" * 4096, "audio/mpeg")}
    response = running.client.post("/api/songs", files=files, headers=running.headers)
    _assert_refused(response, "multipart")
    assert "4 KiB" in response.json()["error"]["message"]


def test_too_many_multipart_files_are_refused(running: Running) -> None:
    files = [("file", (f"{n}.mp3", b"x", "audio/mpeg")) for n in range(MAX_UPLOAD_FILES + 1)]
    response = running.client.post("/api/songs", files=files, headers=running.headers)
    _assert_refused(response, f"more than {MAX_UPLOAD_FILES} files")


def test_the_schema_states_the_limits(running: Running) -> None:
    spec = running.client.get("/api/openapi.json").json()

    def query(path: str, name: str, method: str = "get") -> dict[str, object]:
        parameters = spec["paths"][path][method]["parameters"]
        found = next(p for p in parameters if p["name"] == name)
        schema = found["schema"]
        # Optional parameters are anyOf [the type, null].
        return next(s for s in schema.get("anyOf", [schema]) if s.get("type") != "null")

    assert query("/api/songs/delta", "since")["maximum"] == 2**63 - 1
    assert query("/api/songs", "year")["maximum"] == 9999
    assert query("/api/albums", "year")["maximum"] == 9999
    assert query("/api/songs", "filename", "post")["maxLength"] == 1024
    assert query("/api/admin/users/{username}", "username", "patch")["maxLength"] == 64
    assert query("/api/admin/jobs/{name}/runs", "name")["maxLength"] == 100
    assert query("/api/songs/{song_id}/stream", "bandwidth_kbps")["maximum"] == 100_000_000
    event = spec["components"]["schemas"]["EventIn"]["properties"]["position_ms"]
    integer = next(s for s in event["anyOf"] if s.get("type") == "integer")
    assert integer["minimum"] == 0 and integer["maximum"] == 2**31 - 1


def test_an_oversized_multipart_header_keeps_the_connection(tmp_path: Path) -> None:
    """Over a real socket: the 400 comes after the whole body was read, and the same
    connection answers the next request (a 500 used to reset it mid-upload)."""
    server = start_live_server(tmp_path, library=lambda root: root.mkdir(parents=True))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        login = json.dumps({"username": USERNAME, "password": PASSWORD})
        connection.request("POST", "/api/auth/login", login, {"Content-Type": "application/json"})
        token = json.loads(connection.getresponse().read())["access_token"]
        boundary = "tonearmboundary"
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{"a" * 5000}.mp3"\r\n'
                "Content-Type: audio/mpeg\r\n\r\n"
            ).encode()
            + b"\0" * (2 * 1024 * 1024)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        connection.request(
            "POST",
            "/api/songs",
            body,
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        socket = connection.sock
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == 400, answer
        assert answer["error"]["code"] == "invalid_input"
        assert (response.getheader("connection") or "").lower() != "close"
        connection.request("GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert connection.sock is socket
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("params", "field"),
    [({"bandwidth_kbps": "inf"}, "bandwidth_kbps"), ({"bandwidth_kbps": "nan"}, "bandwidth_kbps")],
)
def test_stream_bandwidth_must_be_finite(
    running: Running, params: dict[str, str], field: str
) -> None:
    path = "/api/songs/6f1c1a44-6f0b-4a55-9d3c-0d6f3f8d2a10/stream"
    _assert_refused(running.client.get(path, params=params, headers=running.headers), field)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/api/user/preferences", {"offline_cache_mb": "600"}, "offline_cache_mb"),
        ("PUT", "/api/user/preferences", {"data_saver": 1}, "data_saver"),
        ("PATCH", "/api/admin/users/nobody-here", {"active": "false"}, "active"),
        (
            "POST",
            "/api/shares",
            {"kind": "song", "id": "6f1c1a44-6f0b-4a55-9d3c-0d6f3f8d2a10", "expires_in_days": "7"},
            "expires_in_days",
        ),
    ],
)
def test_body_numbers_and_flags_must_be_json_numbers_and_booleans(
    running: Running, method: str, path: str, body: dict[str, object], field: str
) -> None:
    response = running.client.request(method, path, json=body, headers=running.headers)
    _assert_refused(response, field)


def test_a_playlist_position_past_the_largest_playlist_is_refused(running: Running) -> None:
    path = f"/api/playlists/6f1c1a44-6f0b-4a55-9d3c-0d6f3f8d2a10/songs/{HUGE}"
    _assert_refused(running.client.delete(path, headers=running.headers), "position")
