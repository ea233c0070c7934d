"""TransitionService over the SQL repository (SQLite and PostgreSQL) and a local object
store: the popular pairs come from consecutive plays in a session, a run renders the top N
once (a second run keeps them, a re-analysed song's pair is rendered again), and listing
gives each transition's cut points. The renderer is a stand-in: tests/analysis/
test_transition_render.py renders real audio."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.analysis.test_feature_repository import add_songs, features
from tonearm.adapters.db import Database
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.adapters.db.tables import UserInteractionRow, UserRow
from tonearm.adapters.db.transitions import SqlTransitionRepository
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.analysis.transitions import (
    SongPair,
    TransitionPlan,
    TransitionService,
    transition_key,
)

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class FakeRenderer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, TransitionPlan]] = []

    async def render(
        self, from_input: str, to_input: str, plan: TransitionPlan, output: Path
    ) -> None:
        self.calls.append((from_input, to_input, plan))
        output.write_bytes(b"ID3 transition " + from_input.encode() + b" " + to_input.encode())


async def add_user(database: Database) -> uuid.UUID:
    user_id = uuid.uuid4()
    async with database.sessions.begin() as session:
        session.add(
            UserRow(
                id=user_id,
                username=f"u{user_id.hex[:8]}",
                password_hash="x",
                role="user",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return user_id


async def play(
    database: Database,
    user_id: uuid.UUID,
    session_id: str,
    songs: list[uuid.UUID],
    *,
    state: str = "counted",
) -> None:
    async with database.sessions.begin() as session:
        for index, song_id in enumerate(songs):
            session.add(
                UserInteractionRow(
                    user_id=user_id,
                    song_id=song_id,
                    action="play",
                    occurred_at=NOW + timedelta(minutes=4 * index),
                    session_id=session_id,
                    play_state=state,
                )
            )


@dataclasses.dataclass
class Setup:
    service: TransitionService
    renderer: FakeRenderer
    songs: list[uuid.UUID]
    features: SqlFeatureRepository
    store: LocalObjectStore


@pytest.fixture
async def setup(database: Database, tmp_path: Path) -> Setup:
    a, b, c, d = await add_songs(database, 4)
    first, second = await add_user(database), await add_user(database)
    # a→b three times (two users), b→c twice, c→d once; a session boundary is not a pair,
    # nor is a rejected play, nor a song followed by itself.
    await play(database, first, "s1", [a, b, c, d])
    await play(database, first, "s2", [a, b, b])
    await play(database, second, "s3", [a, b, c])
    await play(database, second, "s4", [d])
    await play(database, second, "s5", [a, c], state="rejected")
    feature_repo = SqlFeatureRepository(database.sessions)
    for song in (a, b, c):
        await feature_repo.put(song, features(), NOW)
    store = LocalObjectStore(tmp_path / "objects")
    renderer = FakeRenderer()

    async def song_input(song_id: uuid.UUID) -> str:
        return f"/music/{song_id}.flac"

    service = TransitionService(
        SqlTransitionRepository(database.sessions),
        feature_repo,
        store,
        renderer,
        song_input,
        lambda: NOW,
    )
    return Setup(service, renderer, [a, b, c, d], feature_repo, store)


async def test_popular_pairs_are_consecutive_plays_in_a_session(
    database: Database, setup: Setup
) -> None:
    a, b, c, d = setup.songs
    pairs = await SqlTransitionRepository(database.sessions).popular_pairs(10)
    assert pairs == [SongPair(a, b, 3), SongPair(b, c, 2), SongPair(c, d, 1)]
    assert await SqlTransitionRepository(database.sessions).popular_pairs(1) == [SongPair(a, b, 3)]


async def test_a_run_renders_the_top_pairs_once_and_resumes(setup: Setup) -> None:
    service, renderer, store, feature_repo = (
        setup.service,
        setup.renderer,
        setup.store,
        setup.features,
    )
    a, b, _, _ = setup.songs
    report = await service.run(limit=1)
    assert (report.rendered, report.kept, report.skipped) == (1, 0, 0)
    assert [call[:2] for call in renderer.calls] == [(f"/music/{a}.flac", f"/music/{b}.flac")]
    assert (await store.stat(transition_key(a, b))).size_bytes > 0
    # The next run with a larger bound keeps a→b, renders b→c, and skips c→d (d unanalysed).
    report = await service.run(limit=3)
    assert (report.rendered, report.kept, report.skipped) == (1, 1, 1)
    assert len(renderer.calls) == 2
    # A re-analysed song: its pairs no longer match, are not listed, and render again.
    await feature_repo.put(b, dataclasses.replace(features(), analyzer_version="v2"), NOW)
    await feature_repo.put(a, dataclasses.replace(features(), analyzer_version="v2"), NOW)
    assert await service.listing(a, None) == []
    report = await service.run(limit=3)
    assert (report.rendered, report.kept, report.skipped) == (2, 0, 1)
    assert [t.transition.to_song_id for t in await service.listing(a, None)] == [b]


async def test_listing_gives_cut_points_and_the_audio(setup: Setup) -> None:
    service = setup.service
    a, b, c, _ = setup.songs
    await service.run(limit=3)
    (listed,) = await service.listing(a, b)
    assert listed.transition.storage_key == f"transitions/{a}/{b}.mp3"
    assert listed.transition.duration_ms == 5000
    # features(): outro at 190 s, leading silence 0.25 s; its beats stop after 1.5 s, so
    # there is no beat near the outro to match on: a plain crossfade.
    assert (listed.plan.from_start, listed.plan.to_start, listed.plan.to_resume) == (
        190.0,
        0.25,
        5.25,
    )
    assert not listed.plan.beat_matched and not listed.transition.beat_matched
    assert [t.transition.from_song_id for t in await service.listing(None, c)] == [b]
    audio = await service.open_audio(a, b)
    data = b"".join([chunk async for chunk in audio.chunks])
    assert data.startswith(b"ID3 transition") and audio.size == len(data)
