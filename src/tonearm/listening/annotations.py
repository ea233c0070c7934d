"""Annotations from players: scrobbles, now playing, playback reports (stars and ratings:
listening/stars.py).

Scrobbles and playback reports become listening events judged by the
same play rule as the REST API's `/api/events`:

- a scrobble with `submission=true` is a `complete` (a play that counts on its own), with a
  client event id made from the user, the song and the scrobble's time, so a retried
  scrobble counts once; `submission=false` only says what is playing now;
- `reportPlayback`: `starting` is a `play` (timestamped when the song started, position
  and playback rate taken back), `stopped` before 30 s of playback is a `skip` (which
  rejects that play), `stopped` past 80 % of the song a `complete`; each state also updates
  now playing, and `stopped` clears it. With `ignoreScrobble` only now playing changes.

A `play` counts once no skip came within 30 s (the play rule), so a report that never says
`stopped` still counts.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from tonearm.errors import InvalidInput
from tonearm.listening.models import EventKind, ListeningEvent
from tonearm.listening.plays import SKIP_WINDOW
from tonearm.listening.service import ListeningService
from tonearm.listening.stars import ItemNotFound

# Now-playing entries stay this long past the song's end (a paused or slow player).
NOW_PLAYING_MARGIN = timedelta(minutes=5)
COMPLETE_SHARE = 0.8
# Retries of one report within this window are the same event (same client event id).
REPORT_ID_BUCKET_SECONDS = 10
MAX_SESSION_CHARS = 64


class PlaybackState(enum.StrEnum):
    """What a player reports (OpenSubsonic reportPlayback)."""

    STARTING = "starting"
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class NowPlaying:
    """A song one of a user's players reports playing."""

    user_id: UUID
    username: str
    player: str
    song_id: UUID
    started_at: datetime
    duration_ms: int
    minutes_ago: int = 0  # since the song started, when listed by AnnotationService

    @property
    def player_id(self) -> int:
        """A stable integer for the player (Subsonic wants an int; players are names here)."""
        return zlib.crc32(f"{self.user_id}:{self.player}".encode()) & 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class PlaybackReport:
    """One OpenSubsonic reportPlayback call."""

    song_id: UUID
    state: PlaybackState
    position_ms: int
    playback_rate: float = 1.0
    ignore_scrobble: bool = False


class AnnotationRepository(Protocol):
    """Songs' durations and now playing. In adapters/db/annotations.py."""

    async def song_duration_ms(self, song_id: UUID) -> int | None:
        """A live song's duration; None when there is no such song."""
        ...

    async def set_now_playing(
        self, user_id: UUID, player: str, song_id: UUID | None, at: datetime
    ) -> None:
        """What the player plays from `at` on; None: nothing any more."""
        ...

    async def now_playing(self) -> list[NowPlaying]:
        """Every player's entry with its user's name and the song's duration, newest first."""
        ...


class AnnotationService:
    """Scrobbles, playback reports and now playing from Subsonic players."""

    def __init__(
        self,
        repository: AnnotationRepository,
        listening: ListeningService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repository = repository
        self._listening = listening
        self._clock = clock

    async def scrobble(
        self,
        user_id: UUID,
        player: str,
        song_ids: Sequence[UUID],
        times: Sequence[datetime | None],
        *,
        submission: bool,
    ) -> None:
        """Scrobbles of songs (each with its time, or now). `submission=false` sets now
        playing (the last song); `true` records a play of each. Raises ItemNotFound."""
        now = self._clock()
        events = []
        for index, song_id in enumerate(song_ids):
            if await self._repository.song_duration_ms(song_id) is None:
                raise ItemNotFound(song_id)
            at = (times[index] if index < len(times) else None) or now
            if not submission:
                await self._repository.set_now_playing(user_id, player, song_id, at)
                await self._listening.playing_now(user_id, song_id, at)
                continue
            event_id = _event_id("scrobble", user_id, song_id, at)
            # Each scrobble is a listen of its own (its own session): the rule counts one
            # complete per listen, and a song on repeat is scrobbled again and again.
            events.append(
                ListeningEvent(
                    client_event_id=event_id,
                    kind=EventKind.COMPLETE,
                    song_id=song_id,
                    occurred_at=at,
                    session_id=event_id,
                )
            )
        if events:
            result = await self._listening.record_events(user_id, events)
            if result.rejected:
                raise InvalidInput(f"scrobble refused: {result.rejected[0].reason}")

    async def report_playback(self, user_id: UUID, player: str, report: PlaybackReport) -> None:
        """A player's state change (see the module docstring); raises ItemNotFound,
        InvalidInput."""
        if report.position_ms < 0 or report.playback_rate <= 0:
            raise InvalidInput("positionMs must be 0 or more and playbackRate above 0")
        duration_ms = await self._repository.song_duration_ms(report.song_id)
        if duration_ms is None:
            raise ItemNotFound(report.song_id)
        now = self._clock()
        played = timedelta(milliseconds=report.position_ms / report.playback_rate)
        started_at = now - played
        if report.state is PlaybackState.STOPPED:
            await self._repository.set_now_playing(user_id, player, None, now)
        else:
            await self._repository.set_now_playing(user_id, player, report.song_id, started_at)
        if report.ignore_scrobble:
            return
        kind: EventKind | None = None
        at = now
        if report.state is PlaybackState.STARTING:
            kind, at = EventKind.PLAY, started_at
        elif report.state is PlaybackState.STOPPED:
            if played < SKIP_WINDOW:
                kind = EventKind.SKIP
            elif report.position_ms >= COMPLETE_SHARE * duration_ms:
                kind = EventKind.COMPLETE
        if kind is None:
            return
        bucket = datetime.fromtimestamp(
            at.timestamp() // REPORT_ID_BUCKET_SECONDS * REPORT_ID_BUCKET_SECONDS, tz=UTC
        )
        event = ListeningEvent(
            client_event_id=_event_id(f"report-{kind.value}", user_id, report.song_id, bucket),
            kind=kind,
            song_id=report.song_id,
            occurred_at=at,
            session_id=_session(player),
            position_ms=report.position_ms,
        )
        await self._listening.record_events(user_id, [event])

    async def now_playing(self) -> list[NowPlaying]:
        """What every user's players play now; entries past the song's end (plus a
        margin) are left out."""
        now = self._clock()
        return [
            dataclasses.replace(
                entry, minutes_ago=max(0, int((now - entry.started_at).total_seconds() // 60))
            )
            for entry in await self._repository.now_playing()
            if entry.started_at + timedelta(milliseconds=entry.duration_ms) + NOW_PLAYING_MARGIN
            >= now
        ]


def _session(player: str) -> str:
    return f"subsonic:{player}"[:MAX_SESSION_CHARS]


def _event_id(what: str, user_id: UUID, song_id: UUID, at: datetime) -> str:
    """A client event id from what happened, to whom and when: the same call sent twice
    makes the same id, which the intake counts once."""
    stamp = int(at.timestamp() * 1000)
    digest = hashlib.sha256(f"{what}:{user_id}:{song_id}:{stamp}".encode()).hexdigest()
    return f"subsonic-{digest[:48]}"


__all__ = [
    "AnnotationRepository",
    "AnnotationService",
    "ItemNotFound",
    "NowPlaying",
    "PlaybackReport",
    "PlaybackState",
]
