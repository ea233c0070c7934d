"""A real `tonearm import` process SIGKILLed at fixed moments: nothing is ever listed
half-done (the library is polled while the process runs), and the next start of the
service (the same start-up hook `serve` and `worker` run) finishes every import whose
original was stored; importing the same files again never makes a second song."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.ingest.conftest import make_cover, make_track, open_migrated
from tonearm.adapters.db.tables import RenditionRow, SongRow
from tonearm.app import Runtime, attach_runtime, create_app, on_start
from tonearm.ingest.pending import FINISH_PENDING_JOB
from tonearm.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
AUDIO_KINDS = {"high", "medium", "low", "efficient", "preview"}
COMPLETE = AUDIO_KINDS | {"waveform"}
PASSWORD = "correct horse battery"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def two_files(tmp_path: Path) -> list[Path]:
    """A tagged MP3, then an untagged FLAC whose title, album and artist come from its
    path (so a repair must see the same path as the killed import did)."""
    # 320 kbps CBR: its original stands in for `high` (that row is listed with the rest).
    first = make_track(
        tmp_path / "in" / "a-first.mp3",
        seconds=6,
        tags={"title": "First"},
        codec_args=("-c:a", "libmp3lame", "-b:a", "320k"),
    )
    album = tmp_path / "in" / "The Artist" / "The Album"
    second = make_track(album / "02 - Second Song.flac", seconds=6, codec_args=("-c:a", "flac"))
    make_cover(album / "cover.jpg")
    return [first, second]


async def live_songs(services: Runtime) -> dict[uuid.UUID, set[str]]:
    """Every listed song with the kinds of its rendition rows."""
    async with services.database.sessions() as session:
        ids = list(await session.scalars(select(SongRow.id).where(SongRow.deleted_at.is_(None))))
        rows = (
            await session.execute(
                select(RenditionRow.song_id, RenditionRow.kind).where(RenditionRow.song_id.in_(ids))
            )
        ).all()
    kinds: dict[uuid.UUID, set[str]] = {song_id: set() for song_id in ids}
    for song_id, kind in rows:
        kinds[song_id].add(kind)
    return kinds


async def assert_nothing_half_visible(services: Runtime) -> None:
    for song_id, kinds in (await live_songs(services)).items():
        assert kinds >= COMPLETE, f"song {song_id} listed with only {sorted(kinds)}"


async def import_and_kill(services: Runtime, point: str, nth: int, paths: list[Path]) -> int:
    """Run the crashing import; poll the library until it dies. Returns the polls made."""
    settings = services.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(
        TONEARM_DATA_DIR=str(settings.data_dir),
        PYTHONPATH=os.pathsep.join((str(REPO / "src"), str(REPO))),  # these sources first
        TONEARM_LOG_FORMAT="json",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.crashing_import", point, str(nth), *map(str, paths)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    polls = 0
    try:
        while True:
            await assert_nothing_half_visible(services)
            polls += 1
            try:
                await asyncio.to_thread(process.wait, 0.05)  # until it exits, or poll again
                break
            except subprocess.TimeoutExpired:
                continue
    finally:
        if process.poll() is None:
            process.kill()
        stderr = process.communicate()[1]
    assert process.returncode == -signal.SIGKILL, stderr.decode()[-2000:]
    await assert_nothing_half_visible(services)
    return polls


async def start_again(services: Runtime) -> dict[str, int]:
    """What `serve` and `worker` do at start; then run the job it queued, as a worker."""
    await on_start(services)
    run = await services.domains.jobs.active_run(FINISH_PENDING_JOB)
    assert run is not None
    done = await services.domains.jobs.execute(run.id, "test-worker", services.domains)
    assert done is not None and done.result is not None, done
    return {key: int(value) for key, value in done.result.items()}


async def assert_every_row_has_its_object(services: Runtime) -> None:
    async with services.database.sessions() as session:
        keys = list(await session.scalars(select(RenditionRow.storage_key)))
        originals = [k for k in await session.scalars(select(SongRow.original_key)) if k]
    for key in keys + originals:
        await services.store.stat(key)  # raises ObjectNotFound if a row points at nothing


async def waveform_status(services: Runtime, song_id: uuid.UUID) -> int:
    app = create_app(services.settings)
    attach_runtime(app, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as http:
        if not await services.domains.users.list_users():
            await services.domains.users.add_user("listener", PASSWORD)
        login = await http.post(
            "/api/auth/login", json={"username": "listener", "password": PASSWORD}
        )
        token = login.json()["access_token"]
        response = await http.get(
            f"/api/songs/{song_id}/waveform", headers={"Authorization": f"Bearer {token}"}
        )
    return response.status_code


@pytest.mark.parametrize("point", ["original", "renditions", "final"])
async def test_a_killed_import_is_finished_at_the_next_start(
    settings: Settings, tmp_path: Path, point: str
) -> None:
    paths = two_files(tmp_path)
    services = await open_migrated(settings)
    try:
        polls = await import_and_kill(services, point, 2, paths)
        assert polls > 0
        # The first file is listed complete; the second is not listed at all, yet.
        [first_id] = list(await live_songs(services))
        [pending] = await services.pending_imports.all()
        assert pending.song_id != first_id
        # Not its objects: the orphan cleanup keeps them, however old they are.
        later = services.domains.ingest.pipeline.now() + timedelta(hours=2)
        await services.domains.ingest.clean_leftovers(now=later)
        await services.store.stat(pending.original_key)

        assert (await start_again(services))["finished"] == 1

        songs = await live_songs(services)
        assert set(songs) == {first_id, pending.song_id}
        assert all(kinds >= COMPLETE for kinds in songs.values())
        assert any(kind.startswith("art-") for kind in songs[pending.song_id])  # folder cover
        second = await services.songs.get(pending.song_id)
        # The same tag fallbacks as the killed import would have given (its path).
        assert (second.title, second.album, second.artists) == (
            "Second Song",
            "The Album",
            ("The Artist",),
        )
        await assert_every_row_has_its_object(services)
        assert await waveform_status(services, pending.song_id) == 200
        assert await services.pending_imports.all() == []
        assert await services.domains.ingest.clean_leftovers(now=later) == 0  # nothing left over

        # The same files again: duplicates, never a second song.
        summary = await services.domains.ingest.import_paths(paths)
        assert summary.counts["duplicate"] == 2
        assert set(await live_songs(services)) == {first_id, pending.song_id}
    finally:
        await services.close()


async def test_importing_again_before_any_start_finishes_the_pending_song(
    settings: Settings, tmp_path: Path
) -> None:
    paths = two_files(tmp_path)
    services = await open_migrated(settings)
    try:
        await import_and_kill(services, "renditions", 2, paths)
        [pending] = await services.pending_imports.all()

        summary = await services.domains.ingest.import_paths(paths)
        assert (summary.counts["duplicate"], summary.counts["resumed"]) == (1, 1)
        songs = await live_songs(services)
        assert len(songs) == 2 and pending.song_id in songs  # under the pending id
        assert all(kinds >= COMPLETE for kinds in songs.values())
        assert await services.pending_imports.all() == []
        # A start afterwards has nothing to do.
        await on_start(services)
        assert await services.domains.jobs.active_run(FINISH_PENDING_JOB) is None
        await assert_every_row_has_its_object(services)
    finally:
        await services.close()


async def test_killed_before_the_original_was_stored_the_file_is_simply_not_imported(
    settings: Settings, tmp_path: Path
) -> None:
    paths = two_files(tmp_path)
    services = await open_migrated(settings)
    try:
        await import_and_kill(services, "before_original", 2, paths)
        assert len(await services.pending_imports.all()) == 1

        assert (await start_again(services))["dropped"] == 1
        assert len(await live_songs(services)) == 1
        assert await services.pending_imports.all() == []

        summary = await services.domains.ingest.import_paths(paths)
        assert (summary.counts["duplicate"], summary.counts["imported"]) == (1, 1)
        await assert_nothing_half_visible(services)
    finally:
        await services.close()
