"""What is trending: the hourly job's `trending:daily` list, else the most played songs.

The popularity job (the jobs issue) writes `trending:daily` as JSON:
`[{"song_id": "...", "score": 12.5}, ...]`, best first, with a 1-hour TTL. Until it has
run (or when the cache was emptied), the songs with the most counted plays stand in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from tonearm.adapters.cache.base import Cache
from tonearm.library.catalog import CatalogSong, SongFilter
from tonearm.library.catalog_service import CatalogService
from tonearm.library.models import SongNotFound

TRENDING_KEY = "trending:daily"
MAX_TRENDING = 100


@dataclass(frozen=True, slots=True)
class Trending:
    """Trending songs, best first, and where the ranking came from."""

    songs: list[CatalogSong]
    source: str  # "trending:daily" or "play_count"


async def trending_songs(catalog: CatalogService, cache: Cache, limit: int) -> Trending:
    """Up to `limit` (≤ 100) trending live songs."""
    limit = max(1, min(limit, MAX_TRENDING))
    raw = await cache.get(TRENDING_KEY)
    if raw is not None:
        songs = []
        for entry in json.loads(raw):
            try:
                songs.append(await catalog.song(UUID(str(entry["song_id"]))))
            except (SongNotFound, KeyError, ValueError):
                continue  # removed since the job ran, or a malformed entry
            if len(songs) == limit:
                break
        return Trending(songs, TRENDING_KEY)
    page = await catalog.songs(SongFilter(), "-play_count", None, limit)
    return Trending(list(page.items), "play_count")


class TrendingSongs:
    """The trending list the REST API and the web player's home show (cache, then plays)."""

    def __init__(self, catalog: CatalogService, cache: Cache) -> None:
        self._catalog = catalog
        self._cache = cache

    async def top(self, limit: int) -> Trending:
        """Up to `limit` (≤ 100) trending live songs."""
        return await trending_songs(self._catalog, self._cache, limit)
