"""The popularity job: decayed scores on songs, `trending:daily` and `hot:songs:*`."""

from __future__ import annotations

import json
import math
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.upkeep.conftest import FakeClock, add_interactions, add_song, add_user
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime
from tonearm.library.popularity import hot_song_key
from tonearm.library.trending import TRENDING_KEY
from tonearm.upkeep import POPULARITY_JOB

pytestmark = pytest.mark.anyio


async def scores(services: Runtime) -> dict[uuid.UUID, float]:
    async with services.database.sessions() as session:
        rows = await session.execute(select(SongRow.id, SongRow.popularity_score))
        return {song_id: score for song_id, score in rows}


async def run_job(services: Runtime, name: str) -> dict[str, object]:
    run = await services.domains.jobs.enqueue(name)
    done = await services.domains.jobs.execute(run.id, "test", services.domains)
    assert done is not None and done.state.value == "succeeded", done
    return dict(done.result or {})


async def test_scores_decay_with_age_and_weigh_each_action(
    services: Runtime, clock: FakeClock
) -> None:
    now = clock.now
    user = await add_user(services, "alice")
    loved = await add_song(services, added_at=now - timedelta(days=90), title="Loved")
    skipped = await add_song(services, added_at=now - timedelta(days=90))
    stale = await add_song(services, added_at=now - timedelta(days=90))
    # loved: two plays now (+1 each), a complete a week ago (+2 × ½), a like two weeks ago
    # (+4 × ¼), a rejected play (0).
    await add_interactions(services, user, loved, "play", [now, now - timedelta(minutes=5)])
    await add_interactions(services, user, loved, "complete", [now - timedelta(days=7)])
    await add_interactions(services, user, loved, "like", [now - timedelta(days=14)])
    await add_interactions(
        services, user, loved, "play", [now], counted=False, play_state="rejected"
    )
    await add_interactions(services, user, skipped, "skip", [now - timedelta(days=1)])
    await add_interactions(services, user, stale, "complete", [now - timedelta(days=31)])

    result = await run_job(services, POPULARITY_JOB)

    got = await scores(services)
    expected_loved = 1 + 2 ** (-5 / 60 / 24 / 7) + 2 * 0.5 + 4 * 0.25
    assert got[loved] == pytest.approx(expected_loved, rel=1e-6)
    assert got[skipped] == pytest.approx(-(2 ** (-1 / 7)), rel=1e-6)
    assert got[stale] == 0.0
    assert result["scored_songs"] == 2
    trending = json.loads(await services.cache.get(TRENDING_KEY) or b"[]")
    assert [entry["song_id"] for entry in trending] == [str(loved)]
    assert math.isclose(trending[0]["score"], expected_loved, rel_tol=1e-5)
    assert 0 < (await services.cache.ttl(TRENDING_KEY) or 0) <= 3600
    hot = json.loads(await services.cache.get(hot_song_key(loved)) or b"{}")
    assert hot["title"] == "Loved" and hot["song_id"] == str(loved)
    assert await services.cache.get(hot_song_key(skipped)) is None


async def test_a_later_run_forgets_interactions_that_left_the_window(
    services: Runtime, clock: FakeClock
) -> None:
    user = await add_user(services, "bob")
    song = await add_song(services, added_at=clock.now - timedelta(days=90))
    await add_interactions(services, user, song, "play", [clock.now])
    await run_job(services, POPULARITY_JOB)
    assert (await scores(services))[song] == pytest.approx(1.0)

    clock.advance(days=31)
    await run_job(services, POPULARITY_JOB)

    assert (await scores(services))[song] == 0.0
    assert json.loads(await services.cache.get(TRENDING_KEY) or b"null") == []


async def test_trending_top_100_and_hot_songs_rank_by_score(
    services: Runtime, clock: FakeClock
) -> None:
    user = await add_user(services, "carol")
    songs = [await add_song(services, added_at=clock.now) for _ in range(3)]
    for plays, song in zip((3, 1, 2), songs, strict=True):
        await add_interactions(services, user, song, "play", [clock.now] * plays)

    await run_job(services, POPULARITY_JOB)

    trending = json.loads(await services.cache.get(TRENDING_KEY) or b"[]")
    assert [entry["song_id"] for entry in trending] == [str(songs[i]) for i in (0, 2, 1)]
