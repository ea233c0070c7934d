"""Where listening events and preferences are kept. Implemented in
adapters/db/listening.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from tonearm.listening.models import (
    CountedPlay,
    HistoryEntry,
    IntakeOutcome,
    ListeningEvent,
)
from tonearm.listening.plays import StoredEvent, Verdict

# The play rule as the store applies it: events of one user, session and song, the newest
# timestamp in that session, and the server's time → the changes to make.
PlayJudge = Callable[[Sequence[StoredEvent], datetime, datetime], list[Verdict]]


class ListeningRepository(Protocol):
    """Listening events with the play rule's state, play counts and preferences.

    Every method that judges plays runs the judge inside one transaction per user, with the
    user's other batches held off, and adds counts to `songs.play_count` atomically.
    """

    async def record(
        self, user_id: UUID, events: Sequence[ListeningEvent], now: datetime, judge: PlayJudge
    ) -> IntakeOutcome:
        """Store the events not seen before (by client event id), apply likes and unlikes
        (song stars),
        and judge the user's affected and pending plays. Events naming an unknown song are
        rejected; the rest are stored."""
        ...

    async def settle(self, user_id: UUID, now: datetime, judge: PlayJudge) -> list[CountedPlay]:
        """Judge the user's pending plays again at `now`; returns the plays that counted
        (as `record`'s outcome does: in the order their events were stored)."""
        ...

    async def users_with_pending_plays(self) -> list[UUID]:
        """Users who have at least one play still pending."""
        ...

    async def history(self, user_id: UUID, limit: int, before: str | None) -> list[HistoryEntry]:
        """The user's counted plays, newest first, older than the cursor `before`; raises
        InvalidCursor."""
        ...

    async def recent_plays(self, user_id: UUID, limit: int) -> list[CountedPlay]:
        """The user's latest counted plays, newest first."""
        ...

    async def preferences(self, user_id: UUID) -> dict[str, Any] | None:
        """The stored preferences document; None when never set."""
        ...

    async def put_preferences(self, user_id: UUID, document: dict[str, Any], at: datetime) -> None:
        """Store the preferences document, replacing the previous one."""
        ...
