"""Ingest: lyrics, chromaprint fingerprint, unique original path, import failures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:00:19.045093
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_failures",
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_import_failures")),
    )
    with op.batch_alter_table("songs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("lyrics", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "synced_lyrics",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_unique_constraint(batch_op.f("uq_songs_original_path"), ["original_path"])


def downgrade() -> None:
    with op.batch_alter_table("songs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_songs_original_path"), type_="unique")
        batch_op.drop_column("synced_lyrics")
        batch_op.drop_column("lyrics")
        batch_op.drop_column("fingerprint")

    op.drop_table("import_failures")
