"""Initial schema: library, users, interactions, playlists, analytics JSON, change log, jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 04:39:15.093157
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "artists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sort_name", sa.String(length=500), nullable=False),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
    )
    with op.batch_alter_table("artists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_artists_musicbrainz_id"), ["musicbrainz_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_artists_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_artists_sort_name"), ["sort_name"], unique=False)

    op.create_table(
        "change_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "entity IN ('song', 'album', 'artist')", name=op.f("ck_change_log_entity")
        ),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_change_log_op")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_entity_id", ["entity", "entity_id"], unique=False)

    op.create_table(
        "genres",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
        sa.UniqueConstraint("name", name=op.f("uq_genres_name")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("redeliveries", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_id", sa.String(length=100), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_job_runs_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_runs_name_enqueued", ["job_name", "enqueued_at"], unique=False
        )
        batch_op.create_index(
            "ix_job_runs_state_lease", ["state", "lease_expires_at"], unique=False
        )

    op.create_table(
        "job_schedules",
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=False),
        sa.Column("last_fired_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_name", name=op.f("pk_job_schedules")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'user')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "albums",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sort_name", sa.String(length=500), nullable=False),
        sa.Column("album_artist_id", sa.Uuid(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_artist_id"],
            ["artists.id"],
            name=op.f("fk_albums_album_artist_id_artists"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_albums")),
    )
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_albums_album_artist_id"), ["album_artist_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_albums_musicbrainz_id"), ["musicbrainz_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_albums_sort_name"), ["sort_name"], unique=False)

    op.create_table(
        "listening_patterns",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "patterns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_listening_patterns_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_listening_patterns")),
    )
    op.create_table(
        "playlists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("auto_generated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_playlists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
    )
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playlists_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "recommendation_cache",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recommendation_cache_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recommendation_cache")),
    )
    op.create_table(
        "songs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("sort_title", sa.String(length=500), nullable=False),
        sa.Column("album_id", sa.Uuid(), nullable=True),
        sa.Column("album_artist_id", sa.Uuid(), nullable=True),
        sa.Column("track_number", sa.Integer(), nullable=True),
        sa.Column("track_total", sa.Integer(), nullable=True),
        sa.Column("disc_number", sa.Integer(), nullable=True),
        sa.Column("disc_total", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("original_path", sa.Text(), nullable=True),
        sa.Column("original_key", sa.String(length=512), nullable=True),
        sa.Column("folder_path", sa.Text(), nullable=True),
        sa.Column("original_format", sa.String(length=16), nullable=True),
        sa.Column("original_size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("original_mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("audio_hash", sa.String(length=64), nullable=False),
        sa.Column("musicbrainz_recording_id", sa.String(length=36), nullable=True),
        sa.Column("musicbrainz_album_id", sa.String(length=36), nullable=True),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("musical_key", sa.String(length=8), nullable=True),
        sa.Column("loudness_lufs", sa.Float(), nullable=True),
        sa.Column("replaygain_track_gain_db", sa.Float(), nullable=True),
        sa.Column("replaygain_track_peak", sa.Float(), nullable=True),
        sa.Column("replaygain_album_gain_db", sa.Float(), nullable=True),
        sa.Column("replaygain_album_peak", sa.Float(), nullable=True),
        sa.Column("play_count", sa.Integer(), nullable=False),
        sa.Column("popularity_score", sa.Float(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("source IN ('library', 'discovery')", name=op.f("ck_songs_source")),
        sa.ForeignKeyConstraint(
            ["album_artist_id"],
            ["artists.id"],
            name=op.f("fk_songs_album_artist_id_artists"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_songs_album_id_albums"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_songs")),
        sa.UniqueConstraint("audio_hash", name=op.f("uq_songs_audio_hash")),
    )
    with op.batch_alter_table("songs", schema=None) as batch_op:
        batch_op.create_index("ix_songs_added_at", ["added_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_songs_album_artist_id"), ["album_artist_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_songs_album_id"), ["album_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_songs_folder_path"), ["folder_path"], unique=False)
        batch_op.create_index("ix_songs_play_count", ["play_count"], unique=False)
        batch_op.create_index(batch_op.f("ix_songs_sort_title"), ["sort_title"], unique=False)

    op.create_table(
        "playlist_songs",
        sa.Column("playlist_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_playlist_songs_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_playlist_songs_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playlist_id", "position", name=op.f("pk_playlist_songs")),
    )
    with op.batch_alter_table("playlist_songs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playlist_songs_song_id"), ["song_id"], unique=False)

    op.create_table(
        "renditions",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("bitrate_kbps", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["song_id"], ["songs.id"], name=op.f("fk_renditions_song_id_songs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("song_id", "kind", name=op.f("pk_renditions")),
    )
    op.create_table(
        "song_artists",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_song_artists_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_song_artists_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("song_id", "position", name=op.f("pk_song_artists")),
    )
    with op.batch_alter_table("song_artists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_song_artists_artist_id"), ["artist_id"], unique=False)

    op.create_table(
        "song_features",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column(
            "features",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("analyzer_version", sa.String(length=32), nullable=False),
        sa.Column("analyzed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_song_features_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("song_id", name=op.f("pk_song_features")),
    )
    op.create_table(
        "song_genres",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("genre_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["genre_id"],
            ["genres.id"],
            name=op.f("fk_song_genres_genre_id_genres"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["song_id"], ["songs.id"], name=op.f("fk_song_genres_song_id_songs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("song_id", "genre_id", name=op.f("pk_song_genres")),
    )
    with op.batch_alter_table("song_genres", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_song_genres_genre_id"), ["genre_id"], unique=False)

    op.create_table(
        "user_interactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("client_event_id", sa.String(length=64), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "action IN ('play', 'skip', 'complete', 'replay', 'like', 'unlike', 'dislike', 'add_to_playlist')",
            name=op.f("ck_user_interactions_action"),
        ),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_user_interactions_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_interactions")),
        sa.UniqueConstraint("user_id", "client_event_id", name="uq_user_interactions_client_event"),
    )
    with op.batch_alter_table("user_interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_interactions_song_time", ["song_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_user_interactions_user_time", ["user_id", "occurred_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user_interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_user_interactions_user_time")
        batch_op.drop_index("ix_user_interactions_song_time")

    op.drop_table("user_interactions")
    with op.batch_alter_table("song_genres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_song_genres_genre_id"))

    op.drop_table("song_genres")
    op.drop_table("song_features")
    with op.batch_alter_table("song_artists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_song_artists_artist_id"))

    op.drop_table("song_artists")
    op.drop_table("renditions")
    with op.batch_alter_table("playlist_songs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playlist_songs_song_id"))

    op.drop_table("playlist_songs")
    with op.batch_alter_table("songs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_songs_sort_title"))
        batch_op.drop_index("ix_songs_play_count")
        batch_op.drop_index(batch_op.f("ix_songs_folder_path"))
        batch_op.drop_index(batch_op.f("ix_songs_album_id"))
        batch_op.drop_index(batch_op.f("ix_songs_album_artist_id"))
        batch_op.drop_index("ix_songs_added_at")

    op.drop_table("songs")
    op.drop_table("recommendation_cache")
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playlists_owner_id"))

    op.drop_table("playlists")
    op.drop_table("listening_patterns")
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_albums_sort_name"))
        batch_op.drop_index(batch_op.f("ix_albums_musicbrainz_id"))
        batch_op.drop_index(batch_op.f("ix_albums_album_artist_id"))

    op.drop_table("albums")
    op.drop_table("users")
    op.drop_table("job_schedules")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_state_lease")
        batch_op.drop_index("ix_job_runs_name_enqueued")

    op.drop_table("job_runs")
    op.drop_table("genres")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_entity_id")

    op.drop_table("change_log")
    with op.batch_alter_table("artists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artists_sort_name"))
        batch_op.drop_index(batch_op.f("ix_artists_name"))
        batch_op.drop_index(batch_op.f("ix_artists_musicbrainz_id"))

    op.drop_table("artists")
