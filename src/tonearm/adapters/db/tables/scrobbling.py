"""Scrobbling out: each user's connections to ListenBrainz and Last.fm, and the outbox of
submissions waiting to be delivered to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import AutoIncrementId, Base

SCROBBLE_SERVICES = ("listenbrainz", "lastfm")
CONNECTION_STATES = ("active", "paused")
SUBMISSION_KINDS = ("listen", "love", "unlove")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class ScrobbleConnectionRow(Base):
    """A user's account at a scrobbling service; `secret` (a token or session key, encrypted
    with a key derived from the server secret) never leaves the server."""

    __tablename__ = "scrobble_connections"
    __table_args__ = (
        CheckConstraint(_one_of("service", SCROBBLE_SERVICES), name="service"),
        CheckConstraint(_one_of("state", CONNECTION_STATES), name="state"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_name: Mapped[str] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8))
    connected_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Failed deliveries in a row: the backoff grows with them; a success resets it.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]


class ScrobbleOutboxRow(Base):
    """One submission waiting for (or done with) delivery to one user's service.

    A listen is keyed by its play (the counted `user_interactions` row), so queuing a play
    twice queues it once; `sent_at` is set only after the service answered 2xx.
    """

    __tablename__ = "scrobble_outbox"
    __table_args__ = (
        CheckConstraint(_one_of("kind", SUBMISSION_KINDS), name="kind"),
        UniqueConstraint("user_id", "service", "play_id", name="uq_scrobble_outbox_play"),
        Index("ix_scrobble_outbox_unsent", "user_id", "service", "sent_at", "id"),
    )

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    play_id: Mapped[int | None] = mapped_column(AutoIncrementId)
    occurred_at: Mapped[datetime]
    # The track as it was when queued (artist, title, album, duration, MBID): a song
    # deleted or retagged later is still sent as it was played.
    track: Mapped[dict[str, Any]]
    queued_at: Mapped[datetime]
    # Set when a delivery of this item began: an item with it and no `sent_at` may have
    # reached the service before a crash.
    attempted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
