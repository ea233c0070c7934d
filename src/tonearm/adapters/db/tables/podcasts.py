"""Podcast channels, their episodes, and each user's progress in an episode."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base

CHANNEL_STATES = ("new", "downloading", "completed", "error")
EPISODE_STATES = ("new", "downloading", "completed", "error", "deleted")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class PodcastChannelRow(Base):
    """A subscribed feed; `error` is why its last refresh failed."""

    __tablename__ = "podcast_channels"
    __table_args__ = (CheckConstraint(_one_of("status", CHANNEL_STATES), name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    refreshed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PodcastEpisodeRow(Base):
    """An item of a channel's feed (unique by guid in its channel) and its stored file."""

    __tablename__ = "podcast_episodes"
    __table_args__ = (
        UniqueConstraint("channel_id", "guid"),
        CheckConstraint(_one_of("status", EPISODE_STATES), name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("podcast_channels.id", ondelete="CASCADE")
    )
    guid: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    enclosure_url: Mapped[str] = mapped_column(String(2000))
    enclosure_type: Mapped[str | None] = mapped_column(String(100))
    enclosure_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(512))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    downloaded_at: Mapped[datetime | None]


class PodcastProgressRow(Base):
    """Where one user is in one episode, and whether they have played it."""

    __tablename__ = "podcast_progress"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("podcast_episodes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position_ms: Mapped[int] = mapped_column(BigInteger)
    played: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]
