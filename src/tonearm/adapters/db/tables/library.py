"""The catalogue: artists, albums, songs and their links, genres, the change log, merged
song ids, folder covers and music folders.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    false,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, validates

from tonearm.adapters.db.tables.base import AutoIncrementId, Base, PortableJSON
from tonearm.library.folding import fold, sort_key

# Folded columns and what they are made from (library/folding.py): `sort_key` orders
# lists, `search_name` is what artist and album search matches words in. They are kept in
# step when the source is set on a row (validates) and filled on a Core INSERT that leaves
# them out (the column default reads the row's source value).
_FOLDED_CHARS = 500  # the columns' length: folding may lengthen a name (ß → ss)
_FOLDED_FROM: dict[str, tuple[str, Any]] = {
    "sort_name": ("sort_key", sort_key),
    "sort_title": ("sort_key", sort_key),
    "name": ("search_name", fold),
}


def _folded(source: str, how: Any) -> Any:
    def default(context: DefaultExecutionContext) -> str:
        parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]
        return str(how(parameters[source] or ""))[:_FOLDED_CHARS]

    return default


def _keep_folded(row: Any, key: str, value: str) -> str:
    column, how = _FOLDED_FROM[key]
    setattr(row, column, str(how(value or ""))[:_FOLDED_CHARS])
    return value


class _FoldedNames:
    """`sort_key` and `search_name`, kept from `name` and `sort_name` whenever either is set
    (or defaulted on insert): what lists sort by, what search matches."""

    sort_key: Mapped[str] = mapped_column(
        String(500), index=True, default=_folded("sort_name", sort_key), server_default=""
    )
    search_name: Mapped[str] = mapped_column(
        String(500), default=_folded("name", fold), server_default=""
    )

    @validates("name", "sort_name")
    def _fold_on_set(self, key: str, value: str) -> str:
        return _keep_folded(self, key, value)


class ArtistRow(_FoldedNames, Base):
    """A performer or band; songs link to several through song_artists."""

    __tablename__ = "artists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(500), index=True)
    sort_name: Mapped[str] = mapped_column(String(500), index=True)
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlbumRow(_FoldedNames, Base):
    """A release; `sort_name` ignores leading articles ("The", "A")."""

    __tablename__ = "albums"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sort_name: Mapped[str] = mapped_column(String(500), index=True)
    album_artist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("artists.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int | None] = mapped_column(Integer)
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SongRow(Base):
    """A song: tags, where its original lives, what analysis learned, and its counters."""

    __tablename__ = "songs"
    __table_args__ = (
        CheckConstraint("source IN ('library', 'discovery')", name="source"),
        Index("ix_songs_play_count", "play_count"),
        Index("ix_songs_added_at", "added_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    sort_title: Mapped[str] = mapped_column(String(500), index=True)
    album_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("albums.id", ondelete="SET NULL"), index=True
    )
    album_artist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("artists.id", ondelete="SET NULL"), index=True
    )
    track_number: Mapped[int | None] = mapped_column(Integer)
    track_total: Mapped[int | None] = mapped_column(Integer)
    disc_number: Mapped[int | None] = mapped_column(Integer)
    disc_total: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="library")
    # Exactly one of original_path (read in place from a scanned folder) and original_key
    # (copied into object storage by import/upload) is set.
    original_path: Mapped[str | None] = mapped_column(Text, unique=True)
    original_key: Mapped[str | None] = mapped_column(String(512))
    folder_path: Mapped[str | None] = mapped_column(Text, index=True)
    original_format: Mapped[str | None] = mapped_column(String(16))
    original_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    original_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    # Hash of the decoded audio, not the file: retagging or moving keeps the same song.
    audio_hash: Mapped[str] = mapped_column(String(64), unique=True)
    musicbrainz_recording_id: Mapped[str | None] = mapped_column(String(36))
    musicbrainz_album_id: Mapped[str | None] = mapped_column(String(36))
    # The file says it is part of a compilation (ID3 TCMP, MP4 cpil, Vorbis COMPILATION).
    compilation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    isrc: Mapped[str | None] = mapped_column(String(12))
    bpm: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    original_date: Mapped[str | None] = mapped_column(String(10))  # YYYY[-MM[-DD]]
    # Lists of names as tagged (JSON arrays); an album shows those of its songs.
    release_types: Mapped[list[str] | None] = mapped_column(PortableJSON)
    record_labels: Mapped[list[str] | None] = mapped_column(PortableJSON)
    moods: Mapped[list[str] | None] = mapped_column(PortableJSON)
    # From the stream headers at ingest.
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    bit_depth: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    # Which TAGS_VERSION of ingest read the tags (None: before 0011): a rescan reads an
    # unchanged file again when it is older, so new tag fields reach existing songs.
    tags_version: Mapped[int | None] = mapped_column(Integer)
    musical_key: Mapped[str | None] = mapped_column(String(8))
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    replaygain_track_gain_db: Mapped[float | None] = mapped_column(Float)
    replaygain_track_peak: Mapped[float | None] = mapped_column(Float)
    replaygain_album_gain_db: Mapped[float | None] = mapped_column(Float)
    replaygain_album_peak: Mapped[float | None] = mapped_column(Float)
    fingerprint: Mapped[str | None] = mapped_column(Text)
    lyrics: Mapped[str | None] = mapped_column(Text)
    synced_lyrics: Mapped[dict[str, Any] | None]
    play_count: Mapped[int] = mapped_column(Integer, default=0)
    popularity_score: Mapped[float] = mapped_column(Float, default=0.0)
    added_at: Mapped[datetime]
    last_updated: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # Kept from sort_title: what lists sort titles by.
    sort_key: Mapped[str] = mapped_column(
        String(500), index=True, default=_folded("sort_title", sort_key), server_default=""
    )

    @validates("sort_title")
    def _fold_on_set(self, key: str, value: str) -> str:
        return _keep_folded(self, key, value)


class SongArtistRow(Base):
    """The ordered artists of a song."""

    __tablename__ = "song_artists"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("artists.id", ondelete="CASCADE"), index=True
    )


class SongContributorRow(Base):
    """The people credited on a song for a role (composer, lyricist, conductor, ...), in
    tag order; each is an artist row, so clients can browse to them."""

    __tablename__ = "song_contributors"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    sub_role: Mapped[str | None] = mapped_column(String(100))
    artist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("artists.id", ondelete="CASCADE"), index=True
    )


class GenreRow(Base):
    """A genre name, shared by songs."""

    __tablename__ = "genres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class SongGenreRow(Base):
    """The genres of a song, in tag order."""

    __tablename__ = "song_genres"

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class ChangeLogRow(Base):
    """Every insert, update or tombstone of a song, album or artist, in commit order.

    `seq` is handed out under a lock (see changes.py), so a reader that has seen N has
    seen every change numbered below N: delta sync never skips a slower transaction.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        CheckConstraint("entity IN ('song', 'album', 'artist')", name="entity"),
        CheckConstraint("op IN ('upsert', 'delete')", name="op"),
        Index("ix_change_log_entity_id", "entity", "entity_id"),
    )

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    op: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]


class SongAliasRow(Base):
    """A song id dropped by a duplicate merge, still answering as the song it merged into."""

    __tablename__ = "song_aliases"

    old_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), index=True
    )
    merged_at: Mapped[datetime]


class FolderCoverRow(Base):
    """The cover file a scanned folder had at its last scan, so art that appears, changes
    or goes is noticed by a stat instead of a decode."""

    __tablename__ = "folder_covers"

    folder_path: Mapped[str] = mapped_column(Text, primary_key=True)
    cover_path: Mapped[str | None] = mapped_column(Text)
    cover_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    checked_at: Mapped[datetime]


class MusicFolderRow(Base):
    """A folder scans read in place. `path` is path_to_text of the resolved folder.

    AUTOINCREMENT on SQLite (a sequence on PostgreSQL): an id is never handed out twice,
    so a Subsonic app or an nginx location keyed by it never lands on another folder.
    """

    __tablename__ = "music_folders"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    last_scan_at: Mapped[datetime | None]
    last_scan: Mapped[dict[str, Any] | None]
