"""API state: browser sessions, user preferences, stars (likes), the play rule's state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 08:01:40.740079
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "starred_items",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("item_kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("starred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "item_kind IN ('song', 'album', 'artist')", name=op.f("ck_starred_items_item_kind")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_starred_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "item_kind", "item_id", name=op.f("pk_starred_items")),
    )
    with op.batch_alter_table("starred_items", schema=None) as batch_op:
        batch_op.create_index("ix_starred_items_kind_item", ["item_kind", "item_id"], unique=False)

    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_preferences")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user_interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("play_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_user_interactions_play_state", ["play_state", "user_id"], unique=False
        )
        batch_op.create_check_constraint(
            "play_state", "play_state IN ('pending', 'counted', 'rejected')"
        )


def downgrade() -> None:
    with op.batch_alter_table("user_interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_interactions_play_state"), type_="check")
        batch_op.drop_index("ix_user_interactions_play_state")
        batch_op.drop_column("counted_at")
        batch_op.drop_column("play_state")
        batch_op.drop_column("position_ms")

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))

    op.drop_table("web_sessions")
    op.drop_table("user_preferences")
    with op.batch_alter_table("starred_items", schema=None) as batch_op:
        batch_op.drop_index("ix_starred_items_kind_item")

    op.drop_table("starred_items")
