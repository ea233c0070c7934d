"""The play rule on SQLite and PostgreSQL: what counts as a play, in batches and out of order."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from tests.listening.conftest import START, Listening, event
from tonearm.listening import CountedPlay, recent_plays_key

pytestmark = pytest.mark.anyio


async def test_a_skip_within_30_seconds_rejects_the_play(listening: Listening) -> None:
    song = await listening.add_song()
    await listening.service.record_events(
        listening.user_id, [event("play", song, 0), event("skip", song, 10)]
    )
    listening.clock.advance(3600)
    assert await listening.service.settle_plays() == 0
    assert await listening.play_count(song) == 0
    assert await listening.history_song_ids() == []


async def test_a_skip_after_30_seconds_leaves_the_play_counted(listening: Listening) -> None:
    song = await listening.add_song()
    await listening.service.record_events(
        listening.user_id, [event("play", song, 0), event("skip", song, 40)]
    )
    assert await listening.play_count(song) == 1
    assert await listening.history_song_ids() == [song]


async def test_a_skip_in_a_later_batch_still_rejects_a_pending_play(
    listening: Listening,
) -> None:
    song = await listening.add_song()
    listening.clock.now = START + timedelta(seconds=5)
    await listening.service.record_events(listening.user_id, [event("play", song, 0)])
    assert await listening.play_count(song) == 0  # pending: a skip may still come
    listening.clock.advance(10)
    await listening.service.record_events(listening.user_id, [event("skip", song, 12)])
    listening.clock.advance(3600)
    await listening.service.settle_plays()
    assert await listening.play_count(song) == 0
    assert await listening.history_song_ids() == []


async def test_a_complete_alone_counts_once(listening: Listening) -> None:
    song = await listening.add_song()
    complete = event("complete", song, 0)
    first = await listening.service.record_events(listening.user_id, [complete])
    retry = await listening.service.record_events(listening.user_id, [complete])
    assert (first.accepted, first.duplicates) == (1, 0)
    assert (retry.accepted, retry.duplicates) == (0, 1)
    assert await listening.play_count(song) == 1
    assert await listening.history_song_ids() == [song]


async def test_a_play_and_its_complete_count_once(listening: Listening) -> None:
    song = await listening.add_song()
    await listening.service.record_events(
        listening.user_id, [event("play", song, 0), event("complete", song, 170)]
    )
    await listening.service.record_events(listening.user_id, [event("complete", song, 175)])
    listening.clock.advance(3600)
    await listening.service.settle_plays()
    assert await listening.play_count(song) == 1
    assert await listening.history_song_ids() == [song]


async def test_a_complete_after_a_play_counted_by_time_adds_nothing(
    listening: Listening,
) -> None:
    song = await listening.add_song()
    listening.clock.now = START
    await listening.service.record_events(listening.user_id, [event("play", song, 0)])
    listening.clock.advance(31)
    assert await listening.service.settle_plays() == 1
    await listening.service.record_events(listening.user_id, [event("complete", song, 170)])
    assert await listening.play_count(song) == 1


async def test_a_late_play_before_a_counted_complete_adds_nothing(
    listening: Listening,
) -> None:
    song = await listening.add_song()
    await listening.service.record_events(listening.user_id, [event("complete", song, 170)])
    await listening.service.record_events(listening.user_id, [event("play", song, 0)])
    listening.clock.advance(3600)
    await listening.service.settle_plays()
    assert await listening.play_count(song) == 1
    assert await listening.history_song_ids() == [song]


async def test_an_out_of_order_batch_is_judged_by_timestamps(listening: Listening) -> None:
    skipped, played = await listening.add_song(), await listening.add_song()
    await listening.service.record_events(
        listening.user_id,
        [
            event("skip", skipped, 8),
            event("skip", played, 100),
            event("play", played, 50),
            event("play", skipped, 0),
        ],
    )
    listening.clock.advance(3600)
    await listening.service.settle_plays()
    assert await listening.play_count(skipped) == 0
    assert await listening.play_count(played) == 1


async def test_sessions_are_judged_apart(listening: Listening) -> None:
    song = await listening.add_song()
    listening.clock.now = START
    await listening.service.record_events(
        listening.user_id,
        [event("play", song, 0, session="phone"), event("skip", song, 5, session="laptop")],
    )
    listening.clock.advance(31)
    assert await listening.service.settle_plays() == 1
    assert await listening.play_count(song) == 1


async def test_a_later_event_of_the_session_settles_a_pending_play(
    listening: Listening,
) -> None:
    first, second = await listening.add_song(), await listening.add_song()
    listening.clock.now = START
    await listening.service.record_events(listening.user_id, [event("play", first, 0)])
    assert await listening.play_count(first) == 0
    # Server time has not moved; the session moving on 31 s is enough.
    await listening.service.record_events(listening.user_id, [event("play", second, 31)])
    assert await listening.play_count(first) == 1
    assert await listening.play_count(second) == 0


async def test_pending_plays_are_settled_by_server_time(listening: Listening) -> None:
    song = await listening.add_song()
    listening.clock.now = START
    await listening.service.record_events(listening.user_id, [event("play", song, 0)])
    listening.clock.advance(30)
    assert await listening.service.settle_plays() == 0
    assert await listening.play_count(song) == 0
    listening.clock.advance(1)
    # Reading the history settles the reader's own pending plays.
    assert await listening.history_song_ids() == [song]
    assert await listening.play_count(song) == 1
    assert await listening.service.settle_plays() == 0


async def test_counted_plays_fill_the_recent_plays_cache(listening: Listening) -> None:
    first, second = await listening.add_song(), await listening.add_song()
    await listening.service.record_events(
        listening.user_id, [event("complete", first, 0), event("complete", second, 200)]
    )
    key = recent_plays_key(listening.user_id)
    cached = await listening.cache.get(key)
    assert cached is not None
    assert [item["song_id"] for item in json.loads(cached)] == [str(second), str(first)]
    ttl = await listening.cache.ttl(key)
    assert ttl is not None and 7 * 24 * 3600 - 5 < ttl <= 7 * 24 * 3600
    recent = await listening.service.recent_plays(listening.user_id)
    assert [play.song_id for play in recent] == [second, first]


async def test_concurrent_batches_lose_no_count(listening: Listening) -> None:
    song = await listening.add_song()
    users = [await listening.add_user(f"user{n}") for n in range(6)]
    # Two batches per user at once (serialised per user), six users in parallel; each
    # complete is in its own session, so each counts.
    batches = [
        listening.service.record_events(user, [event("complete", song, 0, session=f"s{n}")])
        for user in users
        for n in range(2)
    ]
    await asyncio.gather(*batches)
    assert await listening.play_count(song) == len(users) * 2


async def test_the_cached_recent_plays_stay_those_a_rebuild_would_give(
    listening: Listening,
) -> None:
    # Counting batches merge their plays into the cached list (no query each time): after
    # plays out of order, a pending play counted later, ties and more than the list keeps,
    # the cache holds exactly what a rebuild from the database gives.
    songs = [await listening.add_song() for _ in range(4)]
    listening.clock.advance(540)  # START + 600 s
    await listening.service.record_events(
        listening.user_id, [event("complete", songs[0], 500, session="first")]
    )
    assert await listening.cache.get(recent_plays_key(listening.user_id)) is not None
    await listening.service.record_events(
        listening.user_id,
        [event("play", songs[1], 590, session="late"), event("complete", songs[2], 100)],
    )
    for n in range(110):  # past the 100 kept
        await listening.service.record_events(
            listening.user_id,
            [
                event("complete", songs[n % 4], 200 + n, session=f"a{n}"),
                event("complete", songs[3], 200 + n, session=f"b{n}"),
            ],
        )
    listening.clock.advance(60)
    assert await listening.service.settle_plays() == 1  # the pending play counts now
    cached = await listening.service.recent_plays(listening.user_id)
    rebuilt = await listening.service._refresh_recent(listening.user_id)
    assert len(cached) == 100
    assert cached == rebuilt
    assert cached[0] == CountedPlay(songs[1], START + timedelta(seconds=590))
