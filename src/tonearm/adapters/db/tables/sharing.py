"""Public share links and the songs they share."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base

SHARED_KINDS = ("song", "album", "playlist", "songs")


class ShareRow(Base):
    """A public, expiring link to songs; `slug` is the unguessable part of its URL."""

    __tablename__ = "shares"
    __table_args__ = (
        CheckConstraint(
            "item_kind IN (" + ", ".join(f"'{k}'" for k in SHARED_KINDS) + ")", name="item_kind"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    item_kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_visited_at: Mapped[datetime | None]
    visit_count: Mapped[int] = mapped_column(Integer, default=0)


class ShareSongRow(Base):
    """The songs a share plays, fixed when it is made, in order."""

    __tablename__ = "share_songs"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), index=True
    )
