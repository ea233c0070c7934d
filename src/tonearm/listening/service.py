"""Listening: event intake, the play rule, history, preferences, `user:recent:`.

Likes are stars of songs: listening/stars.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from tonearm.adapters.cache.base import Cache, LockNotAcquired
from tonearm.listening.feed import ListeningFeed, tell_counted, tell_playing
from tonearm.listening.models import (
    MAX_CONTEXT_BYTES,
    MAX_EVENTS_PER_BATCH,
    BatchResult,
    CountedPlay,
    EventKind,
    HistoryEntry,
    ListeningEvent,
    Page,
    RejectedEvent,
    TooManyEvents,
    page_of,
    page_size,
)
from tonearm.listening.plays import judge_plays
from tonearm.listening.preferences import Preferences, preferences_from_document
from tonearm.listening.repository import ListeningRepository
from tonearm.streaming.quality import Quality, QualityPreferences

log = structlog.get_logger(__name__)

MAX_CLOCK_SKEW = timedelta(minutes=5)
RECENT_PLAYS_TTL_SECONDS = 7 * 24 * 3600
# The recommender looks at the last 100 plays, so that is what the cache keeps.
RECENT_PLAYS_KEPT = 100


def recent_plays_key(user_id: UUID) -> str:
    """The cache key of a user's recent plays (specification: `user:recent:{user_id}`)."""
    return f"user:recent:{user_id}"


