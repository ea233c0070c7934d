"""Listening patterns, cached recommendations and audio features (analysis and
recommendations).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    String,
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
    """Audio analysis of a song (tempo, key, energy, embeddings…), as JSON."""

    __tablename__ = "song_features"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    features: Mapped[dict[str, Any]]
    analyzer_version: Mapped[str] = mapped_column(String(32))
    analyzed_at: Mapped[datetime]
