"""Listening patterns, cached recommendations and audio features (analysis and
recommendations).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class ListeningPatternRow(Base):
    """What a user's listening looks like (favourite genres, hours, …), as JSON."""

    __tablename__ = "listening_patterns"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    patterns: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class RecommendationCacheRow(Base):
    """Precomputed recommendations for a user, valid until `expires_at`."""

    __tablename__ = "recommendation_cache"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict[str, Any]]
    computed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SongFeatureRow(Base):
    """Audio analysis of a song: every feature as JSON (`features`, empty when it failed),
    plus the scalars queries filter and sort on and the embedding as packed float32."""

    __tablename__ = "song_features"
    __table_args__ = (CheckConstraint("status IN ('done', 'failed')", name="status"),)

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    features: Mapped[dict[str, Any]]
    analyzer_version: Mapped[str] = mapped_column(String(32), index=True)
    analyzed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(8), server_default="done")
    error: Mapped[str | None] = mapped_column(Text)
    tempo_bpm: Mapped[float | None] = mapped_column(Float)
    key_pitch: Mapped[int | None] = mapped_column(SmallInteger)
    key_mode: Mapped[str | None] = mapped_column(String(5))
    energy: Mapped[float | None] = mapped_column(Float)
    danceability: Mapped[float | None] = mapped_column(Float)
    valence: Mapped[float | None] = mapped_column(Float)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)


class TransitionRow(Base):
    """A rendered crossfade from the end of one song into the start of the next, stored as
    an object (`storage_key`); one per ordered pair."""

    __tablename__ = "transitions"
    __table_args__ = (UniqueConstraint("from_song_id", "to_song_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    from_song_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"))
    to_song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(512))
    duration_ms: Mapped[int] = mapped_column(Integer)
    beat_matched: Mapped[bool] = mapped_column(Boolean)
    analyzer_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
