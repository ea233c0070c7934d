"""Listening events, what a batch of them came to, history entries, liked songs, pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from tonearm.errors import InvalidInput

MAX_EVENTS_PER_BATCH = 100
MAX_CONTEXT_BYTES = 4096
MAX_PAGE_SIZE = 200

T = TypeVar("T")


class EventKind(enum.StrEnum):
    """What a listener did (the `action` of a user interaction)."""

    PLAY = "play"  # started a song
    SKIP = "skip"  # left it early
    COMPLETE = "complete"  # listened past 80 %
    REPLAY = "replay"  # started it again within an hour: judged like a play
    LIKE = "like"
    UNLIKE = "unlike"
    DISLIKE = "dislike"
    ADD_TO_PLAYLIST = "add_to_playlist"


class PlayState(enum.StrEnum):
    """How the play rule judged a play (or a complete that counted on its own)."""

    PENDING = "pending"  # not decidable yet: a skip may still come
    COUNTED = "counted"
    REJECTED = "rejected"  # skipped within 30 s


@dataclass(frozen=True, slots=True)
class ListeningEvent:
    """One event as a client sent it; `client_event_id` makes a retry harmless."""

    client_event_id: str
    kind: EventKind
    song_id: UUID
    occurred_at: datetime
    session_id: str
    position_ms: int | None = None
    context: dict[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """An event of a batch that was not stored, and why."""

    client_event_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class CountedPlay:
    """A play that counted: the song and when it was played (the event's own time)."""

    song_id: UUID
    played_at: datetime
    # The counted event's row: what keys the play for scrobbling. Not part of equality
    # (plays rebuilt from the cache have none).
    play_id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What the store did with a batch: stored, already seen, refused, newly counted."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    counted: list[CountedPlay]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The answer to a batch of events."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]


@dataclass(frozen=True, slots=True)
class SongSummary:
    """Enough of a song to show it in a list."""

    id: UUID
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A counted play in a user's history; `cursor` pages past it."""

    song: SongSummary
    played_at: datetime
    cursor: str


@dataclass(frozen=True, slots=True)
class LikedSong:
    """A song the user likes (= starred in Subsonic); `cursor` pages past it."""

    song: SongSummary
    liked_at: datetime
    cursor: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a newest-first list; `next_cursor` is None on the last page."""

    items: list[T]
    next_cursor: str | None


def page_size(limit: int) -> int:
    """`limit` kept within 1–MAX_PAGE_SIZE."""
    return max(1, min(limit, MAX_PAGE_SIZE))


class _Paged(Protocol):
    @property
    def cursor(self) -> str: ...


PagedT = TypeVar("PagedT", bound=_Paged)


def page_of(items: list[PagedT], limit: int) -> Page[PagedT]:
    """A page of `limit` from `items`, which the store read one longer than the page: that
    extra item's presence says a next page exists."""
    if len(items) > limit:
        return Page(items[:limit], items[limit - 1].cursor)
    return Page(items, None)


class TooManyEvents(InvalidInput):
    """A batch with no events or more than MAX_EVENTS_PER_BATCH."""

    def __init__(self, count: int) -> None:
        super().__init__(f"events: a batch has 1–{MAX_EVENTS_PER_BATCH} events, not {count}")


class InvalidCursor(InvalidInput):
    """A paging cursor that this server did not hand out."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"cursor {cursor[:80]!r} is not one this server gave out")
