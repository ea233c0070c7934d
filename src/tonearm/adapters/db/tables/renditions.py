"""Encoded renditions of songs and the claims on encodes in progress."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class RenditionRow(Base):
    """One stored rendition of a song; written only after its object is in storage."""

    __tablename__ = "renditions"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    codec: Mapped[str] = mapped_column(String(16))
    bitrate_kbps: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime]


class RenditionEncodeRow(Base):
    """A claim on making one rendition of a song: at most one row per (song, kind), so one
    encode runs at a time across every process; a claim whose lease ran out (its process
    died) may be taken over."""

    __tablename__ = "rendition_encodes"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
