"""Two-phase scanning: the enrichment queue, song aliases left by merges, folder covers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "song_enrichment",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("file_identity", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("art_only", sa.Boolean(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_id", sa.String(length=100), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'failed', 'done')",
            name=op.f("ck_song_enrichment_state"),
        ),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_song_enrichment_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("song_id", name=op.f("pk_song_enrichment")),
    )
    with op.batch_alter_table("song_enrichment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_song_enrichment_file_identity"), ["file_identity"], unique=False
        )
        batch_op.create_index(
            "ix_song_enrichment_state_queued", ["state", "queued_at"], unique=False
        )

    op.create_table(
        "song_aliases",
        sa.Column("old_id", sa.Uuid(), nullable=False),
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_song_aliases_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("old_id", name=op.f("pk_song_aliases")),
    )
    with op.batch_alter_table("song_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_song_aliases_song_id"), ["song_id"], unique=False)

    op.create_table(
        "folder_covers",
        sa.Column("folder_path", sa.Text(), nullable=False),
        sa.Column("cover_path", sa.Text(), nullable=True),
        sa.Column("cover_mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("folder_path", name=op.f("pk_folder_covers")),
    )


def downgrade() -> None:
    op.drop_table("folder_covers")
    with op.batch_alter_table("song_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_song_aliases_song_id"))
    op.drop_table("song_aliases")
    with op.batch_alter_table("song_enrichment", schema=None) as batch_op:
        batch_op.drop_index("ix_song_enrichment_state_queued")
        batch_op.drop_index(batch_op.f("ix_song_enrichment_file_identity"))
    op.drop_table("song_enrichment")
