"""AnalysisService on a real database (SQLite and PostgreSQL) and real ffmpeg, on short
generated songs with known tempo: the enrichment decode's extra PCM output, a run over the
pending songs (original in place, original in storage, a broken file), resuming an
interrupted run, the limits, and enrichment analysing from its own decode."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import numpy
import pytest
from bench.analysis_corpus import Case, generate_case, write_audio

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlMediaCatalog
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.adapters.ffmpeg.analysis import analyse_audio
from tonearm.adapters.ffmpeg.analysis_pcm import SongPcmDecoder
from tonearm.adapters.storage import open_object_store
from tonearm.analysis import ANALYSIS_SAMPLE_RATE, AnalysisStatus
from tonearm.analysis.analyser import analyse_pcm
from tonearm.analysis.service import (
    Analyser,
    AnalysisPolicy,
    AnalysisService,
    load_analyser,
)
from tonearm.app import Runtime
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECONDS = 6.0


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Case], list[Path]]]:
    """Two short songs of known tempo as WAV files, and a file that is no audio."""
    folder = tmp_path_factory.mktemp("clips")
    cases = [generate_case(11, index, duration=SECONDS) for index in (0, 1)]
    paths = [write_audio(case, folder / f"{case.name}.wav") for case in cases]
    broken = folder / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all" * 10)
    yield cases, [*paths, broken]
    shutil.rmtree(folder, ignore_errors=True)


def near_tempo(found: float | None, truth: float) -> bool:
    """Within 4%, or at half/double (loose: the analyser's accuracy is the bench's job)."""
    return found is not None and any(
        abs(found * factor - truth) <= 0.04 * truth for factor in (0.5, 1.0, 2.0)
    )


async def test_the_enrichment_decode_writes_the_analysers_pcm(
    clips: tuple[list[Case], list[Path]], tmp_path: Path
) -> None:
    cases, paths = clips
    pcm = tmp_path / "song.f32"
    analysis = await analyse_audio(
        find_ffmpeg(None),
        paths[0],
        max_duration_seconds=600,
        limit_seconds=60,
        memory_limit_bytes=None,
        analysis_pcm=pcm,
    )
    assert abs(analysis.duration_ms - cases[0].duration * 1000) < 50
    samples = numpy.fromfile(pcm, dtype="<f4")
    assert abs(len(samples) - cases[0].duration * ANALYSIS_SAMPLE_RATE) < ANALYSIS_SAMPLE_RATE / 20
    assert numpy.abs(samples).max() <= 1.0
    assert near_tempo(analyse_pcm(samples).tempo_bpm, cases[0].tempo)


class CountingAnalyser:
    """The real analyser, counting songs; `hold` makes the second call wait."""

    def __init__(self) -> None:
        self.real = load_analyser()
        self.calls = 0

    @property
    def version(self) -> str:
        return self.real.version

    def __call__(self, samples: numpy.ndarray, sample_rate: int) -> object:
        self.calls += 1
        return self.real(samples, sample_rate)


async def _library(
    database: Database, tmp_path: Path, paths: list[Path]
) -> tuple[AnalysisService, list[UUID], CountingAnalyser]:
    """Songs: the first clip read in place, the second stored as an original object, the
    broken file in place; the service decodes with real ffmpeg."""
    store = open_object_store((tmp_path / "objects").as_uri())
    await store.put_file("original/two.wav", paths[1])
    songs = SqlSongRepository(database.sessions)
    drafts = [
        make_draft(original_path=str(paths[0]), original_key=None, original_format="wav"),
        make_draft(original_key="original/two.wav", original_format="wav"),
        make_draft(original_path=str(paths[2]), original_key=None, original_format="wav"),
    ]
    ids = sorted(UUID(int=n) for n in (1, 2, 3))
    for song_id, draft in zip(ids, drafts, strict=True):
        await songs.add(song_id, draft, NOW)
    analyser = CountingAnalyser()
    decoder = SongPcmDecoder(
        lambda: find_ffmpeg(None),
        SqlMediaCatalog(database.sessions),
        store,
        limit_seconds=60,
        memory_limit_bytes=None,
    )
    service = AnalysisService(
        SqlFeatureRepository(database.sessions),
        decoder,
        lambda: NOW,
        policy=AnalysisPolicy(batch=2),
        temp_dir=tmp_path / "tmp",
        analyser=lambda: analyser,  # type: ignore[return-value]
    )
    return service, ids, analyser


async def test_a_run_analyses_every_pending_song_and_keeps_failures(
    database: Database, tmp_path: Path, clips: tuple[list[Case], list[Path]]
) -> None:
    cases, paths = clips
    service, ids, analyser = await _library(database, tmp_path, paths)
    before = await service.status()
    assert before.available and before.counts is not None
    assert (before.counts.done, before.counts.failed, before.counts.pending) == (0, 0, 3)

    summary = await service.run()
    assert (summary.done, summary.failed) == (2, 1), summary.failures
    for song_id, case in zip(ids[:2], cases, strict=True):
        stored = await service.get(song_id)
        assert stored.status is AnalysisStatus.DONE and stored.features is not None
        assert near_tempo(stored.features.tempo_bpm, case.tempo)
        assert abs(stored.features.duration - case.duration) < 0.1
    broken = await service.get(ids[2])
    assert broken.status is AnalysisStatus.FAILED
    assert broken.error is not None and "could not decode the audio" in broken.error
    after = await service.status()
    assert after.counts is not None
    assert (after.counts.done, after.counts.failed, after.counts.pending) == (2, 1, 0)

    # Nothing pending: a second run analyses nothing; --again does them all anew.
    assert (await service.run()).done == 0 and analyser.calls == 2
    again = await service.run(again=True)
    assert (again.done, again.failed) == (2, 1) and analyser.calls == 4
    await service.close()


async def test_an_interrupted_run_goes_on_where_it_stopped(
    database: Database, tmp_path: Path, clips: tuple[list[Case], list[Path]]
) -> None:
    _, paths = clips
    service, ids, analyser = await _library(database, tmp_path, paths)
    first_done = asyncio.Event()

    class StopAfterOne:
        def song_finished(self, song_id: UUID, outcome: str, reason: str | None) -> None:
            first_done.set()

    run = asyncio.create_task(service.run(reporter=StopAfterOne()))
    await first_done.wait()
    run.cancel()  # what a killed process leaves: one song analysed, the rest not
    with pytest.raises(asyncio.CancelledError):
        await run
    status = await service.status()
    assert status.counts is not None and status.counts.pending == 2
    assert analyser.calls == 1

    summary = await service.run()
    assert summary.done + summary.failed == 2  # only the two it had not reached
    assert analyser.calls == 2  # the broken one fails at its decode
    assert {s.song_id for s in (await service.get_many(ids)).values()} == set(ids)
    await service.close()


async def test_a_song_longer_than_the_limit_is_refused_with_the_setting_named(
    tmp_path: Path, clips: tuple[list[Case], list[Path]]
) -> None:
    db = Database(Settings(data_dir=tmp_path).resolved_database_url)
    await db.upgrade()
    try:
        service, ids, analyser = await _library(db, tmp_path, clips[1])
        service.policy = AnalysisPolicy(max_seconds=2.0)
        outcome, reason = await service.analyse_song(ids[0])
        assert outcome == "failed" and reason is not None
        assert "TONEARM_ANALYSIS_MAX_MINUTES" in reason and analyser.calls == 0
        await service.close()
    finally:
        await db.close()


async def test_without_the_analyser_nothing_is_decoded_and_the_reason_is_plain(
    tmp_path: Path,
) -> None:
    from tonearm.analysis.service import NOT_INSTALLED, AnalysisUnavailable

    def missing() -> Analyser:
        raise AnalysisUnavailable(NOT_INSTALLED)

    class NoAudio:
        async def decode(self, song_id: UUID, dest: Path, max_seconds: float) -> None:
            raise AssertionError("nothing is decoded when analysis is unavailable")

    service = AnalysisService(
        SqlFeatureRepository(None),  # type: ignore[arg-type]
        NoAudio(),
        lambda: NOW,
        analyser=missing,
    )
    assert not await service.wants_pcm()
    status = await service.status()
    assert not status.available and status.reason == NOT_INSTALLED
    with pytest.raises(AnalysisUnavailable, match=r"numpy\) could not be imported"):
        await service.run()
    off = AnalysisService(
        SqlFeatureRepository(None),  # type: ignore[arg-type]
        NoAudio(),
        lambda: NOW,
        policy=AnalysisPolicy(enabled=False),
    )
    assert not await off.wants_pcm()
    assert "TONEARM_ANALYSIS" in ((await off.status()).reason or "")


async def test_enrichment_analyses_from_its_own_decode(
    tmp_path: Path, clips: tuple[list[Case], list[Path]]
) -> None:
    from tests.ingest.conftest import open_migrated

    cases, paths = clips
    folder = tmp_path / "music" / "Artist" / "Album"
    folder.mkdir(parents=True)
    shutil.copy(paths[0], folder / "01 One.wav")
    runtime: Runtime = await open_migrated(
        Settings(data_dir=tmp_path / "data", music_folders=[tmp_path / "music"])
    )
    try:

        class NoSecondDecode:
            async def decode(self, song_id: UUID, dest: Path, max_seconds: float) -> None:
                raise AssertionError("enrichment's own decode feeds the analysis")

        runtime.domains.analysis._audio = NoSecondDecode()
        summary = await runtime.domains.ingest.scan([tmp_path / "music"])
        assert summary.queued_for_enrichment == 1
        assert (await runtime.domains.ingest.enrich()).counts["enriched"] == 1
        (song_id,) = await runtime.domains.analysis._features.pending("none", 10)
        stored = await runtime.domains.analysis.get(song_id)
        assert stored.features is not None
        assert near_tempo(stored.features.tempo_bpm, cases[0].tempo)
        assert not list((tmp_path / "data" / "tmp").glob("tonearm-enrich-*"))
    finally:
        await runtime.close()
