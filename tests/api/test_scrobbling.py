"""/api/me/scrobbling through HTTP: connect ListenBrainz with a token, Last.fm through its
web authentication and the callback, see the state, disconnect (the fake services:
tests/scrobbling/fake_services.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.api.accounts import SignedIn, add_song, sign_in
from tests.scrobbling.conftest import settings_for
from tests.scrobbling.fake_services import FakeServices, running_fake
from tonearm.app import Runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with running_fake() as services:
        yield services


@pytest.fixture
def settings(fake: FakeServices, tmp_path: Path) -> Settings:
    return settings_for(fake, tmp_path)


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "alice")


async def services_of(client: httpx.AsyncClient, who: SignedIn) -> dict[str, dict]:  # type: ignore[type-arg]
    response = await client.get("/api/me/scrobbling", headers=who.headers)
    assert response.status_code == 200, response.text
    return {item["service"]: item for item in response.json()["services"]}


async def test_nothing_is_connected_at_first(client: httpx.AsyncClient, alice: SignedIn) -> None:
    services = await services_of(client, alice)
    assert set(services) == {"listenbrainz", "lastfm"}
    assert all(s["connected"] is False and s["available"] is True for s in services.values())


async def test_listenbrainz_connects_with_a_valid_token_and_never_shows_it(
    client: httpx.AsyncClient, alice: SignedIn, fake: FakeServices, services: Runtime
) -> None:
    refused = await client.put(
        "/api/me/scrobbling/listenbrainz", json={"token": "wrong"}, headers=alice.headers
    )
    assert refused.status_code == 400
    assert "ListenBrainz" in refused.json()["error"]["message"]
    fake.state.lb_tokens["secret-token-123"] = "alice-lb"
    response = await client.put(
        "/api/me/scrobbling/listenbrainz",
        json={"token": "secret-token-123"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["account_name"] == "alice-lb"
    await add_song(services)  # nothing to do with it: the state is what is checked
    listing = await client.get("/api/me/scrobbling", headers=alice.headers)
    assert "secret-token-123" not in listing.text
    assert (await services_of(client, alice))["listenbrainz"]["state"] == "active"


async def test_lastfm_connects_through_its_web_authentication(
    client: httpx.AsyncClient, alice: SignedIn, fake: FakeServices
) -> None:
    started = await client.post("/api/me/scrobbling/lastfm/authorize", headers=alice.headers)
    assert started.status_code == 200, started.text
    url = started.json()["url"]
    assert url.startswith(fake.lastfm_auth_url + "?api_key=")
    callback = parse_qs(urlsplit(url).query)["cb"][0]
    assert callback.startswith("http://tonearm.test/api/me/scrobbling/lastfm/callback?state=")
    async with httpx.AsyncClient() as browser:  # the user approves on "last.fm"
        approved = await browser.get(url)
    back = approved.headers["location"]
    assert back.startswith(callback + "&token=")

    # Last.fm sends the browser back: no bearer token; the signed state names the user.
    landed = await client.get(back.removeprefix("http://tonearm.test"))
    assert landed.status_code == 303
    assert landed.headers["location"] == "http://tonearm.test/#/settings"
    lastfm = (await services_of(client, alice))["lastfm"]
    assert (lastfm["connected"], lastfm["account_name"]) == (True, "fm-listener")
    assert "session-" not in (await client.get("/api/me/scrobbling", headers=alice.headers)).text

    replayed = await client.get(back.removeprefix("http://tonearm.test"))
    assert replayed.status_code == 400  # the token was used up


async def test_a_forged_callback_state_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/me/scrobbling/lastfm/callback", params={"state": "x.1.y", "token": "t"}
    )
    assert response.status_code == 400


async def test_disconnect_forgets_the_connection(
    client: httpx.AsyncClient, alice: SignedIn, fake: FakeServices
) -> None:
    fake.state.lb_tokens["t"] = "alice-lb"
    await client.put("/api/me/scrobbling/listenbrainz", json={"token": "t"}, headers=alice.headers)
    gone = await client.delete("/api/me/scrobbling/listenbrainz", headers=alice.headers)
    assert gone.status_code == 204
    assert (await services_of(client, alice))["listenbrainz"]["connected"] is False
    again = await client.delete("/api/me/scrobbling/listenbrainz", headers=alice.headers)
    assert again.status_code == 404
    unknown = await client.delete("/api/me/scrobbling/myspace", headers=alice.headers)
    assert unknown.status_code == 400


async def test_a_like_through_the_api_is_queued_for_the_connected_service(
    client: httpx.AsyncClient, alice: SignedIn, fake: FakeServices, services: Runtime
) -> None:
    fake.state.lb_tokens["t"] = "alice-lb"
    await client.put("/api/me/scrobbling/listenbrainz", json={"token": "t"}, headers=alice.headers)
    song = await add_song(services)
    liked = await client.put(f"/api/songs/{song}/like", headers=alice.headers)
    assert liked.status_code in (200, 204)
    assert (await services_of(client, alice))["listenbrainz"]["queued"] == 1


async def test_signed_out_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/me/scrobbling")).status_code == 401


class TestWithoutLastfmKey:
    @pytest.fixture
    def settings(self, fake: FakeServices, tmp_path: Path) -> Settings:
        return Settings(data_dir=tmp_path, listenbrainz_url=fake.url)

    async def test_lastfm_is_unavailable(self, client: httpx.AsyncClient, alice: SignedIn) -> None:
        assert (await services_of(client, alice))["lastfm"]["available"] is False
        response = await client.post("/api/me/scrobbling/lastfm/authorize", headers=alice.headers)
        assert response.status_code == 404
        assert "TONEARM_LASTFM_API_KEY" in response.json()["error"]["message"]
