"""py-sonic (a third-party client library) against a real server with a local feed server
on the allow-list: subscribe, list, download (by the server's own job worker), stream by
streamId, delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import libsonic
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.live import LiveServer, start_live_server
from tests.feed_server import FeedServer, start_feed_server
from tests.polling import wait_for

AUDIO = b"ID3" + bytes(range(256)) * 40


def no_music(root: Path) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    return []


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    server, stop = start_feed_server()
    for n in (1, 2, 3):
        server.route(f"/audio/{n}.mp3", body=AUDIO, content_type="audio/mpeg")
    yield server
    stop()


@pytest.fixture(scope="module")
def podcast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(
        tmp_path_factory.mktemp("podcasts"),
        library=no_music,
        settings={"TONEARM_FETCH_ALLOW": "127.0.0.1", "TONEARM_PODCAST_KEEP_EPISODES": "1"},
    )
    try:
        server.tonearm("user", "add", "boss", "--password", PASSWORD, "--admin")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sonic(podcast_server: LiveServer) -> libsonic.Connection:
    url = urlsplit(podcast_server.url)
    return libsonic.Connection(
        f"{url.scheme}://{url.hostname}",
        "boss",
        PASSWORD,
        port=url.port,
        appName="py-sonic-tests",
        apiVersion="1.16.1",
    )


def test_subscribe_download_stream_and_delete(
    sonic: libsonic.Connection, feeds: FeedServer
) -> None:
    sonic.createPodcastChannel(feeds.feed("/feed.xml", "itunes.xml"))
    [channel] = sonic.getPodcasts()["podcasts"]["channel"]
    assert channel["title"] == "Tonearm Test Radio" and channel["status"] == "completed"
    assert [e["title"] for e in channel["episode"]] == [
        "Episode 3: Belts",
        "Episode 2: Cartridges",
        "Episode 1: Hello",
    ]
    newest = channel["episode"][0]

    def newest_downloaded() -> dict | None:  # type: ignore[type-arg]
        # TONEARM_PODCAST_KEEP_EPISODES=1: the server's job worker fetches the newest.
        found = sonic.getPodcasts(pid=channel["id"])["podcasts"]["channel"][0]["episode"][0]
        return found if found["status"] == "completed" else None

    done = wait_for(newest_downloaded, "the newest episode downloaded", timeout=60, interval=0.2)
    assert done["id"] == newest["id"]
    with sonic.stream(done["streamId"]) as response:
        assert response.read() == AUDIO

    older = channel["episode"][2]["id"]
    sonic.downloadPodcastEpisode(older)
    assert [e["id"] for e in sonic.getNewestPodcasts(2)["newestPodcasts"]["episode"]] == [
        e["id"] for e in channel["episode"][:2]
    ]
    sonic.deletePodcastEpisode(newest["id"])
    again = sonic.getPodcasts(pid=channel["id"])["podcasts"]["channel"][0]["episode"][0]
    assert again["status"] == "deleted"
    sonic.refreshPodcasts()
    sonic.deletePodcastChannel(channel["id"])
    assert sonic.getPodcasts()["podcasts"].get("channel", []) == []
