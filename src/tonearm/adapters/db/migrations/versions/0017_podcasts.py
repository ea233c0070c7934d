"""Podcasts: subscribed channels, their episodes (with the stored file), and each user's
position in an episode

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "podcast_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("refreshed_at", _WHEN, nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'downloading', 'completed', 'error')",
            name=op.f("ck_podcast_channels_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_podcast_channels")),
        sa.UniqueConstraint("url", name=op.f("uq_podcast_channels_url")),
    )
    op.create_table(
        "podcast_episodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("published_at", _WHEN, nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("enclosure_url", sa.String(length=2000), nullable=False),
        sa.Column("enclosure_type", sa.String(length=100), nullable=True),
        sa.Column("enclosure_size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.String(length=512), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("downloaded_at", _WHEN, nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'downloading', 'completed', 'error', 'deleted')",
            name=op.f("ck_podcast_episodes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["podcast_channels.id"],
            name=op.f("fk_podcast_episodes_channel_id_podcast_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_podcast_episodes")),
        sa.UniqueConstraint("channel_id", "guid", name=op.f("uq_podcast_episodes_channel_id")),
    )
    op.create_index(
        op.f("ix_podcast_episodes_published_at"),
        "podcast_episodes",
        ["published_at"],
        unique=False,
    )
    op.create_table(
        "podcast_progress",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("position_ms", sa.BigInteger(), nullable=False),
        sa.Column("played", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["podcast_episodes.id"],
            name=op.f("fk_podcast_progress_episode_id_podcast_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_podcast_progress_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "episode_id", name=op.f("pk_podcast_progress")),
    )
    op.create_index(
        op.f("ix_podcast_progress_episode_id"),
        "podcast_progress",
        ["episode_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_podcast_progress_episode_id"), table_name="podcast_progress")
    op.drop_table("podcast_progress")
    op.drop_index(op.f("ix_podcast_episodes_published_at"), table_name="podcast_episodes")
    op.drop_table("podcast_episodes")
    op.drop_table("podcast_channels")
