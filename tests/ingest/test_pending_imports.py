"""Pending imports in one process, embedded and on PostgreSQL + S3: an upload interrupted
before its song was listed is left to its own job (which reports to the uploader), the
orphan cleanup keeps its objects, and half-done songs of older versions are completed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.app import Runtime, on_start
from tonearm.ingest.pending import FINISH_PENDING_JOB, song_id_of_key
from tonearm.ingest.pipeline import IngestPipeline
from tonearm.ingest.uploads import UPLOAD_JOB, SpooledFile

pytestmark = pytest.mark.anyio


class Killed(Exception):
    """Stands for the process dying at this point."""


async def run_finish_job(services: Runtime) -> dict[str, int]:
    await on_start(services)
    run = await services.domains.jobs.active_run(FINISH_PENDING_JOB)
    assert run is not None
    done = await services.domains.jobs.execute(run.id, "test-worker", services.domains)
    assert done is not None and done.result is not None
    return {key: int(value) for key, value in done.result.items()}


async def test_an_interrupted_upload_is_finished_by_its_job_not_twice(
    services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await services.domains.users.add_user("uploader", "correct horse battery")
    audio = make_audio_file(tmp_path, "flac", seconds=2, tags={"title": "Sent"})
    run = await services.domains.uploads.submit(
        SpooledFile("sent.flac", audio, audio.stat().st_size), user.id
    )
    listing = SqlSongRepository.add

    async def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    async def dead(*args: object, **kwargs: object) -> None:
        raise Killed  # a dead process records no failure: nothing runs after the kill

    failed = IngestPipeline._failed
    monkeypatch.setattr(SqlSongRepository, "add", killed)
    monkeypatch.setattr(IngestPipeline, "_failed", dead)
    await services.domains.jobs.execute(
        run.id, "test-worker", services.domains
    )  # dies before the listing
    monkeypatch.setattr(SqlSongRepository, "add", listing)
    monkeypatch.setattr(IngestPipeline, "_failed", failed)

    [pending] = await services.pending_imports.all()
    assert (pending.source, pending.uploader_id) == ("upload", user.id)
    assert pending.upload_key == run.payload["upload_key"]
    assert await services.songs.count_live() == 0
    # Its objects are not orphans, however old they get.
    later = services.domains.ingest.pipeline.now() + timedelta(days=2)
    assert await services.domains.ingest.clean_leftovers(now=later) == 0
    keys = [info.key async for info in services.store.list("original/")]
    keys += [info.key async for info in services.store.list("high/")]
    assert {song_id_of_key(key) for key in keys} == {pending.song_id}

    # The start-up job leaves it to the upload's job, which the ledger runs again.
    assert (await run_finish_job(services))["left_to_upload_job"] == 1
    again = await services.domains.jobs.enqueue(UPLOAD_JOB, run.payload)
    done = await services.domains.jobs.execute(again.id, "test-worker", services.domains)
    assert done is not None and done.result is not None
    assert (done.result["outcome"], done.result["song_id"]) == ("resumed", str(pending.song_id))
    assert await services.songs.count_live() == 1
    assert await services.pending_imports.all() == []
    assert [info.key async for info in services.store.list("uploads/")] == []


async def test_song_ids_are_read_from_storage_keys() -> None:
    song = "0b6f3f4e-8d55-4e0b-9b9c-2f6c1a0e7d21"
    assert str(song_id_of_key(f"original/{song}.flac")) == song
    assert str(song_id_of_key(f"art/{song}-300.webp")) == song
    assert song_id_of_key(f"uploads/{song}") is not None  # any prefix; cleanup lists its own
    assert song_id_of_key("original/notes.txt") is None


async def test_a_removed_song_imported_again_comes_back_complete_under_its_id(
    embedded_services: Runtime, tmp_path: Path
) -> None:
    services = embedded_services
    audio = make_audio_file(tmp_path, "mp3", seconds=2, tags={"title": "Again"})
    [song_id] = (await services.domains.ingest.import_paths([audio])).song_ids
    await services.songs.tombstone(song_id, services.domains.ingest.pipeline.now())
    assert await services.songs.count_live() == 0

    summary = await services.domains.ingest.import_paths([audio])

    assert summary.counts["imported"] == 1 and summary.song_ids == [song_id]
    song = await services.songs.get(song_id)
    assert song.deleted_at is None and song.title == "Again"
    kinds = {r.kind for r in await services.songs.renditions(song_id)}
    # A 128 kbps MP3: no high, and its original stands in for medium (library/ladder.py).
    assert {"medium", "low", "preview", "waveform"} <= kinds
    assert not {"high", "efficient"} & kinds
    assert await services.pending_imports.all() == []


async def test_a_song_an_older_version_listed_half_done_is_completed_at_the_next_start(
    services: Runtime, tmp_path: Path
) -> None:
    audio = make_audio_file(tmp_path, "flac", seconds=2, tags={"title": "Old"})
    [song_id] = (await services.domains.ingest.import_paths([audio])).song_ids
    # What a crash of an older version left: the song listed with `renditions: []`.
    for rendition in await services.songs.drop_renditions(song_id):
        await services.store.delete(rendition.storage_key)
    assert await services.songs.unfinished_imports() == [song_id]

    assert (await run_finish_job(services))["completed_listed"] == 1

    kinds = {r.kind for r in await services.songs.renditions(song_id)}
    assert {"high", "medium", "low", "efficient", "preview", "waveform"} <= kinds
    for rendition in await services.songs.renditions(song_id):
        await services.store.stat(rendition.storage_key)
    assert await services.songs.unfinished_imports() == []
    await on_start(services)  # nothing left to do: no job queued
    assert await services.domains.jobs.active_run(FINISH_PENDING_JOB) is None
