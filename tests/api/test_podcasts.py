"""/api/podcasts: admins subscribe, refresh, download and delete; everyone lists, plays by
the signed stream URL (with Range) and keeps their own progress."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest

from tests.api.accounts import PASSWORD, SignedIn, sign_in
from tests.feed_server import FeedServer, start_feed_server
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio
AUDIO = b"ID3" + bytes(range(256)) * 30


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    return stack_settings.model_copy(
        update={"fetch_allow": ["127.0.0.1"], "podcast_keep_episodes": 0}
    )


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server, stop = start_feed_server()
    for n in (1, 2, 3):
        server.route(f"/audio/{n}.mp3", body=AUDIO, content_type="audio/mpeg")
    yield server
    stop()


@pytest.fixture
async def admin(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    response = await client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "alice")


async def test_subscribe_list_download_play_and_progress(
    client: httpx.AsyncClient,
    services: Runtime,
    admin: dict[str, str],
    alice: SignedIn,
    feeds: FeedServer,
) -> None:
    url = feeds.feed("/feed.xml", "itunes.xml")
    refused = await client.post("/api/podcasts", json={"url": url}, headers=alice.headers)
    assert refused.status_code == 403
    made = await client.post("/api/podcasts", json={"url": url}, headers=admin)
    assert made.status_code == 201, made.text
    channel = made.json()
    assert (channel["title"], channel["status"]) == ("Tonearm Test Radio", "completed")
    again = await client.post("/api/podcasts", json={"url": url}, headers=admin)
    assert again.status_code == 409

    listed = (await client.get("/api/podcasts", headers=alice.headers)).json()
    assert [c["id"] for c in listed] == [channel["id"]]
    detail = (await client.get(f"/api/podcasts/{channel['id']}", headers=alice.headers)).json()
    episodes = detail["episodes"]
    assert [e["title"] for e in episodes] == [
        "Episode 3: Belts",
        "Episode 2: Cartridges",
        "Episode 1: Hello",
    ]
    assert episodes[0]["stream_url"] is None and episodes[0]["status"] == "new"

    episode_id = episodes[0]["id"]
    not_yours = await client.post(
        f"/api/podcasts/episodes/{episode_id}/download", headers=alice.headers
    )
    assert not_yours.status_code == 403
    queued = await client.post(f"/api/podcasts/episodes/{episode_id}/download", headers=admin)
    assert queued.status_code == 202 and queued.json()["status"] == "downloading"
    await services.domains.podcasts.download(UUID(episode_id))  # the queued job's work

    episode = (
        await client.get(f"/api/podcasts/episodes/{episode_id}", headers=alice.headers)
    ).json()
    assert episode["status"] == "completed" and episode["size_bytes"] == len(AUDIO)
    stream_url = episode["stream_url"]
    assert stream_url.startswith("http://tonearm.test/api/podcasts/media/")
    whole = await client.get(stream_url)  # no credentials: the token is the control
    assert whole.status_code == 200 and whole.content == AUDIO
    assert whole.headers["content-type"] == "audio/mpeg"
    head = await client.head(stream_url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(AUDIO))
    part = await client.get(stream_url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == AUDIO[10:20]
    tampered = await client.get(stream_url[:-3] + "abc")
    assert tampered.status_code == 401
    other = stream_url.replace(episode_id, episodes[1]["id"])
    assert (await client.get(other)).status_code == 401

    saved = await client.put(
        f"/api/podcasts/episodes/{episode_id}/progress",
        json={"position_ms": 125_000},
        headers=alice.headers,
    )
    assert saved.status_code == 200 and saved.json()["played"] is False
    await client.put(
        f"/api/podcasts/episodes/{episode_id}/progress",
        json={"position_ms": 130_000, "played": True},
        headers=alice.headers,
    )
    mine = (await client.get(f"/api/podcasts/episodes/{episode_id}", headers=alice.headers)).json()
    assert mine["progress"]["position_ms"] == 130_000 and mine["progress"]["played"] is True
    theirs = (await client.get(f"/api/podcasts/episodes/{episode_id}", headers=admin)).json()
    assert theirs["progress"] is None

    newest = await client.get("/api/podcasts/episodes/newest?count=1", headers=alice.headers)
    assert [e["id"] for e in newest.json()] == [episode_id]

    deleted = await client.delete(f"/api/podcasts/episodes/{episode_id}", headers=admin)
    assert deleted.status_code == 204
    assert (await client.get(stream_url)).status_code == 404
    refreshed = await client.post(f"/api/podcasts/{channel['id']}/refresh", headers=admin)
    assert refreshed.status_code == 200 and refreshed.json()["status"] == "completed"
    assert (await client.post("/api/podcasts/refresh", headers=admin)).status_code == 202
    gone = await client.delete(f"/api/podcasts/{channel['id']}", headers=admin)
    assert gone.status_code == 204
    assert (await client.get("/api/podcasts", headers=alice.headers)).json() == []


async def test_a_feed_on_a_private_address_is_a_channel_error(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    made = await client.post(
        "/api/podcasts", json={"url": "http://192.168.1.10/feed.xml"}, headers=admin
    )
    assert made.status_code == 201
    assert made.json()["status"] == "error"
    assert "private or reserved" in made.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/api/podcasts", {"url": "file:///etc/passwd"}, 400),
        ("POST", "/api/podcasts", {"url": ""}, 400),
        ("POST", "/api/podcasts", {"url": "x" * 3000}, 400),
        ("GET", "/api/podcasts/not-a-uuid", None, 400),
        ("GET", "/api/podcasts/7d8c0000-0000-4000-8000-000000000000", None, 404),
        ("DELETE", "/api/podcasts/7d8c0000-0000-4000-8000-000000000000", None, 404),
        ("GET", "/api/podcasts/episodes/7d8c0000-0000-4000-8000-000000000000", None, 404),
        (
            "PUT",
            "/api/podcasts/episodes/7d8c0000-0000-4000-8000-000000000000/progress",
            {"position_ms": -5},
            400,
        ),
        ("GET", "/api/podcasts/media/7d8c0000-0000-4000-8000-000000000000?t=x", None, 401),
    ],
)
async def test_bad_requests_get_a_clear_4xx(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
    code: int,
) -> None:
    response = await client.request(method, path, json=body, headers=admin)
    assert response.status_code == code, response.text
    assert response.json()["error"]["message"]
