"""Scrobbling's values: services, connections, tracks as sent, queued submissions, errors."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound, TonearmError, Unavailable


class ScrobbleTarget(enum.StrEnum):
    """A service plays are sent to."""

    LISTENBRAINZ = "listenbrainz"
    LASTFM = "lastfm"


class ConnectionState(enum.StrEnum):
    """Whether deliveries go out: `paused` after the service refused the credentials."""

    ACTIVE = "active"
    PAUSED = "paused"


class SubmissionKind(enum.StrEnum):
    """What a queued submission tells the service."""

    LISTEN = "listen"
    LOVE = "love"
    UNLOVE = "unlove"


@dataclass(frozen=True, slots=True)
class Track:
    """A song as the services want it: names, not tonearm's ids."""

    artist: str
    title: str
    album: str | None = None
    duration_ms: int | None = None
    recording_mbid: str | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """A user's account at a service; `secret` (token or session key) stays server-side,
    encrypted at rest (scrobbling/secrets.py)."""

    user_id: UUID
    target: ScrobbleTarget
    account_name: str
    secret: str = field(repr=False)
    state: ConnectionState
    connected_at: datetime
    last_error: str | None = None
    failures: int = 0
    retry_at: datetime | None = None
    last_sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A queued listen, love or unlove. `attempted` is True when a delivery of it began
    before (it may have reached the service)."""

    id: int
    kind: SubmissionKind
    track: Track
    occurred_at: datetime
    attempted: bool = False


@dataclass(frozen=True, slots=True)
class PlayToSend:
    """A counted play to queue: the play's row id keys it, so queuing twice queues once."""

    play_id: int
    song_id: UUID
    played_at: datetime


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """What the settings screen shows for one service (never the secret)."""

    target: ScrobbleTarget
    available: bool  # the server can connect this service (Last.fm needs an API key)
    connected: bool
    account_name: str | None = None
    state: ConnectionState | None = None
    last_error: str | None = None
    last_sent_at: datetime | None = None
    retry_at: datetime | None = None
    queued: int = 0


class ScrobbleError(TonearmError):
    """A call to a service that did not go through."""

    def __init__(self, target: ScrobbleTarget, message: str) -> None:
        super().__init__(f"{target.value}: {message}")
        self.target = target
        self.message = message


class CredentialsRejected(ScrobbleError):
    """The service refused the token or session: the connection pauses until the user
    connects again (ListenBrainz 401, Last.fm error 4 or 9)."""


class ServiceUnreachable(ScrobbleError, Unavailable):
    """Down, overloaded, rate-limited or not answering: try again later. `retry_after_seconds`
    is the service's own hint, when it gave one."""

    def __init__(
        self, target: ScrobbleTarget, message: str, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(target, message)
        self.retry_after_seconds = retry_after_seconds


class SubmissionRefused(ScrobbleError):
    """The service refused these submissions themselves (a bad request, an ignored track):
    sending them again would be refused again, so they leave the queue with the reason."""


class InvalidScrobbleToken(InvalidInput):
    """The token or authorisation the user gave was refused by the service."""


class ScrobbleTargetUnavailable(NotFound):
    """This server has no such service to connect (Last.fm without an API key and secret)."""


class NotConnected(NotFound):
    """The user has no connection to this service."""

    def __init__(self, target: ScrobbleTarget) -> None:
        super().__init__(f"not connected to {target.value}")
