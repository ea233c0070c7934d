"""Serving songs whose renditions follow the storage-footprint rule (library/ladder.py): a
128 kbps CBR MP3's `high` is its original standing in for `medium` (right Content-Type, Range
and duration); a scanned 128k MP3 asked for `high` or `medium` gets its original and starts no
encode. Real ffmpeg, on both stacks."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.api.on_demand_helpers import (
    install_counting_encoder,
    media_path,
    sign_in,
    ticket,
)
from tests.factories import make_draft
from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.ffmpeg.mp3_frames import cbr_mp3_kbps
from tonearm.adapters.ffmpeg.renditions import mp3_duration_seconds
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


def _after_id3(data: bytes) -> bytes:
    if data[:3] != b"ID3":
        return data
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return data[10 + size :]


async def test_high_of_a_128k_mp3_is_its_original_standing_in_for_medium(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    source = await asyncio.to_thread(
        make_audio_file, tmp_path, "mp3", seconds=12, tags={"title": "Stand-in"}
    )
    original = source.read_bytes()
    summary = await services.domains.ingest.import_paths([source])
    (song_id,) = summary.song_ids
    headers = await sign_in(client, services)

    for quality in ("high", "medium"):
        asked = await ticket(client, headers, song_id, quality)
        assert (asked["quality"], asked["codec"], asked["bitrate"]) == ("medium", "mp3", 128)
        assert asked["pending"] is False and asked["size"] == len(original)
        whole = await client.get(media_path(asked["url"]))
        assert whole.status_code == 200
        assert whole.headers["content-type"] == "audio/mpeg"
        assert whole.content == original
        ranged = await client.get(media_path(asked["url"]), headers={"Range": "bytes=1000-1999"})
        assert ranged.status_code == 206 and ranged.content == original[1000:2000]
        assert ranged.headers["content-range"] == f"bytes 1000-1999/{len(original)}"

    # What the players read from the bytes: a CBR 128k stream whose LAME frame states the
    # catalogue's duration (gapless trimming and the byte↔time rule hold).
    frames = _after_id3(original)
    assert cbr_mp3_kbps(frames) == 128
    seconds = mp3_duration_seconds(frames[:65536])
    assert seconds is not None
    song = (await client.get(f"/api/songs/{song_id}", headers=headers)).json()
    assert abs(song["duration_ms"] - seconds * 1000) < 30
    # `low` is a real, smaller rendition.
    low = await ticket(client, headers, song_id, "low")
    assert (low["quality"], low["bitrate"]) == ("low", 64)
    assert 0 < int(str(low["size"])) < len(original) * 3 // 4


async def _scanned_mp3(services: Runtime, folder: Path, seconds: float) -> uuid.UUID:
    path = await asyncio.to_thread(make_audio_file, folder, "mp3", seconds=seconds, name="s.mp3")
    song_id = uuid.uuid4()
    stat = path.stat()
    draft = make_draft(
        original_path=str(path),
        original_key=None,
        folder_path=str(folder),
        original_format="mp3",
        original_size_bytes=stat.st_size,
        original_mtime_ns=stat.st_mtime_ns,
        duration_ms=int(seconds * 1000),
    )
    await services.songs.add(song_id, draft, datetime.now(UTC))
    return song_id


async def test_a_scanned_128k_mp3_is_never_encoded_up(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    encoder = install_counting_encoder(services)
    headers = await sign_in(client, services)
    song_id = await _scanned_mp3(services, tmp_path / "music", seconds=10)
    original = (tmp_path / "music" / "s.mp3").read_bytes()

    for quality in ("high", "medium"):
        asked = await ticket(client, headers, song_id, quality)
        assert asked["pending"] is False
        assert asked["quality"] == "original" and asked["size"] == len(original)
        served = await client.get(media_path(asked["url"]))
        assert served.status_code == 200 and served.content == original
        assert served.headers["content-type"] == "audio/mpeg"
    # A lower tier is still made on request.
    low = await ticket(client, headers, song_id, "low")
    assert low["pending"] is True and low["quality"] == "low"
    await services.domains.on_demand.drain()
    assert encoder.runs == 0
    assert {r.kind for r in await services.songs.renditions(song_id)} == set()
