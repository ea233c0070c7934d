"""Scrobbling out: users' connections to ListenBrainz and Last.fm, and the outbox of
submissions a job delivers to them (retried until the service answers 2xx)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scrobble_connections",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("connected_at", _TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("retry_at", _TIME, nullable=True),
        sa.Column("last_sent_at", _TIME, nullable=True),
        sa.CheckConstraint(
            "service IN ('listenbrainz', 'lastfm')", name=op.f("ck_scrobble_connections_service")
        ),
        sa.CheckConstraint(
            "state IN ('active', 'paused')", name=op.f("ck_scrobble_connections_state")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scrobble_connections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "service", name=op.f("pk_scrobble_connections")),
    )
    op.create_table(
        "scrobble_outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("play_id", _ID, nullable=True),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("track", _JSON, nullable=False),
        sa.Column("queued_at", _TIME, nullable=False),
        sa.Column("attempted_at", _TIME, nullable=True),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.CheckConstraint(
            "kind IN ('listen', 'love', 'unlove')", name=op.f("ck_scrobble_outbox_kind")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scrobble_outbox_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scrobble_outbox")),
        sa.UniqueConstraint("user_id", "service", "play_id", name="uq_scrobble_outbox_play"),
    )
    op.create_index(
        "ix_scrobble_outbox_unsent",
        "scrobble_outbox",
        ["user_id", "service", "sent_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_scrobble_outbox_unsent", table_name="scrobble_outbox")
    op.drop_table("scrobble_outbox")
    op.drop_table("scrobble_connections")
