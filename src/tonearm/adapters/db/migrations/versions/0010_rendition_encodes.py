"""Rendition encode claims: one on-demand encode per (song, rendition) across processes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendition_encodes",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_rendition_encodes_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("song_id", "kind", name=op.f("pk_rendition_encodes")),
    )


def downgrade() -> None:
    op.drop_table("rendition_encodes")
