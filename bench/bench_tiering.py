"""Storage tiering and popularity, measured.

1. Tiering: a library of `--songs` (1,000) three-minute songs, every one with the five
   renditions as objects of their real sizes divided by `--scale` (the ratio saved does
   not depend on the scale; bytes are printed scaled back up): high 320 kbps, medium 128,
   low 64, efficient 96, a 30-s preview at 128, and a 30 MB FLAC original. Counted plays
   in the last 30 days follow Zipf: the song of rank r gets round(top / r^s) plays. All
   songs were added 90 days ago; 2% are liked. Prints rendition bytes in the store (and
   with originals) before and after one tiering run, against the spec's 60–80% claim.
2. Popularity: `--interactions` (1,000,000) rows bulk-inserted over 30 days on the same
   songs; the time and peak memory (Python heap, tracemalloc; and the process's peak RSS)
   of one `library.popularity` run.

Embedded stack (SQLite, local disk, in-process cache), in a temp directory.
Run: PYTHONPATH=src:. .venv/bin/python bench/bench_tiering.py [--songs N] [--interactions N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from tests.factories import make_draft

from tonearm.adapters.db.tables import StarredItemRow, UserInteractionRow
from tonearm.app import Services, open_services
from tonearm.library.models import StoredRendition
from tonearm.library.popularity import PopularityPolicy, refresh_popularity
from tonearm.settings import Settings
from tonearm.users import Role

SECONDS = 180
KBPS = {"high": 320, "medium": 128, "low": 64, "efficient": 96}
PREVIEW_BYTES = 30 * 128_000 // 8
ORIGINAL_BYTES = 30_000_000
PATHS = {"preview": ("previews", "mp3"), "efficient": ("efficient", "webm")}


def real_sizes() -> dict[str, int]:
    sizes = {kind: kbps * 1000 * SECONDS // 8 for kind, kbps in KBPS.items()}
    return sizes | {"preview": PREVIEW_BYTES}


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_bytes(services: Services, prefix: str) -> int:
    return sum([info.size_bytes async for info in services.store.list(prefix)])


async def build_library(
    services: Services, songs: int, scale: int, now: datetime
) -> list[uuid.UUID]:
    added = now - timedelta(days=90)
    ids = []
    for _ in range(songs):
        song_id = uuid.uuid4()
        original = f"original/{song_id}.flac"
        await services.songs.add(song_id, make_draft(original_key=original), added)
        await services.store.put_stream(original, _once(bytes(ORIGINAL_BYTES // scale)))
        for kind, size in real_sizes().items():
            prefix, extension = PATHS.get(kind, (kind, "mp3"))
            key = f"{prefix}/{song_id}.{extension}"
            info = await services.store.put_stream(key, _once(bytes(size // scale)))
            await services.songs.add_rendition(
                song_id, StoredRendition(kind, "mp3", KBPS.get(kind), info.size_bytes, key, added)
            )
        ids.append(song_id)
    return ids


async def add_rows(services: Services, rows: list[dict[str, object]]) -> None:
    async with services.database.sessions.begin() as session:
        for start in range(0, len(rows), 20_000):
            await session.execute(insert(UserInteractionRow), rows[start : start + 20_000])


def play_rows(user: uuid.UUID, song: uuid.UUID, at: datetime, action: str) -> dict[str, object]:
    counted = action in {"play", "complete", "replay"}
    return {
        "user_id": user,
        "song_id": song,
        "action": action,
        "occurred_at": at,
        "session_id": "bench",
        "client_event_id": uuid.uuid4().hex,
        "play_state": "counted" if counted else None,
        "counted_at": at if counted else None,
    }


async def bench(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-tiering-") as tmp:
        settings = Settings(data_dir=Path(tmp), tiering_url_settle_seconds=0.0)
        services = await open_services(settings, clock=lambda: now)
        try:
            user = (await services.users.add_user("bench", "correct horse battery", Role.USER)).id
            started = time.perf_counter()
            songs = await build_library(services, args.songs, args.scale, now)
            print(f"library: {len(songs)} songs stored in {time.perf_counter() - started:.1f} s")
            rng = random.Random(8)
            rows = []
            for rank, song in enumerate(songs, start=1):
                plays = round(args.top_plays / rank**args.zipf_s)
                for _ in range(plays):
                    at = now - timedelta(seconds=rng.uniform(0, 29 * 86400))
                    rows.append(play_rows(user, song, at, "play"))
            await add_rows(services, rows)
            liked = rng.sample(songs, len(songs) // 50)
            async with services.database.sessions.begin() as session:
                await session.execute(
                    insert(StarredItemRow),
                    [
                        {"user_id": user, "item_kind": "song", "item_id": s, "starred_at": now}
                        for s in liked
                    ],
                )
            below = sum(
                1 for r in range(1, len(songs) + 1) if args.top_plays / r**args.zipf_s < 4.5
            )
            above = sum(
                1 for r in range(1, len(songs) + 1) if round(args.top_plays / r**args.zipf_s) > 50
            )
            print(
                f"plays: Zipf s={args.zipf_s}, top song {args.top_plays}, {len(rows)} counted "
                f"plays; {below} songs < 5, {above} > 50, {len(liked)} liked"
            )
            prefixes = ("high/", "medium/", "low/", "efficient/", "previews/")
            before = {p: await store_bytes(services, p) for p in prefixes}
            originals = await store_bytes(services, "original/")
            started = time.perf_counter()
            report = await services.tiering.run()
            took = time.perf_counter() - started
            after = {p: await store_bytes(services, p) for p in prefixes}
            s = args.scale
            rb, ra = sum(before.values()) * s, sum(after.values()) * s
            print(f"tiering run: {took:.1f} s, removed {report.as_dict()['removed']}")
            for p in prefixes:
                print(f"  {p:<11} {before[p] * s / 1e9:7.2f} GB -> {after[p] * s / 1e9:7.2f} GB")
            print(f"renditions: {rb / 1e9:.2f} GB -> {ra / 1e9:.2f} GB, saved {1 - ra / rb:.1%}")
            ob = originals * s
            print(
                f"with originals ({ob / 1e9:.1f} GB, never touched): {(rb + ob) / 1e9:.2f} GB -> "
                f"{(ra + ob) / 1e9:.2f} GB, saved {1 - (ra + ob) / (rb + ob):.1%}"
            )
            print("spec claim: 60-80% saved")

            extra = args.interactions - len(rows)
            actions = ["play"] * 6 + ["complete"] * 3 + ["skip"] * 2 + ["like", "replay"]
            users = [user] + [
                (await services.users.add_user(f"u{i}", "correct horse battery", Role.USER)).id
                for i in range(9)
            ]
            started = time.perf_counter()
            batch: list[dict[str, object]] = []
            weights = [1 / r**args.zipf_s for r in range(1, len(songs) + 1)]
            picks = rng.choices(songs, weights=weights, k=extra)
            for song in picks:
                at = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
                batch.append(play_rows(rng.choice(users), song, at, rng.choice(actions)))
                if len(batch) == 100_000:
                    await add_rows(services, batch)
                    batch = []
            await add_rows(services, batch)
            print(
                f"popularity: {args.interactions} interactions inserted in "
                f"{time.perf_counter() - started:.0f} s"
            )
            tracemalloc.start()
            started = time.perf_counter()
            result = await refresh_popularity(
                services.popularity, services.cache, now, PopularityPolicy()
            )
            took = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"popularity run: {took:.2f} s, Python heap peak {peak / 1e6:.1f} MB, "
                f"process peak RSS {rss:.0f} MB (whole benchmark), {result}"
            )
        finally:
            await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=200)
    parser.add_argument("--top-plays", type=int, default=1000)
    parser.add_argument("--zipf-s", type=float, default=1.0)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
