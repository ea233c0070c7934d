"""/api/events: batches of listening events from players (idempotent by event id)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from tonearm.api.deps import CurrentUser, ListeningDep
from tonearm.api.rest.schemas import INT32_MAX
from tonearm.listening import MAX_EVENTS_PER_BATCH, BatchResult, EventKind, ListeningEvent

router = APIRouter(tags=["listening"])

EventType = Literal[
    "play", "skip", "complete", "replay", "like", "unlike", "dislike", "add_to_playlist"
]


class EventIn(BaseModel):
    """One listening event, as a player queued it."""

    id: str = Field(min_length=1, max_length=64, description="client event id; makes retries safe")
    type: EventType
    song_id: UUID
    timestamp: AwareDatetime = Field(description="when it happened, with a time zone")
    session_id: str = Field(min_length=1, max_length=64)
    position_ms: int | None = Field(default=None, ge=0, le=INT32_MAX, strict=True)
    context: dict[str, Any] | None = Field(
        default=None, description="time of day, previous songs…; at most 4 KiB as JSON"
    )

    def to_domain(self) -> ListeningEvent:
        """The domain event."""
        return ListeningEvent(
            client_event_id=self.id,
            kind=EventKind(self.type),
            song_id=self.song_id,
            occurred_at=self.timestamp,
            session_id=self.session_id,
            position_ms=self.position_ms,
            context=self.context,
        )


class EventsIn(BaseModel):
    """A batch of 1–100 events."""

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class RejectedEventOut(BaseModel):
    """An event that was not stored, and why."""

    id: str
    reason: str


class EventsOut(BaseModel):
    """What became of a batch: stored, already seen before, refused."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEventOut]

    @classmethod
    def from_domain(cls, result: BatchResult) -> EventsOut:
        """From a BatchResult."""
        return cls(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[
                RejectedEventOut(id=r.client_event_id, reason=r.reason) for r in result.rejected
            ],
        )


@router.post("/events", response_model=EventsOut)
async def post_events(body: EventsIn, user: CurrentUser, listening: ListeningDep) -> EventsOut:
    """Record a batch of events. A retried batch counts once; events naming unknown songs or
    timestamped over 5 minutes ahead are rejected one by one while the rest are stored."""
    result = await listening.record_events(user.id, [e.to_domain() for e in body.events])
    return EventsOut.from_domain(result)
