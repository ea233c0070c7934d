"""SqlFeatureRepository on SQLite and PostgreSQL: rows round-trip, failures are kept with
their reason, `pending` is what a resumed run still has to do, and the index rows carry
the packed embedding."""

from __future__ import annotations

import math
import struct
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.analysis import (
    EMBEDDING_DIMS,
    AnalysisStatus,
    FeaturesNotFound,
    Mode,
    MusicalKey,
    SongFeatures,
)

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def features(version: str = "v1", tempo: float | None = 128.0) -> SongFeatures:
    raw = [math.sin(i + 1) for i in range(EMBEDDING_DIMS)]
    norm = math.sqrt(sum(v * v for v in raw))
    return SongFeatures(
        analyzer_version=version,
        duration=200.5,
        tempo_bpm=tempo,
        tempo_confidence=0.9,
        beats=(0.5, 0.969, 1.438),
        meter=4,
        key=MusicalKey(9, Mode.MINOR),
        key_confidence=0.7,
        loudness=(-20.0, -9.5, -9.25),
        energy=0.8,
        danceability=0.6,
        valence=0.3,
        intro_end=8.0,
        outro_start=190.0,
        leading_silence=0.25,
        trailing_silence=1.5,
        embedding=tuple(v / norm for v in raw),
    )


async def add_songs(database: Database, count: int) -> list[uuid.UUID]:
    songs = SqlSongRepository(database.sessions)
    ids = sorted(uuid.uuid4() for _ in range(count))
    for song_id in ids:
        await songs.add(song_id, make_draft(), NOW)
    return ids


async def test_features_round_trip_and_the_scalars_are_columns(database: Database) -> None:
    repo = SqlFeatureRepository(database.sessions)
    (song_id,) = await add_songs(database, 1)
    with pytest.raises(FeaturesNotFound):
        await repo.get(song_id)
    await repo.put(song_id, features(), NOW)
    stored = await repo.get(song_id)
    assert stored.status is AnalysisStatus.DONE
    assert stored.features is not None
    assert stored.features.key == MusicalKey(9, Mode.MINOR)
    assert stored.features.key.camelot == "8A"
    assert stored.features.tempo_bpm == pytest.approx(128.0)
    assert stored.features.beats == (0.5, 0.969, 1.438)
    assert stored.features.embedding == pytest.approx(features().embedding, abs=1e-6)
    assert stored.analyzed_at == NOW
    (row,) = await repo.similarity_rows()
    assert row.song_id == song_id and row.key == MusicalKey(9, Mode.MINOR)
    unpacked = struct.unpack(f"<{EMBEDDING_DIMS}f", row.embedding)
    assert unpacked == pytest.approx(features().embedding, abs=1e-6)


async def test_a_failure_is_kept_with_its_reason_and_replaced_by_a_success(
    database: Database,
) -> None:
    repo = SqlFeatureRepository(database.sessions)
    (song_id,) = await add_songs(database, 1)
    await repo.put_failure(song_id, "v1", "no audio", NOW)
    stored = await repo.get(song_id)
    assert (stored.status, stored.features, stored.error) == (
        AnalysisStatus.FAILED,
        None,
        "no audio",
    )
    assert await repo.similarity_rows() == []
    await repo.put(song_id, features(tempo=None), NOW + timedelta(minutes=1))
    again = await repo.get(song_id)
    assert again.status is AnalysisStatus.DONE and again.error is None
    assert again.features is not None and again.features.tempo_bpm is None


async def test_pending_lists_what_a_resumed_run_still_has_to_do(database: Database) -> None:
    repo = SqlFeatureRepository(database.sessions)
    ids = await add_songs(database, 5)
    await repo.put(ids[1], features("v1"), NOW)
    await repo.put_failure(ids[3], "v1", "broken", NOW)
    await repo.put(ids[4], features("v0"), NOW)  # an older analyser's result: to redo
    assert list(await repo.pending("v1", 10)) == [ids[0], ids[2], ids[4]]
    assert list(await repo.pending("v1", 10, after=ids[0])) == [ids[2], ids[4]]
    assert list(await repo.pending("v1", 1)) == [ids[0]]
    counts = await repo.counts("v1")
    assert (counts.done, counts.failed, counts.pending) == (1, 1, 3)
    got = await repo.get_many([ids[0], ids[1], ids[3]])
    assert set(got) == {ids[1], ids[3]}


async def test_a_song_removed_meanwhile_gets_no_row(database: Database) -> None:
    repo = SqlFeatureRepository(database.sessions)
    await repo.put(uuid.uuid4(), features(), NOW)
    assert await repo.similarity_rows() == []
