"""A CBR MP3 original standing in for a tier (library/ladder.py) survives tiering and the
weekly cleanup, and tiering never asks to re-render a tier the song never gets. Real ffmpeg,
on both stacks."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tests.ingest.audio_factory import make_audio_file
from tests.upkeep.conftest import add_interactions, add_user, object_hash, stored_kinds
from tests.upkeep.test_tiering import run_tiering
from tonearm.app import Runtime
from tonearm.jobs import JobState
from tonearm.upkeep import CLEANUP_JOB, RERENDER_JOB

pytestmark = pytest.mark.anyio


async def test_a_stand_in_survives_tiering_and_cleanup(
    services: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    source = await asyncio.to_thread(make_audio_file, tmp_path, "mp3", seconds=6)
    (song_id,) = (await services.domains.ingest.import_paths([source])).song_ids
    original_key = f"original/{song_id}.mp3"
    before = await object_hash(services, original_key)
    assert await stored_kinds(services, song_id) >= {"medium", "low", "preview"}
    clock.advance(days=90)

    # Nobody plays it: tiering drops high and medium — but medium is the original itself.
    result = await run_tiering(services)
    assert result["removed"] == {}
    assert "medium" in await stored_kinds(services, song_id)
    assert await object_hash(services, original_key) == before

    # Played a lot: nothing to re-render (high and medium are needless for a 128k MP3).
    user = await add_user(services, "fan")
    await add_interactions(services, user, song_id, "complete", [clock.now] * 51)
    await run_tiering(services)
    assert await services.domains.jobs.recent(RERENDER_JOB) == []

    clock.advance(days=8)
    run = await services.domains.jobs.enqueue(CLEANUP_JOB)
    done = await services.domains.jobs.execute(run.id, "test", services.domains)
    assert done is not None and done.state is JobState.SUCCEEDED, done
    assert (done.result or {})["orphan_objects"] == 0
    assert await object_hash(services, original_key) == before
    rows = {r.kind: r for r in await services.songs.renditions(song_id)}
    assert rows["medium"].storage_key == original_key
    media = await services.domains.streaming.song_media(song_id)
    assert media.objects["medium"].storage_key == original_key


async def test_tiering_still_drops_a_real_medium_of_a_320k_mp3(
    services: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    source = tmp_path / "loud.mp3"
    plain = await asyncio.to_thread(make_audio_file, tmp_path, "flac", seconds=6, name="p.flac")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(plain),
         "-c:a", "libmp3lame", "-b:a", "320k", str(source)],
        check=True,
    )  # fmt: skip
    (song_id,) = (await services.domains.ingest.import_paths([source])).song_ids
    rows = {r.kind: r for r in await services.songs.renditions(song_id)}
    assert rows["high"].storage_key == f"original/{song_id}.mp3"
    assert rows["medium"].storage_key == f"medium/{song_id}.mp3"
    clock.advance(days=90)

    result = await run_tiering(services)

    assert result["removed"] == {"medium": 1}  # the real copy goes; the stand-in stays
    assert await stored_kinds(services, song_id) >= {"high", "low"}
    await services.store.stat(f"original/{song_id}.mp3")
