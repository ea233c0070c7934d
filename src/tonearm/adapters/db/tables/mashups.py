"""Mashups: two of a user's songs mixed into one stored MP3, owned by that user alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class MashupRow(Base):
    """One mashup: its object (`storage_key`), the pair it mixes and why it was chosen.

    The songs are plain ids, not foreign keys: a mashup stays playable when a song it was
    made from leaves the library, and `pair_key` (the two ids, sorted) keeps a regenerated
    pair from being made twice for the same owner.
    """

    __tablename__ = "mashups"
    __table_args__ = (UniqueConstraint("owner_id", "pair_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    pair_key: Mapped[str] = mapped_column(String(80))
    lead_song_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    under_song_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(1000))
    storage_key: Mapped[str] = mapped_column(String(512))
    duration_ms: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
