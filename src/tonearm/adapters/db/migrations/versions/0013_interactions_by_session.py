"""An index on a user's listening events by session, for the play rule

The play rule judges the events of the sessions a batch touched and of those with a pending
play (adapters/db/plays.py). Without this index both databases read every event the user
ever sent to find them, so each batch of events cost more as the history grew.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_user_interactions_user_session",
        "user_interactions",
        ["user_id", "session_id", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_user_interactions_user_session", table_name="user_interactions")
