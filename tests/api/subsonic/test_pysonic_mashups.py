"""py-sonic (a third-party client library) against a real server: the owner's read-only
"Mashups" playlist listed, read and streamed by its `mx-` entry ids."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import libsonic
import pytest

from tests.analysis.stored_mashups import FAKE_MP3, store_mashup
from tests.api.subsonic.live import LiveServer, start_live_server
from tonearm.analysis.mashups import Mashup
from tonearm.app import open_runtime
from tonearm.settings import Settings


def no_music(root: Path) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    return []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_live_server(tmp_path_factory.mktemp("mashups"), library=no_music)
    try:
        yield live
    finally:
        live.stop()


def add_mashup(server: LiveServer) -> Mashup:
    """One of alice's mashups, stored in the running server's database and store."""

    async def run() -> Mashup:
        runtime = await open_runtime(Settings(data_dir=server.data_dir))
        try:
            alice = await runtime.domains.users.get_user(server.username)
            return await store_mashup(runtime, alice.id, title="A – One × B – Two")
        finally:
            await runtime.close()

    return asyncio.run(run())


def test_pysonic_lists_reads_and_streams_the_mashups_playlist(server: LiveServer) -> None:
    url = urlsplit(server.url)
    sonic = libsonic.Connection(
        f"{url.scheme}://{url.hostname}",
        server.username,
        server.password,
        port=url.port,
        appName="py-sonic-tests",
        apiVersion="1.16.1",
    )
    assert sonic.getPlaylists()["playlists"].get("playlist", []) == []
    mashup = add_mashup(server)
    (listed,) = sonic.getPlaylists()["playlists"]["playlist"]
    assert listed["name"] == "Mashups" and listed["readonly"] is True
    playlist = sonic.getPlaylist(listed["id"])["playlist"]
    (entry,) = playlist["entry"]
    assert entry["id"] == f"mx-{mashup.id}" and entry["title"] == "A – One × B – Two"
    with sonic.stream(entry["id"]) as response:
        assert response.read() == FAKE_MP3
    with pytest.raises(libsonic.errors.AuthError):
        sonic.deletePlaylist(listed["id"])
