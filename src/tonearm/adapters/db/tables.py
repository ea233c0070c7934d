"""The database schema as SQLAlchemy tables; Alembic migrations must match it exactly.

Portable across SQLite and PostgreSQL: `Uuid`, JSON (JSONB on PostgreSQL), timezone-aware
times stored as UTC, named constraints (so batch ALTERs on SQLite can find them).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from tonearm.library.folding import fold, sort_key

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; SQLite hands back naive values, fixed here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
PortableJSON = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not BIGINT.
AutoIncrementId = BigInteger().with_variant(Integer(), "sqlite")


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: PortableJSON}


class UserRow(Base):
    """An account: owner, family member or friend."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'user')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RefreshTokenRow(Base):
    """A refresh token (only its hash); each use replaces it with a new one of its family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A browser's sign-in, carried in an HttpOnly cookie (only the token's hash is kept).

    `csrf_hash` is the hash of the token the page must echo in X-CSRF-Token on writes.
    """

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(300))


class UserPreferencesRow(Base):
    """A user's settings (quality per network type, data saver, genres, cache size), as JSON."""

    __tablename__ = "user_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    preferences: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


STARRED_KINDS = ("song", "album", "artist")


class StarredItemRow(Base):
    """A liked song (REST) = a starred song (Subsonic); albums and artists can be starred too."""

    __tablename__ = "starred_items"
    __table_args__ = (
        CheckConstraint(
            "item_kind IN (" + ", ".join(f"'{k}'" for k in STARRED_KINDS) + ")", name="item_kind"
        ),
        Index("ix_starred_items_kind_item", "item_kind", "item_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    starred_at: Mapped[datetime]


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


class ImportFailureRow(Base):
    """A file that could not be ingested, and why; cleared when it later imports fine."""

    __tablename__ = "import_failures"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # scan, import or upload
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    failed_at: Mapped[datetime]


class PendingImportRow(Base):
    """An import or upload whose original is (about to be) in storage but whose song is not
    yet in the library: written before the original is stored, deleted in the transaction
    that inserts the song with its renditions. What a start of `serve` or `worker` finishes
    after a crash (ingest/pending.py); no foreign key to songs, the song does not exist yet."""

    __tablename__ = "pending_imports"

    song_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    audio_hash: Mapped[str] = mapped_column(String(64), index=True)
    original_key: Mapped[str] = mapped_column(String(512))
    source_name: Mapped[str] = mapped_column(Text)  # the file's path: tag fallbacks, .lrc
    source: Mapped[str] = mapped_column(String(16))  # import or upload
    uploader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    upload_key: Mapped[str | None] = mapped_column(String(512))  # uploads/… while its job runs
    created_at: Mapped[datetime]


ENRICHMENT_STATES = ("pending", "running", "failed", "done")


class SongEnrichmentRow(Base):
    """Phase 2 of a scanned song: its place in the durable enrichment queue, and what phase 1
    saw of its file (so a result for a file that changed since is recognised and dropped).

    One row per song read in place; songs imported before two-phase scanning have none and
    count as enriched. `generation` grows each time the song is queued again, so a worker
    finishing an older claim does not mark the newer request done.
    """

    __tablename__ = "song_enrichment"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in ENRICHMENT_STATES) + ")", name="state"
        ),
        Index("ix_song_enrichment_state_queued", "state", "queued_at"),
    )

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    # Cheap identity of the file's audio payload (see adapters/media/identity.py).
    file_identity: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    art_only: Mapped[bool] = mapped_column(Boolean, default=False)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime]
    lease_expires_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None]


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


# How a `play` event was judged by the play rule (see listening/plays.py); NULL for others.
PLAY_STATES = ("pending", "counted", "rejected")

INTERACTION_ACTIONS = (
    "play",
    "skip",
    "complete",
    "replay",
    "like",
    "unlike",
    "dislike",
    "add_to_playlist",
)


