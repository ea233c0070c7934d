"""Where connections and the outbox are kept. Implemented in adapters/db/scrobbling.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tonearm.scrobbling.models import (
    Connection,
    PlayToSend,
    ScrobbleTarget,
    Submission,
    SubmissionKind,
    Track,
)


class ScrobbleRepository(Protocol):
    """Users' connections and their queued submissions."""

    async def connections(self, user_id: UUID) -> list[Connection]:
        """The user's connections (active or paused)."""
        ...

    async def save_connection(self, connection: Connection) -> None:
        """Add or replace the user's connection to that service."""
        ...

    async def remove_connection(self, user_id: UUID, target: ScrobbleTarget) -> bool:
        """Forget the connection and its queued submissions; False when there was none."""
        ...

    async def queue_plays(self, user_id: UUID, plays: Sequence[PlayToSend], at: datetime) -> int:
        """Queue a listen of each play for each of the user's connections, the track as the
        song is now; a play already queued for a service is not queued again. Returns how
        many were queued."""
        ...

    async def queue_love(
        self, user_id: UUID, song_id: UUID, kind: SubmissionKind, at: datetime
    ) -> int:
        """Queue a love or unlove of the song for each connection; returns how many."""
        ...

    async def song_track(self, song_id: UUID) -> Track | None:
        """The song as the services want it (for now playing); None: no such song."""
        ...

    async def queue_missed_plays(self, since: datetime, at: datetime) -> int:
        """Queue the plays counted since `since` that no outbox holds (idempotent)."""
        ...

    async def due(self, now: datetime) -> list[Connection]:
        """Active connections with something unsent whose retry time has come."""
        ...

    async def unsent(self, user_id: UUID, target: ScrobbleTarget, limit: int) -> list[Submission]:
        """The oldest unsent submissions of the connection, oldest first."""
        ...

    async def mark_attempted(self, ids: Sequence[int], at: datetime) -> None:
        """Note that a delivery of these submissions begins now."""
        ...

    async def mark_sent(
        self,
        user_id: UUID,
        target: ScrobbleTarget,
        ids: Sequence[int],
        at: datetime,
        refusal: str | None = None,
    ) -> None:
        """The service answered for these: mark them sent and the connection healthy
        (`refusal`: the service refused them, kept as the connection's last error)."""
        ...

    async def record_failure(
        self,
        user_id: UUID,
        target: ScrobbleTarget,
        error: str,
        retry_at: datetime | None,
        *,
        pause: bool,
    ) -> None:
        """A delivery failed: count it and wait until `retry_at`, or pause the connection."""
        ...

    async def forget_sent(self, before: datetime) -> int:
        """Delete submissions sent before `before`; returns how many."""
        ...

    async def queued_count(self, user_id: UUID, target: ScrobbleTarget) -> int:
        """How many submissions wait for this connection."""
        ...
