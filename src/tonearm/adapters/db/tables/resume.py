"""Bookmarks and play queues (picking up on another device)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base, PortableJSON


class BookmarkRow(Base):
    """Where a user stopped in a song, to resume it (Subsonic bookmarks)."""

    __tablename__ = "bookmarks"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    position_ms: Mapped[int] = mapped_column(BigInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PlayQueueRow(Base):
    """A user's saved play queue, to resume on another device (one per user)."""

    __tablename__ = "play_queues"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    song_ids: Mapped[list[str]] = mapped_column(PortableJSON)
    current_index: Mapped[int | None] = mapped_column(Integer)
    position_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
