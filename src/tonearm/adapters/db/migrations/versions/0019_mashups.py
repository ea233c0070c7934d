"""Mashups: two of a user's songs mixed into one stored MP3, owned by that user alone

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mashups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("pair_key", sa.String(length=80), nullable=False),
        sa.Column("lead_song_id", sa.Uuid(), nullable=False),
        sa.Column("under_song_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("reason", _JSON, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_mashups_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mashups")),
        sa.UniqueConstraint("owner_id", "pair_key", name=op.f("uq_mashups_owner_id")),
    )
    op.create_index(op.f("ix_mashups_owner_id"), "mashups", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mashups_owner_id"), table_name="mashups")
    op.drop_table("mashups")
