"""Popularity: each song's score from recent interactions, and the trending lists it feeds.

The hourly job `library.popularity` recomputes, for every song,

    popularity_score = Σ  weight(action) × 0.5 ^ (age_days / half_life_days)

over the song's interactions of the last `window_days` (default 30), where `age_days` is the
interaction's age at the time of the run (fractional) and `half_life_days` defaults to 7: an
interaction from a week ago counts half, one from two weeks ago a quarter. The weights:

    play, replay (not rejected by the play rule)  +1, +2
    complete                                       +2
    like                                           +4
    add_to_playlist                                +2
    skip                                           -1
    dislike, unlike                                -4

A play the play rule rejected (skipped within 30 s) adds nothing; its skip subtracts. Songs
with no interaction in the window score 0. The sum is computed by the database (one
GROUP BY over the window), never row by row here.

Then the cache gets `trending:daily` (the top 100 with a positive score, as JSON
`[{"song_id", "score"}]`, read by `trending.py`) and `hot:songs:{id}` (metadata of the top
1,000) with a one-hour TTL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol
from uuid import UUID

import structlog

from tonearm.adapters.cache.base import Cache
from tonearm.library.trending import MAX_TRENDING, TRENDING_KEY

log = structlog.get_logger(__name__)

ACTION_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "play": 1.0,
        "replay": 2.0,
        "complete": 2.0,
        "like": 4.0,
        "add_to_playlist": 2.0,
        "skip": -1.0,
        "dislike": -4.0,
        "unlike": -4.0,
    }
)
HOT_SONGS = 1000
CACHE_TTL_SECONDS = 3600.0


def hot_song_key(song_id: UUID) -> str:
    """`hot:songs:{id}`: metadata of one of the top 1,000 songs."""
    return f"hot:songs:{song_id}"


@dataclass(frozen=True, slots=True)
class HotSong:
    """What `hot:songs:{id}` holds for one popular song."""

    song_id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int
    play_count: int
    popularity_score: float

    def to_json(self) -> bytes:
        """The cached JSON form."""
        data = asdict(self)
        data["song_id"] = str(self.song_id)
        data["artists"] = list(self.artists)
        return json.dumps(data).encode()


@dataclass(frozen=True, slots=True)
class PopularityPolicy:
    """The formula's parameters, from settings."""

    window_days: int = 30
    half_life_days: float = 7.0
    weights: Mapping[str, float] = field(default_factory=lambda: ACTION_WEIGHTS)


class PopularityRepository(Protocol):
    """The SQL side of popularity. Implemented in adapters/db/popularity.py."""

    async def recompute_scores(
        self, now: datetime, since: datetime, half_life_days: float, weights: Mapping[str, float]
    ) -> int:
        """Set every live song's `popularity_score` by the formula over interactions since
        `since`; how many songs have a non-zero score."""
        ...

    async def top_songs(self, limit: int) -> list[HotSong]:
        """Live songs with a positive score, best first (ties: most played, then id)."""
        ...


async def refresh_popularity(
    repository: PopularityRepository,
    cache: Cache,
    now: datetime,
    policy: PopularityPolicy | None = None,
) -> dict[str, Any]:
    """Recompute scores, then rewrite `trending:daily` and `hot:songs:*`; a summary."""
    policy = policy or PopularityPolicy()
    since = now - timedelta(days=policy.window_days)
    scored = await repository.recompute_scores(now, since, policy.half_life_days, policy.weights)
    hot = await repository.top_songs(HOT_SONGS)
    trending = [
        {"song_id": str(song.song_id), "score": round(song.popularity_score, 6)}
        for song in hot[:MAX_TRENDING]
    ]
    await cache.set(TRENDING_KEY, json.dumps(trending).encode(), ttl_seconds=CACHE_TTL_SECONDS)
    for song in hot:
        await cache.set(hot_song_key(song.song_id), song.to_json(), ttl_seconds=CACHE_TTL_SECONDS)
    log.info("popularity.refreshed", scored=scored, trending=len(trending), hot=len(hot))
    return {"scored_songs": scored, "trending": len(trending), "hot_songs": len(hot)}


class PopularityRefresh:
    """The hourly popularity job's work: scores, `trending:daily` and `hot:songs:*`."""

    def __init__(
        self,
        repository: PopularityRepository,
        cache: Cache,
        policy: PopularityPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._policy = policy
        self._clock = clock

    async def run(self) -> dict[str, Any]:
        """Recompute everything from the interactions in the policy's window, now."""
        return await refresh_popularity(self._repository, self._cache, self._clock(), self._policy)


__all__ = [
    "ACTION_WEIGHTS",
    "HotSong",
    "PopularityPolicy",
    "PopularityRefresh",
    "PopularityRepository",
    "hot_song_key",
    "refresh_popularity",
]