class UserInteractionRow(Base):
    """A listening event; `client_event_id` makes a retried batch idempotent."""

    __tablename__ = "user_interactions"
    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in INTERACTION_ACTIONS) + ")", name="action"
        ),
        UniqueConstraint("user_id", "client_event_id", name="uq_user_interactions_client_event"),
        Index("ix_user_interactions_user_time", "user_id", "occurred_at"),
        Index("ix_user_interactions_song_time", "song_id", "occurred_at"),
        Index("ix_user_interactions_play_state", "play_state", "user_id"),
        CheckConstraint(
            "play_state IN (" + ", ".join(f"'{s}'" for s in PLAY_STATES) + ")", name="play_state"
        ),
    )

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    session_id: Mapped[str | None] = mapped_column(String(64))
    client_event_id: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any] | None]
    position_ms: Mapped[int | None] = mapped_column(Integer)
    play_state: Mapped[str | None] = mapped_column(String(16))
    # When the play counted (history is ordered by it), or when a complete counted alone.
    counted_at: Mapped[datetime | None]


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


JOB_STATES = ("queued", "running", "succeeded", "failed")


class JobRunRow(Base):
    """The durable record of one job: what to run, who holds it, until when, and how it went.

    A worker holds a lease (`lease_expires_at`) while running; the sweeper re-enqueues any
    queued or running job whose lease ran out, so a killed worker loses nothing.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in JOB_STATES) + ")", name="state"),
        Index("ix_job_runs_state_lease", "state", "lease_expires_at"),
        Index("ix_job_runs_name_enqueued", "job_name", "enqueued_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime]
    run_after: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(100))
    scheduled_for: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]


class JobScheduleRow(Base):
    """The last due time of a recurring job that was enqueued (for exactly-once firing)."""

    __tablename__ = "job_schedules"

    job_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    cron: Mapped[str] = mapped_column(String(100))
    last_fired_for: Mapped[datetime | None]
    updated_at: Mapped[datetime]


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


class SubsonicSecretRow(Base):
    """A user's password encrypted with a server key, for Subsonic token auth only.

    Subsonic's `t = md5(password + salt)` can only be checked against the password itself,
    so argon2 hashes cannot serve it. Kept when `TONEARM_SUBSONIC_PASSWORD_AUTH` is on.
    """

    __tablename__ = "subsonic_secrets"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    encrypted_password: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An API key (OpenSubsonic `apiKey=`): only its SHA-256 is kept."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


RATED_KINDS = ("song", "album", "artist")


class RatingRow(Base):
    """A user's 1–5 rating of a song, album or artist (Subsonic setRating)."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(
            "item_kind IN (" + ", ".join(f"'{k}'" for k in RATED_KINDS) + ")", name="item_kind"
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime]


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


class NowPlayingRow(Base):
    """What each of a user's players reports playing right now (Subsonic getNowPlaying)."""

    __tablename__ = "now_playing"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    player: Mapped[str] = mapped_column(String(100), primary_key=True)
    song_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(index=True)


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


metadata = Base.metadata

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


__all__ = [
    "ENRICHMENT_STATES",
    "INTERACTION_ACTIONS",
    "JOB_STATES",
    "PLAY_STATES",
    "RATED_KINDS",
    "SHARED_KINDS",
    "STARRED_KINDS",
    "AlbumRow",
    "ApiKeyRow",
    "ArtistRow",
    "Base",
    "BookmarkRow",
    "ChangeLogRow",
    "FolderCoverRow",
    "GenreRow",
    "ImportFailureRow",
    "JobRunRow",
    "JobScheduleRow",
    "ListeningPatternRow",
    "MusicFolderRow",
    "NowPlayingRow",
    "PlayQueueRow",
    "PlaylistRow",
    "PlaylistSongRow",
    "RatingRow",
    "RecommendationCacheRow",
    "RefreshTokenRow",
    "RenditionRow",
    "SearchTermKeyRow",
    "ShareRow",
    "ShareSongRow",
    "SongAliasRow",
    "SongArtistRow",
    "SongEnrichmentRow",
    "SongFeatureRow",
    "SongGenreRow",
    "SongRow",
    "SongSearchRow",
    "StarredItemRow",
    "SubsonicSecretRow",
    "UTCDateTime",
    "UserInteractionRow",
    "UserPreferencesRow",
    "UserRow",
    "WebSessionRow",
    "include_schema_name",
    "metadata",
    "utc_now",
]
