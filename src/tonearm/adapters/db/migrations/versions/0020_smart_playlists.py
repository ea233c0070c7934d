"""Smart playlists: a playlist's rules, when it was evaluated and until when that holds

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "smart_playlists",
        sa.Column("playlist_id", sa.Uuid(), nullable=False),
        sa.Column("rules", _JSON, nullable=False),
        sa.Column("refreshed_at", _WHEN, nullable=False),
        sa.Column("valid_until", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_smart_playlists_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playlist_id", name=op.f("pk_smart_playlists")),
    )
    op.create_index(
        op.f("ix_smart_playlists_valid_until"), "smart_playlists", ["valid_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_smart_playlists_valid_until"), table_name="smart_playlists")
    op.drop_table("smart_playlists")
