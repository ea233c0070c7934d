"""/api/radio/stations: stations listed by everyone, changed by admins only; what one plays
now, read from its stream's ICY metadata at most once per 15 s; and the player page's
Content-Security-Policy naming the stations' origins and nothing else for media."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import PASSWORD, sign_in
from tests.radio_stream import IcyStation, make_stream_audio
from tonearm.api.webapp import media_origins
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IcyStation]:
    running = IcyStation(make_stream_audio(tmp_path_factory.mktemp("radio"), 2), "Low Tide").start()
    yield running
    running.stop()


async def admin_headers(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    response = await client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def media_src(response: httpx.Response) -> list[str]:
    policy = response.headers["content-security-policy"]
    match = re.search(r"media-src ([^;]*)", policy)
    assert match, policy
    return match.group(1).split()


async def test_admins_add_change_and_remove_stations_everyone_lists_them(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await admin_headers(client, services)
    user = (await sign_in(client, services, "bob")).headers
    added = await client.post(
        "/api/radio/stations",
        json={"name": " Night Owl FM ", "stream_url": "https://owl.example.org:8443/live.mp3"},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    station = added.json()
    assert (station["name"], station["homepage_url"]) == ("Night Owl FM", None)
    await client.post(
        "/api/radio/stations",
        json={"name": "aardvark radio", "stream_url": "http://a.example/s"},
        headers=admin,
    )
    listed = (await client.get("/api/radio/stations", headers=user)).json()
    assert [s["name"] for s in listed] == ["aardvark radio", "Night Owl FM"]

    changed = await client.patch(
        f"/api/radio/stations/{station['id']}",
        json={"homepage_url": "https://owl.example.org/"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["homepage_url"] == "https://owl.example.org/"
    assert changed.json()["stream_url"] == station["stream_url"]
    cleared = await client.patch(
        f"/api/radio/stations/{station['id']}", json={"homepage_url": None}, headers=admin
    )
    assert cleared.json()["homepage_url"] is None

    removed = await client.delete(f"/api/radio/stations/{station['id']}", headers=admin)
    assert removed.status_code == 204
    again = await client.delete(f"/api/radio/stations/{station['id']}", headers=admin)
    assert again.status_code == 404
    assert len((await client.get("/api/radio/stations", headers=user)).json()) == 1


async def test_users_may_not_change_stations(client: httpx.AsyncClient, services: Runtime) -> None:
    admin = await admin_headers(client, services)
    user = (await sign_in(client, services, "bob")).headers
    body = {"name": "Mine", "stream_url": "https://radio.example/live"}
    assert (await client.post("/api/radio/stations", json=body, headers=user)).status_code == 403
    station = (await client.post("/api/radio/stations", json=body, headers=admin)).json()
    path = f"/api/radio/stations/{station['id']}"
    assert (await client.patch(path, json={"name": "x"}, headers=user)).status_code == 403
    assert (await client.delete(path, headers=user)).status_code == 403
    assert (await client.get("/api/radio/stations")).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "stream_url": "ftp://radio.example/live"},
        {"name": "x", "stream_url": "javascript:alert(1)//"},
        {"name": "x", "stream_url": "https://"},
        {"name": "x", "stream_url": "https://user:pw@radio.example/live"},
        {"name": "x", "stream_url": "https://radio.example/a b"},
        {"name": "x", "stream_url": "https://radio.example/a';script-src *"},
        {"name": "x", "stream_url": "https://radio.example:0/"},
        {"name": "x", "stream_url": "https://radio.example:99999/"},
        {"name": "x", "stream_url": "https://radio.example/" + "a" * 2000},
        {"name": "", "stream_url": "https://radio.example/live"},
        {"name": "   ", "stream_url": "https://radio.example/live"},
        {"name": "n" * 201, "stream_url": "https://radio.example/live"},
        {"name": "bell\x07", "stream_url": "https://radio.example/live"},
        {"name": "x", "stream_url": "https://radio.example/live", "homepage_url": "file:///etc"},
    ],
)
async def test_bad_stations_are_refused_with_a_message(
    client: httpx.AsyncClient, services: Runtime, body: dict[str, str]
) -> None:
    admin = await admin_headers(client, services)
    response = await client.post("/api/radio/stations", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]
    assert (await client.get("/api/radio/stations", headers=admin)).json() == []


async def test_the_openapi_schema_states_the_limits(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()["components"]["schemas"]
    fields = schema["StationIn"]["properties"]
    assert fields["name"]["maxLength"] == 200 and fields["name"]["minLength"] == 1
    assert fields["stream_url"]["maxLength"] == 2000
    assert fields["stream_url"]["pattern"].startswith("^")


async def test_the_page_allows_media_from_the_stations_and_nothing_else(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await admin_headers(client, services)
    before = media_src(await client.get("/"))
    assert before == ["'self'", "blob:"]
    added = await client.post(
        "/api/radio/stations",
        json={"name": "Plain", "stream_url": "http://plain.example:8000/live?x=1"},
        headers=admin,
    )
    secure = await client.post(
        "/api/radio/stations",
        json={"name": "Secure", "stream_url": "HTTPS://Secure.Example/live"},
        headers=admin,
    )
    during = media_src(await client.get("/"))
    assert during == ["'self'", "blob:", "http://plain.example:8000", "https://secure.example"]
    assert "https:" not in during and "http:" not in during
    assert "https://other.example" not in " ".join(during)

    moved = await client.patch(
        f"/api/radio/stations/{secure.json()['id']}",
        json={"stream_url": "https://moved.example/live"},
        headers=admin,
    )
    assert moved.status_code == 200
    assert "https://moved.example" in media_src(await client.get("/index.html"))
    assert "https://secure.example" not in media_src(await client.get("/index.html"))

    await client.delete(f"/api/radio/stations/{added.json()['id']}", headers=admin)
    await client.delete(f"/api/radio/stations/{secure.json()['id']}", headers=admin)
    assert media_src(await client.get("/")) == ["'self'", "blob:"]


async def test_now_playing_reads_the_stream_once_for_many_listeners(
    client: httpx.AsyncClient, services: Runtime, station: IcyStation
) -> None:
    admin = await admin_headers(client, services)
    user = (await sign_in(client, services, "bob")).headers
    created = await client.post(
        "/api/radio/stations", json={"name": "Test", "stream_url": station.url}, headers=admin
    )
    path = f"/api/radio/stations/{created.json()['id']}/now-playing"
    station.title = "Low Tide"
    before = station.metadata_requests
    answers = await asyncio.gather(*(client.get(path, headers=user) for _ in range(8)))
    assert [a.json() for a in answers] == [{"title": "Low Tide"}] * 8
    assert station.metadata_requests == before + 1
    # A change of the station forgets its title at once.
    station.title = "High Water"
    await client.patch(
        f"/api/radio/stations/{created.json()['id']}", json={"name": "Renamed"}, headers=admin
    )
    assert (await client.get(path, headers=user)).json() == {"title": "High Water"}
    assert station.metadata_requests == before + 2


async def test_now_playing_of_a_silent_or_unknown_station(
    client: httpx.AsyncClient, services: Runtime, station: IcyStation
) -> None:
    admin = await admin_headers(client, services)
    created = await client.post(
        "/api/radio/stations",
        json={"name": "Gone", "stream_url": station.url.replace("stream", "gone")},
        headers=admin,
    )
    path = f"/api/radio/stations/{created.json()['id']}/now-playing"
    assert (await client.get(path, headers=admin)).json() == {"title": None}
    unknown = "/api/radio/stations/00000000-0000-4000-8000-000000000000/now-playing"
    assert (await client.get(unknown, headers=admin)).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, set()),
        ({"public_url": "https://music.example.org/tonearm"}, {"https://music.example.org"}),
        (
            {"media_delivery": "redirect", "storage_url": "s3://bucket/lib"},
            {"https://*.amazonaws.com"},
        ),
        (
            {
                "media_delivery": "redirect",
                "storage_url": "s3://bucket/lib",
                "s3_endpoint_url": "http://127.0.0.1:9000",
            },
            {"http://127.0.0.1:9000"},
        ),
        ({"media_delivery": "redirect"}, set()),  # local storage: nothing to redirect to
    ],
)
def test_media_urls_keep_the_origins_they_lead_to(
    tmp_path: Path, overrides: dict[str, str], expected: set[str]
) -> None:
    settings = Settings(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    assert media_origins(settings) == expected
