"""What users do with songs: stars, listening events, ratings, now playing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import AutoIncrementId, Base

STARRED_KINDS = ("song", "album", "artist")


class StarredItemRow(Base):
    """A liked song (REST) = a starred song (Subsonic); albums and artists can be starred too."""

    __tablename__ = "starred_items"
    __table_args__ = (
        CheckConstraint(
            "item_kind IN (" + ", ".join(f"'{k}'" for k in STARRED_KINDS) + ")", name="item_kind"
        ),
        Index("ix_starred_items_kind_item", "item_kind", "item_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    starred_at: Mapped[datetime]


# How a `play` event was judged by the play rule (see listening/plays.py); NULL for others.
PLAY_STATES = ("pending", "counted", "rejected")

INTERACTION_ACTIONS = (
    "play",
    "skip",
    "complete",
    "replay",
    "like",
    "unlike",
    "dislike",
    "add_to_playlist",
)


class UserInteractionRow(Base):
    """A listening event; `client_event_id` makes a retried batch idempotent."""

    __tablename__ = "user_interactions"
    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in INTERACTION_ACTIONS) + ")", name="action"
        ),
        UniqueConstraint("user_id", "client_event_id", name="uq_user_interactions_client_event"),
        Index("ix_user_interactions_user_time", "user_id", "occurred_at"),
        Index("ix_user_interactions_song_time", "song_id", "occurred_at"),
        Index("ix_user_interactions_play_state", "play_state", "user_id"),
        # The play rule reads a user's events by listening session (adapters/db/plays.py).
        Index("ix_user_interactions_user_session", "user_id", "session_id", "occurred_at"),
        CheckConstraint(
            "play_state IN (" + ", ".join(f"'{s}'" for s in PLAY_STATES) + ")", name="play_state"
        ),
    )

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    session_id: Mapped[str | None] = mapped_column(String(64))
    client_event_id: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any] | None]
    position_ms: Mapped[int | None] = mapped_column(Integer)
    play_state: Mapped[str | None] = mapped_column(String(16))
    # When the play counted (history is ordered by it), or when a complete counted alone.
    counted_at: Mapped[datetime | None]


RATED_KINDS = ("song", "album", "artist")


class RatingRow(Base):
    """A user's 1–5 rating of a song, album or artist (Subsonic setRating)."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(
            "item_kind IN (" + ", ".join(f"'{k}'" for k in RATED_KINDS) + ")", name="item_kind"
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime]


class NowPlayingRow(Base):
    """What each of a user's players reports playing right now (Subsonic getNowPlaying)."""

    __tablename__ = "now_playing"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    player: Mapped[str] = mapped_column(String(100), primary_key=True)
    song_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(index=True)
