"""Song search's index tables, and the full-text objects migrations make beside them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import AutoIncrementId, Base


class SongSearchRow(Base):
    """The searchable text of a live song, normalised (library/search.py `normalize`).

    Written by SqlSongRepository with every add, retag and revive, deleted with a tombstone.
    The full-text index over it is not in this metadata (see UNMANAGED_SCHEMA_OBJECTS): on
    SQLite an FTS5 table `song_search_fts` (external content, kept by triggers, rowid = id),
    on PostgreSQL a generated tsvector column `document` with a GIN index.
    """

    __tablename__ = "song_search"

    # A stable integer key: SQLite's FTS5 addresses rows by it.
    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), unique=True
    )
    # Indexed: a whole-title match is looked up directly, ahead of every other match.
    title: Mapped[str] = mapped_column(Text, index=True)
    artists: Mapped[str] = mapped_column(Text)
    album: Mapped[str] = mapped_column(Text)
    genres: Mapped[str] = mapped_column(Text)


class SearchTermKeyRow(Base):
    """The vocabulary of the search index for typo tolerance: each word under its typo keys.

    A word is stored under itself and each one-letter deletion of it (library/search.py
    `index_keys`). Words are added as songs are indexed and never removed: a word no live
    song has any more only widens a typo look-up by a candidate that matches nothing.
    """

    __tablename__ = "search_term_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)


# Made by migrations but not described by `metadata` (a full-text index has no portable
# SQLAlchemy form); the autogenerate drift check leaves them out (`include_schema_name`).
# SQLite: the FTS5 table over song_search (and its shadow tables song_search_fts_*).
# PostgreSQL: song_search.document (a generated tsvector) and its GIN index.
UNMANAGED_TABLE_PREFIXES = ("song_search_fts",)
UNMANAGED_COLUMNS = {("song_search", "document")}
UNMANAGED_INDEXES = {"ix_song_search_document"}


def include_schema_name(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """Alembic `include_name` hook: False for the objects in UNMANAGED_* above."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMANAGED_TABLE_PREFIXES)
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMANAGED_COLUMNS
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    return True
