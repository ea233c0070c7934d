"""User playlists and their songs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class PlaylistRow(Base):
    """A user's playlist, or one the system generated (mood, best of month, …)."""

    __tablename__ = "playlists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    auto_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set for a playlist file found in a music folder (path_to_text of the file): such a
    # playlist follows its file on each scan and is read-only through the APIs. The folder
    # id is no foreign key (adding one would copy the table on SQLite, cascading its
    # entries away): the scan removes playlists of folders that are gone.
    source_path: Mapped[str | None] = mapped_column(Text, unique=True, index=True)
    source_folder_id: Mapped[int | None] = mapped_column(Integer, index=True)


class PlaylistSongRow(Base):
    """One entry of a playlist; the same song may appear twice."""

    __tablename__ = "playlist_songs"

    playlist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), index=True
    )


class SmartPlaylistRow(Base):
    """A smart playlist's rules; its playlist's entries are the rules' last evaluation."""

    __tablename__ = "smart_playlists"

    playlist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[dict[str, Any]]
    refreshed_at: Mapped[datetime]
    # When the entries are next re-evaluated (OpenSubsonic's validUntil).
    valid_until: Mapped[datetime] = mapped_column(index=True)
