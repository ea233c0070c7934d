"""Sonic similarity over rows stored by SqlFeatureRepository (SQLite and PostgreSQL): the
blend ranks by embedding, tempo (octave-aware), Camelot key and energy; the song itself
and deleted songs are left out; a path runs from A to B in small steps; the index is
rebuilt when the stamp changes, and a missing song or numpy is a clear error."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.analysis.sonic_songs import angle, features
from tests.factories import make_draft
from tonearm.adapters.db import Database
from tonearm.adapters.db.catalog_repository import SqlCatalog
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.analysis import FeaturesNotFound, Mode, MusicalKey, SongFeatures
from tonearm.analysis.similarity import SimilarityUnavailable, SonicSimilarity
from tonearm.errors import InvalidInput
from tonearm.library.catalog_service import CatalogService

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Library:
    def __init__(self, database: Database) -> None:
        self.songs = SqlSongRepository(database.sessions)
        self.features = SqlFeatureRepository(database.sessions)
        self.clock = 0.0
        self.sonic = SonicSimilarity(
            self.features,
            CatalogService(SqlCatalog(database.sessions), b"secret", ["/music"]),
            clock=lambda: self.clock,
        )

    async def add(self, analysed: SongFeatures | None, at: datetime = NOW) -> uuid.UUID:
        song_id = uuid.uuid4()
        await self.songs.add(song_id, make_draft(), NOW)
        if analysed is not None:
            await self.features.put(song_id, analysed, at)
        return song_id


@pytest.fixture
async def library(database: Database) -> Library:
    return Library(database)


async def test_nearest_songs_blend_embedding_tempo_key_and_energy(library: Library) -> None:
    c_major = MusicalKey(0, Mode.MAJOR)
    query = await library.add(features(angle(0), 120.0, c_major, 0.5))
    twin = await library.add(features(angle(5), 60.0, c_major, 0.5))  # half tempo: same pulse
    off_tempo = await library.add(features(angle(5), 93.0, c_major, 0.5))
    clash = await library.add(features(angle(5), 120.0, MusicalKey(6, Mode.MAJOR), 0.5))
    far = await library.add(features(angle(80), 120.0, c_major, 0.5))
    await library.add(None)  # not analysed: never an answer

    found = await library.sonic.similar(query, 10)
    ids = [match.song.id for match in found]
    assert ids == [twin, clash, off_tempo, far] or ids == [twin, off_tempo, clash, far]
    assert query not in ids
    scores = [match.similarity for match in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] > 0.95 and scores[-1] < 0.75
    assert [m.song.id for m in await library.sonic.similar(query, 2)] == ids[:2]
    assert await library.sonic.similar(query, 0) == []


async def test_a_compatible_key_beats_a_clashing_one(library: Library) -> None:
    query = await library.add(features(angle(0), key=MusicalKey(9, Mode.MINOR)))  # 8A
    relative = await library.add(features(angle(3), key=MusicalKey(0, Mode.MAJOR)))  # 8B
    clash = await library.add(features(angle(3), key=MusicalKey(1, Mode.MINOR)))  # 12A
    found = await library.sonic.similar(query, 5)
    assert [m.song.id for m in found] == [relative, clash]
    assert found[0].similarity - found[1].similarity == pytest.approx(0.0375, abs=0.002)


async def test_deleted_songs_are_left_out_and_the_index_follows_changes(
    library: Library,
) -> None:
    query = await library.add(features(angle(0)))
    near = await library.add(features(angle(10)))
    other = await library.add(features(angle(40)))
    assert [m.song.id for m in await library.sonic.similar(query, 5)] == [near, other]
    assert library.sonic.builds == 1

    await library.songs.tombstone(near, NOW)
    # Within the check interval the stale index may hold it; the catalogue drops it.
    assert [m.song.id for m in await library.sonic.similar(query, 5)] == [other]
    assert library.sonic.builds == 1

    nearer = await library.add(features(angle(1)), NOW + timedelta(seconds=1))
    library.clock += 60
    # The stale check runs in the background: this answer still comes from the old index.
    assert [m.song.id for m in await library.sonic.similar(query, 5)] == [other]
    await library.sonic.settle()
    assert [m.song.id for m in await library.sonic.similar(query, 5)] == [nearer, other]
    assert library.sonic.builds == 2
    library.clock += 60  # nothing changed: checked, not rebuilt
    await library.sonic.similar(query, 5)
    await library.sonic.settle()
    assert library.sonic.builds == 2


async def test_a_path_goes_from_start_to_end_in_small_steps(library: Library) -> None:
    by_angle = {a: await library.add(features(angle(a))) for a in range(0, 91, 10)}
    await library.add(features(angle(-120)))  # off the way: never on the path
    path = await library.sonic.path(by_angle[0], by_angle[90], 10)
    assert [m.song.id for m in path] == [by_angle[a] for a in range(0, 91, 10)]
    assert path[0].similarity == 1.0
    similarities = [m.similarity for m in path]
    assert similarities == sorted(similarities, reverse=True)

    short = await library.sonic.path(by_angle[0], by_angle[90], 4)
    assert [m.song.id for m in short] == [by_angle[a] for a in (0, 30, 60, 90)]
    assert len({m.song.id for m in await library.sonic.path(by_angle[0], by_angle[90], 50)}) == 11


async def test_unknown_songs_and_bad_counts_are_clear_errors(library: Library) -> None:
    analysed = await library.add(features(angle(0)))
    pending = await library.add(None)
    with pytest.raises(FeaturesNotFound, match="not been analysed"):
        await library.sonic.similar(pending)
    with pytest.raises(FeaturesNotFound):
        await library.sonic.path(analysed, uuid.uuid4())
    with pytest.raises(InvalidInput, match="count"):
        await library.sonic.similar(analysed, 501)
    with pytest.raises(InvalidInput, match="count"):
        await library.sonic.path(analysed, analysed, 1)


async def test_without_numpy_every_query_says_so(database: Database) -> None:
    features_repo = SqlFeatureRepository(database.sessions)
    catalog = CatalogService(SqlCatalog(database.sessions), b"secret", ["/music"])
    sonic = SonicSimilarity(features_repo, catalog, available=False)
    with pytest.raises(SimilarityUnavailable, match=r"numpy could not be imported"):
        await sonic.similar(uuid.uuid4())


async def test_a_removed_song_alone_makes_the_index_rebuild(library: Library) -> None:
    query = await library.add(features(angle(0)))
    gone = await library.add(features(angle(10)))
    await library.sonic.similar(query, 5)
    stamp = await library.features.similarity_stamp()
    await library.songs.tombstone(gone, NOW)
    assert await library.features.similarity_stamp() != stamp
    library.clock += 60
    await library.sonic.similar(query, 5)
    await library.sonic.settle()
    assert library.sonic.builds == 2
    with pytest.raises(FeaturesNotFound):
        await library.sonic.similar(gone, 5)  # no longer in the index
