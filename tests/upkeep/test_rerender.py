"""Re-render: a dropped rendition comes back from the original (real ffmpeg)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.ingest.conftest import make_track
from tests.upkeep.conftest import FakeClock, add_interactions, add_user, object_hash
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime
from tonearm.jobs import JobState
from tonearm.upkeep import RERENDER_JOB, TIERING_JOB

pytestmark = pytest.mark.anyio


async def run(services: Runtime, name: str) -> None:
    queued = await services.domains.jobs.enqueue(name)
    done = await services.domains.jobs.execute(queued.id, "test", services.domains)
    assert done is not None and done.state is JobState.SUCCEEDED, done


async def test_rerender_restores_a_dropped_rendition(
    services: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    track = make_track(tmp_path / "in" / "tune.flac", seconds=4.0)
    summary = await services.domains.ingest.import_paths([track])
    assert summary.as_dict()["imported"] == 1
    [audio_hash] = await _hashes(services)
    song_row = await services.songs.find_by_audio_hash(audio_hash)
    assert song_row is not None
    song_id = song_row.id
    original_before = await object_hash(services, song_row.original_key or "")
    clock.advance(days=40)
    await run(services, TIERING_JOB)
    kinds = {r.kind for r in await services.songs.renditions(song_id)}
    assert "high" not in kinds and "medium" not in kinds and "low" in kinds

    user = await add_user(services, "fan")
    await add_interactions(services, user, song_id, "complete", [clock.now] * 60)
    await run(services, TIERING_JOB)
    [rerender] = await services.domains.jobs.recent(RERENDER_JOB)
    done = await services.domains.jobs.execute(rerender.id, "test", services.domains)

    assert done is not None and done.state is JobState.SUCCEEDED, done
    assert done.result == {"song_id": str(song_id), "rendered": ["high", "medium"]}
    renditions = {r.kind: r for r in await services.songs.renditions(song_id)}
    assert renditions["high"].bitrate_kbps == 320 and renditions["medium"].bitrate_kbps == 128
    for kind in ("high", "medium"):
        info = await services.store.stat(renditions[kind].storage_key)
        assert info.size_bytes == renditions[kind].size_bytes > 0
    assert await object_hash(services, song_row.original_key or "") == original_before


async def _hashes(services: Runtime) -> list[str]:
    async with services.database.sessions() as session:
        return list(await session.scalars(select(SongRow.audio_hash)))
