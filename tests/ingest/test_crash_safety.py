"""Killing an import at fixed points leaves nothing half-visible, and running it again
finishes the job (objects before rows; one transaction per song)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ingest.conftest import make_track, open_migrated
from tonearm.app import Services
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
AUDIO_KINDS = {"high", "medium", "low", "efficient", "preview"}


def crash_import(settings: Settings, point: str, nth: int, path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(
        TONEARM_DATA_DIR=str(settings.data_dir), PYTHONPATH=str(REPO), TONEARM_LOG_FORMAT="json"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.ingest.crashing_import", point, str(nth), str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]


async def assert_every_row_has_its_object(services: Services) -> list[str]:
    from sqlalchemy import select

    from tonearm.adapters.db.tables import RenditionRow, SongRow

    async with services.database.sessions() as session:
        keys = list(await session.scalars(select(RenditionRow.storage_key)))
        originals = [k for k in await session.scalars(select(SongRow.original_key)) if k]
    for key in keys + originals:
        await services.store.stat(key)  # raises ObjectNotFound if a row points at nothing
    return keys


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


async def test_killed_after_a_rendition_is_stored_but_before_its_row(
    settings: Settings, tmp_path: Path
) -> None:
    source = make_track(tmp_path / "song.mp3", seconds=35, tags={"title": "Crash"})
    crash_import(settings, "rendition_row", 1, source)

    services = await open_migrated(settings)
    try:
        [song_id] = [s async for s in _live_song_ids(services)]
        # The song is visible (its transaction committed) with no rendition rows yet.
        assert await services.songs.renditions(song_id) == []
        await assert_every_row_has_its_object(services)

        summary = await services.ingest.import_paths([source])
        assert summary.counts["resumed"] == 1
        kinds = {r.kind for r in await services.songs.renditions(song_id)}
        assert AUDIO_KINDS | {"waveform"} <= kinds
        await assert_every_row_has_its_object(services)
    finally:
        await services.close()


async def test_killed_between_a_songs_rendition_rows(settings: Settings, tmp_path: Path) -> None:
    source = make_track(tmp_path / "song.flac", seconds=35, codec_args=("-c:a", "flac"))
    crash_import(settings, "rendition_row", 3, source)

    services = await open_migrated(settings)
    try:
        [song_id] = [s async for s in _live_song_ids(services)]
        assert len(await services.songs.renditions(song_id)) == 2
        await assert_every_row_has_its_object(services)
        summary = await services.ingest.import_paths([source])
        assert summary.counts["resumed"] == 1
        assert {r.kind for r in await services.songs.renditions(song_id)} >= AUDIO_KINDS
    finally:
        await services.close()


async def test_killed_before_the_song_row_leaves_only_an_orphan_that_cleanup_removes(
    settings: Settings, tmp_path: Path
) -> None:
    source = make_track(tmp_path / "song.ogg", seconds=4)
    crash_import(settings, "song_row", 1, source)

    services = await open_migrated(settings)
    try:
        assert [s async for s in _live_song_ids(services)] == []  # nothing visible
        orphans = [info.key async for info in services.store.list("original/")]
        assert len(orphans) == 1
        # Younger than the grace period: an import may be about to write its row.
        assert await services.ingest.clean_leftovers() == 0
        later = services.ingest.pipeline.now() + timedelta(hours=2)
        assert await services.ingest.clean_leftovers(now=later) == 1
        assert [info.key async for info in services.store.list("original/")] == []

        summary = await services.ingest.import_paths([source])
        assert summary.counts["imported"] == 1
        await assert_every_row_has_its_object(services)
    finally:
        await services.close()


async def _live_song_ids(services: Services):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tonearm.adapters.db.tables import SongRow

    async with services.database.sessions() as session:
        for song_id in await session.scalars(
            select(SongRow.id).where(SongRow.deleted_at.is_(None))
        ):
            yield song_id
