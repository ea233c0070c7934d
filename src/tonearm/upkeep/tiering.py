"""Storage tiering: drop the big renditions of songs nobody plays, bring them back when played.

The rule, on each live song's counted plays of the last 30 days (rows of `user_interactions`
whose `counted_at` falls in the window: the play rule's plays):

    plays < drop_medium_below (5)           keep low, efficient and preview (drop high, medium)
    drop_medium_below ≤ plays ≤ keep_all_above (50)   drop high
    plays > keep_all_above                  keep everything

Songs added within the spare window (30 days) and songs anyone liked are never tiered.
Originals, waveforms and cover art are never touched; nor is a rendition row that names the
original's own object (a CBR MP3 original standing in for a tier: library/ladder.py), and a
tier the song never gets (same codec as the original, at or above its bitrate) is never
re-rendered.

Removing one rendition, in this order, so no client is handed a URL to a deleted object:
  1. delete its row: from now on no URL is signed for it, and the media endpoint refuses
     tokens for it (clients ask again and get the best rendition present);
  2. drop the song's cached signed URLs (every user, every quality);
  3. wait `url_settle` and drop them again: a URL signed from a read made just before step 1
     may have been cached after step 2;
  4. in edge mode (TONEARM_MEDIA_DELIVERY=edge), wait one stream URL lifetime more: nginx
     checks those URLs without asking tonearm, so one signed just before step 1 still
     plays until it expires, and must find its bytes (`keep_bytes_seconds`; once per run,
     after the last batch's rows are gone);
  5. delete the object.

A song whose plays now call for a rendition it lacks gets a `library.rerender` job (from its
original, through ingest's ffmpeg rendition code) at the next run. Until then streaming
serves the best rendition present.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import structlog

from tonearm.library.ladder import SourceAudio, estimated_kbps, needless_kinds
from tonearm.streaming.quality import Quality

log = structlog.get_logger(__name__)

TIERED_KINDS = ("high", "medium")
BATCH_SONGS = 100
# Every cache key family a removed rendition could be cached under: a request for any
# quality may have been served by it (best_present falls back across the ladder).
URL_QUALITIES = [quality.value for quality in Quality if quality is not Quality.AUTO]

UrlForgetter = Callable[[UUID, list[UUID], list[str]], Awaitable[None]]
RERENDER_JOB = "library.rerender"
TIERING_JOB = "library.tiering"


class JobEnqueuer(Protocol):
    """Queues a job run (the jobs domain's JobService)."""

    async def enqueue(self, job_name: str, payload: Mapping[str, Any] | None = None) -> object:
        """Record a run of `job_name` with `payload` and queue it."""
        ...


@dataclass(frozen=True, slots=True)
class TieringPolicy:
    """Thresholds and windows, from settings."""

    drop_medium_below: int = 5
    keep_all_above: int = 50
    window: timedelta = timedelta(days=30)
    spare_window: timedelta = timedelta(days=30)
    url_settle_seconds: float = 1.0
    # Edge mode: how long a dropped rendition's bytes outlive its row (a URL lifetime).
    keep_bytes_seconds: float = 0.0
    # Which tiered kinds ingest makes at all (a kind ingest never makes is never re-rendered).
    rendered_kinds: frozenset[str] = frozenset(TIERED_KINDS)

    def kinds_to_keep(self, plays: int) -> frozenset[str]:
        """Of high and medium, the kinds a song with `plays` counted plays keeps."""
        if plays > self.keep_all_above:
            return frozenset(TIERED_KINDS)
        if plays >= self.drop_medium_below:
            return frozenset({"medium"})
        return frozenset()


@dataclass(frozen=True, slots=True)
class TieredObject:
    """A stored high or medium rendition of a song."""

    kind: str
    size_bytes: int
    storage_key: str


@dataclass(frozen=True, slots=True)
class SongTier:
    """What tiering needs to know about one live song."""

    song_id: UUID
    plays: int  # counted plays in the window
    added_at: datetime
    liked: bool
    has_original: bool
    objects: Sequence[TieredObject]
    original_key: str | None = None  # the original's object (never deleted here)
    original_format: str | None = None
    original_size_bytes: int | None = None
    duration_ms: int = 0

    @property
    def needless(self) -> frozenset[str]:
        """The tiers this song never gets (library/ladder.py)."""
        kbps = estimated_kbps(self.original_size_bytes, self.duration_ms)
        return needless_kinds(SourceAudio(self.original_format, kbps, estimated=True))


@dataclass(frozen=True, slots=True)
class RemovedRendition:
    """A rendition tiering dropped (or, in a dry run, would drop)."""

    song_id: UUID
    kind: str
    size_bytes: int
    storage_key: str


@dataclass
class TieringReport:
    """What a run did or, dry, would do."""

    dry_run: bool
    songs_seen: int = 0
    songs_spared: int = 0
    removed: list[RemovedRendition] = field(default_factory=list)
    rerender: dict[UUID, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The job's result: bytes and counts per kind."""
        freed: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        for item in self.removed:
            freed[item.kind] += item.size_bytes
            counts[item.kind] += 1
        return {
            "dry_run": self.dry_run,
            "songs_seen": self.songs_seen,
            "songs_spared": self.songs_spared,
            "removed": dict(counts),
            "freed_bytes": dict(freed),
            "freed_bytes_total": sum(freed.values()),
            "rerender_songs": len(self.rerender),
        }


class TieringRepository(Protocol):
    """The SQL side of tiering. Implemented in adapters/db/tiering.py."""

    async def song_tiers(self, window_start: datetime, kinds: Collection[str]) -> list[SongTier]:
        """Every live song with its counted plays since `window_start`, whether anyone likes
        it, whether it has an original, and its stored objects of `kinds`."""
        ...

    async def remove_rendition(self, song_id: UUID, kind: str) -> RemovedRendition | None:
        """Delete the rendition's row; what it was, or None if it was already gone."""
        ...

    async def user_ids(self) -> list[UUID]:
        """Every account's id (whose cached stream URLs may name a song)."""
        ...


class ObjectDeleter(Protocol):
    """The one ObjectStore method tiering uses."""

    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...


class StorageTiering:
    """Applies the tiering rule to the whole library."""

    def __init__(
        self,
        repository: TieringRepository,
        store: ObjectDeleter,
        forget_urls: UrlForgetter,
        jobs: JobEnqueuer,
        *,
        policy: TieringPolicy,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._repository = repository
        self._store = store
        self._forget_urls = forget_urls
        self._jobs = jobs
        self._policy = policy
        self._clock = clock
        self._sleep = sleep

    async def forget_signed_urls(self, song_id: UUID) -> None:
        """Forget every user's cached stream URLs of a song (signed while it fell back to
        a lower rendition, before a re-render): the next request signs afresh."""
        users = await self._repository.user_ids()
        await self._forget_urls(song_id, users, URL_QUALITIES)

    async def run(self, *, dry_run: bool = False) -> TieringReport:
        """Tier every song; with `dry_run`, only report what would go (nothing changes)."""
        now = self._clock()
        policy = self._policy
        tiers = await self._repository.song_tiers(now - policy.window, TIERED_KINDS)
        report = TieringReport(dry_run=dry_run, songs_seen=len(tiers))
        planned: list[RemovedRendition] = []
        for song in tiers:
            recent = song.added_at > now - policy.spare_window
            keep = policy.kinds_to_keep(song.plays)
            if recent or song.liked:
                report.songs_spared += 1
                keep = frozenset(TIERED_KINDS)
            present = {item.kind for item in song.objects}
            missing = sorted((keep & policy.rendered_kinds) - present - song.needless)
            if missing and song.has_original and not recent:
                report.rerender[song.song_id] = missing
            planned.extend(
                RemovedRendition(song.song_id, item.kind, item.size_bytes, item.storage_key)
                for item in song.objects
                if item.kind not in keep and item.storage_key != song.original_key
            )
        if dry_run:
            report.removed = planned
            return report
        for song_id, kinds in report.rerender.items():
            await self._jobs.enqueue(RERENDER_JOB, {"song_id": str(song_id), "kinds": kinds})
        for start in range(0, len(planned), BATCH_SONGS):
            report.removed.extend(await self._unlink(planned[start : start + BATCH_SONGS]))
        if report.removed and policy.keep_bytes_seconds > 0:
            # URLs the edge checks on its own may still name these objects: keep the bytes
            # until every URL signed before the rows went has expired.
            log.info("tiering.keeping_bytes", seconds=policy.keep_bytes_seconds)
            await self._sleep(policy.keep_bytes_seconds)
            for item in report.removed:
                await self._store.delete(item.storage_key)
        log.info("tiering.done", **report.as_dict())
        return report

    async def _unlink(self, batch: list[RemovedRendition]) -> list[RemovedRendition]:
        """Steps 1-3 for a batch, and step 5 unless the bytes must outlive the rows."""
        removed = [
            gone
            for item in batch
            if (gone := await self._repository.remove_rendition(item.song_id, item.kind))
        ]
        if not removed:
            return []
        users = await self._repository.user_ids()
        songs = sorted({item.song_id for item in removed})
        await self._forget(songs, users)
        await self._sleep(self._policy.url_settle_seconds)
        await self._forget(songs, users)
        if self._policy.keep_bytes_seconds <= 0:
            for item in removed:
                await self._store.delete(item.storage_key)
        return removed

    async def _forget(self, songs: list[UUID], users: list[UUID]) -> None:
        for song_id in songs:
            await self._forget_urls(song_id, users, URL_QUALITIES)


__all__ = [
    "RemovedRendition",
    "SongTier",
    "StorageTiering",
    "TieredObject",
    "TieringPolicy",
    "TieringReport",
    "TieringRepository",
]
