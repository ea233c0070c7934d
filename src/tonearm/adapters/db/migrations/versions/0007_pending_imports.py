"""Pending imports (finished at the next start after a crash); compilation flag on songs;
albums remember their MusicBrainz release id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("audio_hash", sa.String(length=64), nullable=False),
        sa.Column("original_key", sa.String(length=512), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=True),
        sa.Column("upload_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["users.id"],
            name=op.f("fk_pending_imports_uploader_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("song_id", name=op.f("pk_pending_imports")),
    )
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_imports_audio_hash"), ["audio_hash"], unique=False
        )
    # Not in batch mode (see downgrade): SQLite adds a column with a constant default in
    # place.
    op.add_column(
        "songs", sa.Column("compilation", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # Albums made before this revision learn their release id from their songs, so a new
    # song with the same release id joins them.
    op.execute(
        "UPDATE albums SET musicbrainz_id = (SELECT MIN(songs.musicbrainz_album_id) FROM songs "
        "WHERE songs.album_id = albums.id) WHERE musicbrainz_id IS NULL"
    )


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies and drops `songs`, which the foreign keys
    # of plays, renditions and playlist entries point at. ALTER TABLE … DROP COLUMN
    # (SQLite 3.35+) changes the table in place.
    op.drop_column("songs", "compilation")
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_imports_audio_hash"))
    op.drop_table("pending_imports")
