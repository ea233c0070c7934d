"""Subsonic stream of a song with only its original: a request that fits a missing rendition
makes that rendition (one encode, kept) instead of a throw-away transcode."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.on_demand_helpers import (
    add_original_only,
    install_counting_encoder,
    mp3_first_frame_bytes,
    stored_bytes,
)
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]


async def test_a_capped_mp3_stream_of_an_original_only_song_makes_the_medium_rendition(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=12)
    params = {"id": str(song_id), "format": "mp3", "maxBitRate": 128}
    response = await subsonic.request("stream", params)
    await services.domains.on_demand.drain()
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["x-tonearm-served"] == "medium"
    stored = await stored_bytes(services, song_id, "medium")
    frame = mp3_first_frame_bytes(stored)
    assert response.content[frame:] == stored[frame:]
    assert stored[2] >> 4 == 9  # the frame header's bitrate index for 128 kbps
    assert encoder.runs == 1

    # The next request is the stored rendition, by Range too; no second encode.
    again = await subsonic.request("stream", params, headers={"Range": "bytes=0-999"})
    assert again.status_code == 206 and again.content == stored[:1000]
    assert encoder.runs == 1


async def test_an_estimated_length_is_kept_exactly_while_encoding(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    song_id = await add_original_only(services, tmp_path / "music", seconds=6)
    params = {"id": str(song_id), "maxBitRate": 64, "estimateContentLength": "true"}
    response = await subsonic.request("stream", params)
    await services.domains.on_demand.drain()
    assert response.headers["x-tonearm-served"] == "low"
    assert response.headers["content-length"] == str(6000 * 64 // 8)
    assert len(response.content) == 6000 * 64 // 8
    assert encoder.runs == 1
    assert "low" in {r.kind for r in await services.songs.renditions(song_id)}