class ListeningService:
    """What users' listening does: counts plays, keeps history and preferences."""

    def __init__(
        self,
        repository: ListeningRepository,
        cache: Cache,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        feed: ListeningFeed | None = None,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._clock = clock
        self._feed = feed

    async def record_events(self, user_id: UUID, events: Sequence[ListeningEvent]) -> BatchResult:
        """Take a batch of 1–100 events; raises TooManyEvents otherwise.

        Idempotent by client event id: an event seen before is a duplicate and changes
        nothing. An event more than 5 minutes in the future, with an oversized context or
        naming an unknown song is rejected with its reason; the others are stored.
        """
        if not 1 <= len(events) <= MAX_EVENTS_PER_BATCH:
            raise TooManyEvents(len(events))
        now = self._clock()
        rejected: list[RejectedEvent] = []
        valid: list[ListeningEvent] = []
        for event in events:
            reason = _refusal(event, now)
            if reason is None:
                valid.append(event)
            else:
                rejected.append(RejectedEvent(event.client_event_id, reason))
        outcome = await self._repository.record(user_id, valid, now, judge_plays)
        await self._remember_plays(user_id, outcome.counted)
        started = [e for e in valid if e.kind in (EventKind.PLAY, EventKind.REPLAY)]
        if started:
            latest = max(started, key=lambda event: event.occurred_at)
            await tell_playing(self._feed, user_id, latest.song_id, latest.occurred_at)
        log.info(
            "listening.batch",
            user_id=str(user_id),
            accepted=outcome.accepted,
            duplicates=outcome.duplicates,
            rejected=len(rejected) + len(outcome.rejected),
            counted=len(outcome.counted),
        )
        return BatchResult(outcome.accepted, outcome.duplicates, rejected + outcome.rejected)

    async def playing_now(self, user_id: UUID, song_id: UUID, started_at: datetime) -> None:
        """A player says the song is playing (Subsonic `scrobble` with submission=false):
        passed on to scrobbling; nothing is stored here."""
        await tell_playing(self._feed, user_id, song_id, started_at)

    async def settle_plays(self, now: datetime | None = None) -> int:
        """Judge every user's pending plays at `now` (default: the clock); returns how many
        plays counted. The jobs issue schedules this; history reads do it per user."""
        now = now or self._clock()
        counted = 0
        for user_id in await self._repository.users_with_pending_plays():
            plays = await self._repository.settle(user_id, now, judge_plays)
            await self._remember_plays(user_id, plays)
            counted += len(plays)
        return counted

    async def history(
        self, user_id: UUID, limit: int = 50, before: str | None = None
    ) -> Page[HistoryEntry]:
        """The user's counted plays, newest first, after settling their pending plays;
        raises InvalidCursor for a `before` this server did not give out."""
        plays = await self._repository.settle(user_id, self._clock(), judge_plays)
        await self._remember_plays(user_id, plays)
        limit = page_size(limit)
        entries = await self._repository.history(user_id, limit + 1, before)
        return page_of(entries, limit)

    async def preferences_for(self, user_id: UUID) -> Preferences:
        """The user's preferences, defaults where never set (streaming caps quality by it)."""
        document = await self._repository.preferences(user_id)
        return Preferences() if document is None else preferences_from_document(document)

    async def quality_preferences(self, user_id: UUID) -> QualityPreferences:
        """The quality part of the user's preferences, as streaming reads it."""
        preferences = await self.preferences_for(user_id)
        return QualityPreferences(
            forced={network.value: Quality(q.value) for network, q in preferences.quality.items()},
            max_quality=Quality(preferences.max_quality.value) if preferences.max_quality else None,
            data_saver=preferences.data_saver,
        )

    async def set_preferences(self, user_id: UUID, preferences: Preferences) -> Preferences:
        """Replace the user's preferences as a whole."""
        await self._repository.put_preferences(user_id, preferences.to_document(), self._clock())
        return preferences

    async def recent_plays(self, user_id: UUID) -> list[CountedPlay]:
        """The user's recent plays from the cache, newest first (rebuilt when missing)."""
        cached = await self._cache.get(recent_plays_key(user_id))
        if cached is None:
            return await self._refresh_recent(user_id)
        return [
            CountedPlay(UUID(item["song_id"]), datetime.fromisoformat(item["played_at"]))
            for item in json.loads(cached)
        ]

    async def _remember_plays(self, user_id: UUID, plays: list[CountedPlay]) -> None:
        if not plays:
            return
        # Every path that counts plays (a batch, settling, a history read) passes here.
        await tell_counted(self._feed, user_id, plays)
        try:
            await self._merge_recent(user_id, plays)
        except LockNotAcquired:
            # The plays are stored; the next counted play or a cache miss rebuilds the list.
            log.warning("listening.recent_plays_not_refreshed", user_id=str(user_id))

    async def _merge_recent(self, user_id: UUID, plays: list[CountedPlay]) -> None:
        # The cached list holds the newest RECENT_PLAYS_KEPT counted plays (all of them when
        # fewer), so adding the plays just counted and keeping the newest is the same list
        # as a rebuild from the database, without a query on every counting batch. Under the
        # lock, so two batches counting at once both land; merging twice (a rebuild that
        # already saw these plays) keeps one of each.
        key = recent_plays_key(user_id)
        async with self._cache.lock(key + ":lock", expire_seconds=10, wait_seconds=10):
            cached = await self._cache.get(key)
            if cached is None:
                await self._rebuild_recent(user_id)
                return
            # Merged as the cached documents: turning every kept play into a CountedPlay and
            # back cost more than the rest of a scrobble's work here. Times are compared as
            # datetimes, so one instant written with two offsets is still one play.
            known: list[dict[str, str]] = json.loads(cached)
            seen = {(item["song_id"], datetime.fromisoformat(item["played_at"])) for item in known}
            fresh = [
                _document(play)
                for play in reversed(plays)
                if (str(play.song_id), play.played_at) not in seen
            ]
            # Newest first; on a tie the play counted now first, the later row of a batch
            # first (the database's tie-break is the row id; `plays` come in row order).
            merged = sorted(
                fresh + known,
                key=lambda item: datetime.fromisoformat(item["played_at"]),
                reverse=True,
            )
            await self._cache.set(
                key,
                json.dumps(merged[:RECENT_PLAYS_KEPT]).encode(),
                ttl_seconds=RECENT_PLAYS_TTL_SECONDS,
            )

    async def _refresh_recent(self, user_id: UUID) -> list[CountedPlay]:
        # Rebuilt from the database under a lock, so two batches counting at once cannot
        # leave the older of their two lists in the cache.
        key = recent_plays_key(user_id)
        async with self._cache.lock(key + ":lock", expire_seconds=10, wait_seconds=10):
            return await self._rebuild_recent(user_id)

    async def _rebuild_recent(self, user_id: UUID) -> list[CountedPlay]:
        plays = await self._repository.recent_plays(user_id, RECENT_PLAYS_KEPT)
        await self._store_recent(recent_plays_key(user_id), plays)
        return plays

    async def _store_recent(self, key: str, plays: list[CountedPlay]) -> None:
        document = [_document(play) for play in plays]
        await self._cache.set(
            key, json.dumps(document).encode(), ttl_seconds=RECENT_PLAYS_TTL_SECONDS
        )


def _document(play: CountedPlay) -> dict[str, str]:
    """A recent play as the cache keeps it."""
    return {"song_id": str(play.song_id), "played_at": play.played_at.isoformat()}


def _refusal(event: ListeningEvent, now: datetime) -> str | None:
    if event.occurred_at - now > MAX_CLOCK_SKEW:
        return f"timestamp {event.occurred_at.isoformat()} is more than 5 minutes in the future"
    if event.context is not None:
        size = len(json.dumps(event.context, separators=(",", ":")).encode())
        if size > MAX_CONTEXT_BYTES:
            return f"context is {size} bytes; at most {MAX_CONTEXT_BYTES}"
    return None
