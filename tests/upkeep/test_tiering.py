"""Storage tiering: the rule on generated play histories, spared songs, originals, dry run,
re-render queued for songs that became popular again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from pydantic import SecretStr

from tests.clock import FakeClock
from tests.upkeep.conftest import (
    SIZES,
    add_interactions,
    add_song,
    add_user,
    like,
    object_hash,
    rendition_key,
    stored_kinds,
)
from tonearm.adapters.storage.base import ObjectNotFound
from tonearm.app import Runtime, storage_tiering
from tonearm.jobs import JobState
from tonearm.settings import Settings
from tonearm.upkeep import CLEANUP_JOB, RERENDER_JOB, TIERING_JOB

pytestmark = pytest.mark.anyio

ALL = set(SIZES)
# Counted plays in the window → the renditions the rule keeps.
RULE = {
    0: ALL - {"high", "medium"},
    4: ALL - {"high", "medium"},
    5: ALL - {"high"},
    50: ALL - {"high"},
    51: ALL,
}


async def run_tiering(services: Runtime, **payload: object) -> dict[str, object]:
    run = await services.domains.jobs.enqueue(TIERING_JOB, payload)
    done = await services.domains.jobs.execute(run.id, "test", services.domains)
    assert done is not None and done.state is JobState.SUCCEEDED, done
    return dict(done.result or {})


async def library_with_histories(services: Runtime, clock: FakeClock) -> dict[str, UUID]:
    """Old songs with 0, 4, 5, 50, 51 counted plays in the window (plus plays outside it
    and uncounted ones, which must not count); a new song and a liked song with none."""
    old = clock.now - timedelta(days=90)
    user = await add_user(services, "listener")
    songs: dict[str, UUID] = {}
    for plays in RULE:
        song = await add_song(services, added_at=old)
        songs[f"plays-{plays}"] = song
        times = [clock.now - timedelta(days=29, hours=i % 600 / 24) for i in range(plays)]
        await add_interactions(services, user, song, "play", times)
        await add_interactions(services, user, song, "play", [clock.now - timedelta(days=31)] * 9)
        await add_interactions(services, user, song, "play", [clock.now] * 9, counted=False)
    songs["new"] = await add_song(services, added_at=clock.now - timedelta(days=29))
    songs["liked"] = await add_song(services, added_at=old)
    await like(services, user, songs["liked"], old)
    return songs


async def test_tiering_keeps_exactly_what_the_rule_says(
    services: Runtime, clock: FakeClock
) -> None:
    songs = await library_with_histories(services, clock)
    originals = {
        name: await object_hash(services, f"original/{song}.flac") for name, song in songs.items()
    }

    result = await run_tiering(services)

    for plays, kept in RULE.items():
        song = songs[f"plays-{plays}"]
        assert await stored_kinds(services, song) == kept, plays
        for kind in ALL - kept:
            with pytest.raises(ObjectNotFound):
                await services.store.stat(rendition_key(song, kind))
        for kind in kept:
            assert (await services.store.stat(rendition_key(song, kind))).size_bytes == SIZES[kind]
    assert await stored_kinds(services, songs["new"]) == ALL
    assert await stored_kinds(services, songs["liked"]) == ALL
    for name, song in songs.items():
        assert await object_hash(services, f"original/{song}.flac") == originals[name]
    assert result["removed"] == {"high": 4, "medium": 2}
    assert result["freed_bytes"] == {"high": 4 * SIZES["high"], "medium": 2 * SIZES["medium"]}
    assert result["songs_spared"] == 2


async def test_dry_run_reports_and_changes_nothing(services: Runtime, clock: FakeClock) -> None:
    songs = await library_with_histories(services, clock)
    before = {
        info.key: await object_hash(services, info.key) async for info in services.store.list()
    }

    result = await run_tiering(services, dry_run=True)

    assert result["dry_run"] is True
    assert result["freed_bytes_total"] == 4 * SIZES["high"] + 2 * SIZES["medium"]
    after = {
        info.key: await object_hash(services, info.key) async for info in services.store.list()
    }
    assert after == before
    for song in songs.values():
        assert await stored_kinds(services, song) == ALL
    assert await services.domains.jobs.recent(RERENDER_JOB) == []


async def test_a_song_played_again_gets_its_dropped_renditions_rerendered(
    services: Runtime, clock: FakeClock
) -> None:
    user = await add_user(services, "fan")
    song = await add_song(services, added_at=clock.now - timedelta(days=90))
    await run_tiering(services)
    assert await stored_kinds(services, song) == ALL - {"high", "medium"}
    assert await services.domains.jobs.recent(RERENDER_JOB) == []

    clock.advance(days=7)
    await add_interactions(services, user, song, "complete", [clock.now] * 51)
    await run_tiering(services)

    [queued] = await services.domains.jobs.recent(RERENDER_JOB)
    assert queued.payload == {"song_id": str(song), "kinds": ["high", "medium"]}


async def test_edge_mode_keeps_dropped_bytes_for_a_url_lifetime_even_through_a_cleanup(
    services: Runtime, settings: Settings, clock: FakeClock
) -> None:
    # Edge mode: nginx checks stream URLs without tonearm, so one signed just before the
    # rows went still plays until it expires; its bytes must be there all that time.
    edge = settings.model_copy(
        update={
            "media_delivery": "edge",
            "edge_secret": SecretStr("x" * 20),
            "stream_url_minutes": 45,
        }
    )
    song = await add_song(services, added_at=clock.now - timedelta(days=90))
    dropped = [rendition_key(song, kind) for kind in ("high", "medium")]
    waits: list[float] = []
    during: dict[str, object] = {}

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if seconds < 45 * 60:
            return  # the URL-cache settle
        # While tiering keeps the bytes: the rows are gone (no new URL names them) and the
        # objects look orphaned, days old; the weekly cleanup running now must keep them.
        during["kinds"] = await stored_kinds(services, song)
        clock.advance(days=8)
        cleanup = await services.domains.jobs.enqueue(CLEANUP_JOB)
        done = await services.domains.jobs.execute(cleanup.id, "test", services.domains)
        assert done is not None and done.state is JobState.SUCCEEDED, done
        during["orphans_removed"] = (done.result or {})["orphan_objects"]
        during["sizes"] = [(await services.store.stat(key)).size_bytes for key in dropped]

    tiering = storage_tiering(
        edge,
        services.database,
        services.store,
        services.domains.streaming,
        services.domains.jobs,
        clock,
        sleep=sleep,
    )
    run = await services.domains.jobs.enqueue(TIERING_JOB)
    done = await services.domains.jobs.execute(
        run.id, "test", replace(services.domains, tiering=tiering)
    )

    assert done is not None and done.state is JobState.SUCCEEDED, done
    assert waits[-1] == 45 * 60 and sum(waits) >= 45 * 60
    assert during == {
        "kinds": ALL - {"high", "medium"},
        "orphans_removed": 0,
        "sizes": [SIZES["high"], SIZES["medium"]],
    }
    for key in dropped:
        with pytest.raises(ObjectNotFound):
            await services.store.stat(key)


async def test_without_edge_mode_tiering_deletes_after_the_settle_only(
    services: Runtime, settings: Settings, clock: FakeClock
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    song = await add_song(services, added_at=clock.now - timedelta(days=90))
    tiering = storage_tiering(
        settings,
        services.database,
        services.store,
        services.domains.streaming,
        services.domains.jobs,
        clock,
        sleep=sleep,
    )
    await tiering.run()
    assert waits == [settings.tiering_url_settle_seconds]
    with pytest.raises(ObjectNotFound):
        await services.store.stat(rendition_key(song, "high"))
