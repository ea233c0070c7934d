"""Subsonic podcasts against a local feed server (allowed through TONEARM_FETCH_ALLOW):
channels and episodes read back valid in XML and JSON (the test client validates every
answer), admin-only changes, and an episode's streamId played by stream and download."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID
from xml.etree import ElementTree

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import SubsonicClient
from tests.feed_server import FeedServer, start_feed_server
from tonearm.app import Runtime
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"
AUDIO = b"ID3" + bytes(range(256)) * 20


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    # Downloads only on request here, so a test decides when an episode is fetched.
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
async def admin(client: httpx.AsyncClient, services: Runtime) -> SubsonicClient:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    return SubsonicClient(client, "root", PASSWORD)


async def subscribed(admin: SubsonicClient, feeds: FeedServer) -> dict:  # type: ignore[type-arg]
    await admin.call("createPodcastChannel", {"url": feeds.feed("/feed.xml", "itunes.xml")})
    [channel] = (await admin.call("getPodcasts"))["podcasts"]["channel"]
    return channel  # type: ignore[no-any-return]


async def test_an_admin_subscribes_and_everyone_reads_the_channel(
    admin: SubsonicClient, subsonic: SubsonicClient, feeds: FeedServer
) -> None:
    channel = await subscribed(admin, feeds)
    assert channel["title"] == "Tonearm Test Radio"
    assert channel["status"] == "completed"
    assert channel["originalImageUrl"] == feeds.url("/cover.png")
    assert [e["title"] for e in channel["episode"]] == [
        "Episode 3: Belts",
        "Episode 2: Cartridges",
        "Episode 1: Hello",
    ]
    first = channel["episode"][0]
    assert first["status"] == "new" and "streamId" not in first
    assert first["channelId"] == channel["id"] and first["duration"] == 3723
    assert first["publishDate"].startswith("2025-12-03T08:00:00")
    # alice (not an admin) reads the same, in XML too.
    xml = await subsonic.request("getPodcasts", {"includeEpisodes": "false"}, fmt="xml")
    element = ElementTree.fromstring(xml.content).find(f"{NS}podcasts/{NS}channel")
    assert element is not None and element.attrib["id"] == channel["id"]
    assert element.find(NS + "episode") is None
    one = await subsonic.call("getPodcasts", {"id": channel["id"]})
    assert len(one["podcasts"]["channel"][0]["episode"]) == 3
    newest = await subsonic.call("getNewestPodcasts", {"count": 2})
    assert [e["id"] for e in newest["newestPodcasts"]["episode"]] == [
        e["id"] for e in channel["episode"][:2]
    ]
    episode = await subsonic.call("getPodcastEpisode", {"id": first["id"]})
    assert episode["podcastEpisode"]["title"] == "Episode 3: Belts"
    await admin.call("createPodcastChannel", {"url": feeds.url("/feed.xml")})  # again: fine
    assert len((await admin.call("getPodcasts"))["podcasts"]["channel"]) == 1


async def test_podcast_changes_are_for_admins(
    admin: SubsonicClient, subsonic: SubsonicClient, feeds: FeedServer
) -> None:
    channel = await subscribed(admin, feeds)
    episode = channel["episode"][0]["id"]
    for method, params in (
        ("createPodcastChannel", {"url": feeds.url("/other.xml")}),
        ("refreshPodcasts", {}),
        ("deletePodcastChannel", {"id": channel["id"]}),
        ("deletePodcastEpisode", {"id": episode}),
        ("downloadPodcastEpisode", {"id": episode}),
    ):
        error = await subsonic.fail(method, params)
        assert error["code"] == 50, method
    user = (await subsonic.call("getUser", {"username": "alice"}))["user"]
    assert user["podcastRole"] is False
    assert (await admin.call("getUser", {"username": "root"}))["user"]["podcastRole"] is True


async def test_download_then_stream_and_download_by_stream_id(
    admin: SubsonicClient, subsonic: SubsonicClient, services: Runtime, feeds: FeedServer
) -> None:
    channel = await subscribed(admin, feeds)
    episode_id = channel["episode"][2]["id"]
    await admin.call("downloadPodcastEpisode", {"id": episode_id})
    queued = (await admin.call("getPodcastEpisode", {"id": episode_id}))["podcastEpisode"]
    assert queued["status"] == "downloading"
    await services.domains.podcasts.download(UUID(episode_id))  # the queued job's work
    done = (await subsonic.call("getPodcastEpisode", {"id": episode_id}))["podcastEpisode"]
    assert done["status"] == "completed" and done["size"] == len(AUDIO)
    assert done["streamId"] == f"pe-{episode_id}" and done["suffix"] == "mp3"
    whole = await subsonic.request("stream", {"id": done["streamId"]})
    assert whole.status_code == 200 and whole.content == AUDIO
    assert whole.headers["content-type"] == "audio/mpeg"
    part = await subsonic.request(
        "stream", {"id": done["streamId"]}, headers={"Range": "bytes=3-12"}
    )
    assert part.status_code == 206 and part.content == AUDIO[3:13]
    saved = await subsonic.request("download", {"id": done["streamId"]})
    assert saved.content == AUDIO and "attachment" in saved.headers["content-disposition"]

    await admin.call("deletePodcastEpisode", {"id": episode_id})
    gone = (await subsonic.call("getPodcastEpisode", {"id": episode_id}))["podcastEpisode"]
    assert gone["status"] == "deleted" and "streamId" not in gone
    assert (await subsonic.fail("stream", {"id": f"pe-{episode_id}"}))["code"] == 70
    await admin.call("deletePodcastChannel", {"id": channel["id"]})
    assert (await subsonic.call("getPodcasts"))["podcasts"].get("channel", []) == []


async def test_a_refused_feed_is_a_channel_error_not_a_failure(
    admin: SubsonicClient, feeds: FeedServer
) -> None:
    await admin.call("createPodcastChannel", {"url": "http://10.0.0.1/feed.xml"})
    await admin.call("createPodcastChannel", {"url": feeds.feed("/bomb.xml", "billion_laughs.xml")})
    channels = (await admin.call("getPodcasts"))["podcasts"]["channel"]
    assert {c["status"] for c in channels} == {"error"}
    messages = sorted(c["errorMessage"] for c in channels)
    assert "entities" in messages[0] or "entities" in messages[1]
    assert any("private or reserved" in m for m in messages)


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("createPodcastChannel", {}, 10),
        ("createPodcastChannel", {"url": "file:///etc/passwd"}, 10),
        ("deletePodcastChannel", {"id": "nope"}, 70),
        ("deletePodcastChannel", {"id": "7d8c0000-0000-4000-8000-000000000000"}, 70),
        ("getPodcastEpisode", {"id": "7d8c0000-0000-4000-8000-000000000000"}, 70),
        ("downloadPodcastEpisode", {"id": "x"}, 70),
        ("getNewestPodcasts", {"count": "-1"}, 10),
        ("stream", {"id": "pe-zzz"}, 70),
    ],
)
async def test_hostile_input_gets_a_clear_error(
    admin: SubsonicClient, method: str, params: dict[str, str], code: int
) -> None:
    error = await admin.fail(method, params)
    assert error["code"] == code and error["message"]


async def test_bookmarks_in_episodes_are_the_podcast_positions(
    admin: SubsonicClient, subsonic: SubsonicClient, feeds: FeedServer
) -> None:
    channel = await subscribed(admin, feeds)
    first, second = channel["episode"][0]["id"], channel["episode"][1]["id"]
    await subsonic.call("createBookmark", {"id": first, "position": 61_000})
    await subsonic.call("createBookmark", {"id": f"pe-{second}", "position": 5_000})
    bookmarks = (await subsonic.call("getBookmarks"))["bookmarks"]["bookmark"]
    assert [(b["entry"]["id"], b["position"]) for b in bookmarks] == [
        (second, 5_000),
        (first, 61_000),
    ]
    assert bookmarks[0]["entry"]["type"] == "podcast" and bookmarks[0]["username"] == "alice"
    xml = await subsonic.request("getBookmarks", fmt="xml")  # validated against the XSD
    assert xml.status_code == 200
    listed = (await subsonic.call("getPodcasts", {"id": channel["id"]}))["podcasts"]["channel"]
    assert listed[0]["episode"][0]["bookmarkPosition"] == 61_000
    # Another user has no position in it.
    mine = (await admin.call("getPodcastEpisode", {"id": first}))["podcastEpisode"]
    assert "bookmarkPosition" not in mine
    await subsonic.call("deleteBookmark", {"id": first})
    left = (await subsonic.call("getBookmarks"))["bookmarks"]["bookmark"]
    assert [b["entry"]["id"] for b in left] == [second]
    assert (await subsonic.fail("deleteBookmark", {"id": first}))["code"] == 70
    unknown = "7d8c0000-0000-4000-8000-000000000000"
    assert (await subsonic.fail("createBookmark", {"id": unknown, "position": 1}))["code"] == 70
