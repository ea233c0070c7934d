"""Sonic similarity: how fast, and how good.

Speed: synthetic libraries of 10,000 and 100,000 analysed songs in a migrated SQLite
database (songs and song_features rows written in bulk with the adapter's own encoders,
`features_to_json` and `pack_embedding`: writing 100,000 songs one by one through the
repositories would take most of an hour here); the index is read through the real
SqlFeatureRepository (`similarity_rows`, `similarity_stamp`) by SonicSimilarity, as the
server does. Reported: index build time (rows read + arrays), the stamp check, and p50/p99 of
`similar` (count 10) and `path` (count 25) over random songs, through the service (the
catalogue lookup of the answer's songs included).

Quality: songs of distinct styles from bench/analysis_corpus.py (the analyser's seeded
generator, report seed), analysed by `analyse_pcm`, stored with SqlFeatureRepository.put:
for each song, the share of its 10 nearest (`similar`) that have its style. The target is
at least 80% on average.

    PYTHONPATH=src:. python bench/bench_similarity.py [--sizes 10000 100000] [--per-style 12]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from tonearm.adapters.db import Database
from tonearm.adapters.db.catalog_repository import SqlCatalog
from tonearm.adapters.db.song_features import (
    SqlFeatureRepository,
    features_to_json,
    pack_embedding,
)
from tonearm.adapters.db.song_repository import SqlSongRepository
from tonearm.adapters.db.tables import SongFeatureRow, SongRow
from tonearm.analysis import EMBEDDING_DIMS, Mode, MusicalKey, SongFeatures
from tonearm.analysis.similarity import SonicSimilarity
from tonearm.library.catalog_service import CatalogService
from tonearm.settings import Settings

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BATCH = 2000


def synthetic(rng: np.random.Generator, clusters: np.ndarray) -> SongFeatures:
    """A song near one of the cluster centres (so neighbours are meaningful)."""
    centre = clusters[rng.integers(len(clusters))]
    vector = centre + 0.35 * rng.standard_normal(EMBEDDING_DIMS)
    vector /= np.linalg.norm(vector)
    return SongFeatures(
        analyzer_version="bench",
        duration=200.0,
        tempo_bpm=float(rng.uniform(70, 180)),
        tempo_confidence=0.9,
        beats=(),
        meter=4,
        key=MusicalKey(int(rng.integers(12)), Mode.MAJOR if rng.random() < 0.5 else Mode.MINOR),
        key_confidence=0.6,
        loudness=(),
        energy=float(rng.random()),
        danceability=0.5,
        valence=0.5,
        intro_end=0.0,
        outro_start=200.0,
        leading_silence=0.0,
        trailing_silence=0.0,
        embedding=tuple(float(v) for v in vector),
    )


async def fill(database: Database, size: int, seed: int = 21) -> list[uuid.UUID]:
    rng = np.random.default_rng(seed)
    clusters = rng.standard_normal((64, EMBEDDING_DIMS))
    ids = [uuid.UUID(int=int(rng.integers(1 << 62)) << 64 | n) for n in range(size)]
    for start in range(0, size, BATCH):
        songs, features = [], []
        for song_id in ids[start : start + BATCH]:
            f = synthetic(rng, clusters)
            songs.append(
                {
                    "id": song_id,
                    "title": f"Song {song_id.hex[:8]}",
                    "sort_title": f"song {song_id.hex[:8]}",
                    "duration_ms": 200_000,
                    "source": "library",
                    "audio_hash": song_id.hex * 2,
                    "compilation": False,
                    "added_at": NOW,
                    "last_updated": NOW,
                }
            )
            key = f.key
            assert key is not None
            features.append(
                {
                    "song_id": song_id,
                    "features": features_to_json(f),
                    "analyzer_version": f.analyzer_version,
                    "analyzed_at": NOW,
                    "status": "done",
                    "tempo_bpm": f.tempo_bpm,
                    "key_pitch": key.pitch,
                    "key_mode": key.mode.value,
                    "energy": f.energy,
                    "danceability": f.danceability,
                    "valence": f.valence,
                    "embedding": pack_embedding(f.embedding),
                }
            )
        async with database.sessions.begin() as session:
            await session.execute(insert(SongRow), songs)
            await session.execute(insert(SongFeatureRow), features)
    return ids


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


STALL = [0.0]


async def longest_stall() -> None:
    """Records in STALL the longest the event loop went without running this ticker (what
    a request arriving meanwhile would wait)."""
    STALL[0] = 0.0
    last = time.perf_counter()
    while True:
        await asyncio.sleep(0.002)
        now = time.perf_counter()
        STALL[0] = max(STALL[0], now - last)
        last = now


async def speed(size: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(Settings(data_dir=Path(tmp)).resolved_database_url)
        await database.upgrade()
        started = time.perf_counter()
        ids = await fill(database, size)
        filled = time.perf_counter() - started
        repo = SqlFeatureRepository(database.sessions)
        sonic = SonicSimilarity(repo, CatalogService(SqlCatalog(database.sessions), b"bench"))
        started = time.perf_counter()
        stalls = asyncio.create_task(longest_stall())
        rows = await repo.similarity_rows()
        read = time.perf_counter() - started
        stalls.cancel()
        await asyncio.gather(stalls, return_exceptions=True)
        del rows
        started = time.perf_counter()
        index = await sonic.index()
        built = time.perf_counter() - started
        stamps = []
        for _ in range(20):
            started = time.perf_counter()
            await repo.similarity_stamp()
            stamps.append(time.perf_counter() - started)
        pick = random.Random(size)
        for _ in range(5):  # warm-up: the worker thread pool, first-call allocations
            await sonic.similar(pick.choice(ids), 10)
        similar, path = [], []
        for _ in range(queries):
            song = pick.choice(ids)
            started = time.perf_counter()
            found = await sonic.similar(song, 10)
            similar.append(time.perf_counter() - started)
            assert len(found) == 10
        for _ in range(max(20, queries // 5)):
            a, b = pick.choice(ids), pick.choice(ids)
            started = time.perf_counter()
            found = await sonic.path(a, b, 25)
            path.append(time.perf_counter() - started)
            assert found[0].song.id == a and found[-1].song.id == b
        print(f"{size:>7,} songs (filled in {filled:.1f} s; index {index.nbytes / 1e6:.1f} MB)")
        print(
            f"  index build (rows read + arrays)  {built * 1000:8.0f} ms (rows alone {read * 1000:.0f} ms)"
        )
        print(f"  longest event-loop stall while reading rows  {STALL[0] * 1000:.0f} ms")
        print(f"  stamp check                       {percentiles(stamps)}")
        print(f"  similar(count=10), {queries} queries  {percentiles(similar)}")
        print(f"  path(count=25), {len(path)} queries     {percentiles(path)}")
        await database.close()


async def quality(per_style: int, seconds: float) -> None:
    from bench.analysis_corpus import REPORT_SEED, STYLE_NAMES, generate_case
    from tests.factories import make_draft

    from tonearm.analysis.analyser import analyse_pcm

    count = per_style * len(STYLE_NAMES)
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(Settings(data_dir=Path(tmp)).resolved_database_url)
        await database.upgrade()
        songs = SqlSongRepository(database.sessions)
        repo = SqlFeatureRepository(database.sessions)
        style_of: dict[uuid.UUID, str] = {}
        started = time.perf_counter()
        for index in range(count):
            case = generate_case(REPORT_SEED, index, duration=seconds)
            features = await asyncio.to_thread(analyse_pcm, case.samples, case.sample_rate)
            song_id = uuid.uuid4()
            await songs.add(song_id, make_draft(title=case.name), NOW)
            await repo.put(song_id, features, NOW)
            style_of[song_id] = case.style
        print(
            f"quality: {count} songs, {len(STYLE_NAMES)} styles x {per_style}, {seconds:.0f} s each "
            f"(generated and analysed in {time.perf_counter() - started:.0f} s; seed {REPORT_SEED})"
        )
        sonic = SonicSimilarity(repo, CatalogService(SqlCatalog(database.sessions), b"bench"))
        by_style: dict[str, list[float]] = defaultdict(list)
        for song_id, style in style_of.items():
            found = await sonic.similar(song_id, 10)
            share = sum(style_of[m.song.id] == style for m in found) / len(found)
            by_style[style].append(share)
        # The embedding alone (the index's standardised cosine, no tempo/key/energy): what
        # the analyser's embedding gives by itself.
        index = await sonic.index()
        alone: list[float] = []
        for at in range(len(index)):
            cosine = index.embeddings @ index.embeddings[at]
            cosine[at] = -2.0
            nearest = np.argsort(-cosine)[:10]
            query = style_of[index.song_id(at)]
            alone.append(sum(style_of[index.song_id(int(i))] == query for i in nearest) / 10)
        print(f"  embedding alone {statistics.mean(alone) * 100:5.1f}%")
        every = [s for shares in by_style.values() for s in shares]
        for style, shares in sorted(by_style.items()):
            print(
                f"  {style:<8} {statistics.mean(shares) * 100:5.1f}% of the 10 nearest share the style"
            )
        print(
            f"  overall  {statistics.mean(every) * 100:5.1f}% (target >= 80%); queries at >= 80%: "
            f"{sum(s >= 0.8 for s in every)}/{len(every)}"
        )
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--per-style", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    for size in args.sizes:
        asyncio.run(speed(size, args.queries))
    if not args.skip_quality and args.per_style > 0:
        asyncio.run(quality(args.per_style, args.seconds))


if __name__ == "__main__":
    main()
