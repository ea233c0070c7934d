"""Subsonic calls count against TONEARM_RATE_LIMIT_SUBSONIC_PER_MINUTE, per user; the methods
that send media bytes (stream, getCoverArt, ...) do not count, as a player fetches many."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.subsonic.client import SubsonicClient
from tests.ingest.audio_factory import make_audio_file, make_image_bytes
from tonearm.app import Runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
LIMIT = 5


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    return stack_settings.model_copy(update={"rate_limit_subsonic_per_minute": LIMIT})


async def test_over_the_rate_limit_calls_fail_with_a_message(subsonic: SubsonicClient) -> None:
    for _ in range(LIMIT):
        await subsonic.call("ping")
    error = await subsonic.fail("ping")
    assert error["code"] == 0
    assert "too many requests" in error["message"]


async def test_media_methods_are_not_rate_limited(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    make_audio_file(music, "mp3", tags={"title": "Loud"}, picture=make_image_bytes("jpeg", 64))
    summary = await services.domains.ingest.scan([music])
    await services.domains.ingest.enrich()  # the cover art
    [song_id] = summary.song_ids
    # Far more media requests than the limit allows calls, all served.
    for _ in range(3 * LIMIT):
        song = await subsonic.request("stream", {"id": str(song_id), "format": "raw"})
        assert song.headers["content-type"] == "audio/mpeg", song.text[:200]
        cover = await subsonic.request("getCoverArt", {"id": f"mf-{song_id}", "size": 32})
        assert cover.headers["content-type"] == "image/jpeg", cover.text[:200]
    # None of them counted: the whole allowance of ordinary calls is still there.
    for _ in range(LIMIT):
        await subsonic.call("ping")
    assert "too many requests" in (await subsonic.fail("ping"))["message"]
