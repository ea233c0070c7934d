"""A runtime on SQLite whose fetcher may reach the local feed server (the allow-list)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.feed_server import FeedServer, start_feed_server
from tonearm.app import Runtime, open_runtime
from tonearm.settings import Settings

AUDIO = {n: bytes([n]) * (1000 * (n + 1)) for n in (1, 2, 3)}


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server, stop = start_feed_server()
    for n, body in AUDIO.items():
        server.route(f"/audio/{n}.mp3", body=body, content_type="audio/mpeg")
    yield server
    stop()


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path / "data",
        fetch_allow=["127.0.0.1"],
        podcast_keep_episodes=2,
        podcast_episode_max_bytes=1_000_000,
    )
    opened = await open_runtime(settings)
    yield opened
    await opened.close()
