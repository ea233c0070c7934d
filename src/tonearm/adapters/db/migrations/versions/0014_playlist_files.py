"""Playlists read from playlist files (.m3u, .m3u8, .xspf) found in music folders

A scanned playlist remembers its file (`source_path`, unique) and the music folder it was
found in (`source_folder_id`): each scan of that folder brings it in line with the file and
removes it when the file is gone (or the folder is no longer a music folder).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, never a batch copy: on SQLite copying `playlists` would drop the table its
    # entries cascade from. A unique index stands in for a unique constraint (SQLite cannot
    # add one to a table), and the folder id is a plain column for the same reason.
    op.add_column("playlists", sa.Column("source_path", sa.Text(), nullable=True))
    op.add_column("playlists", sa.Column("source_folder_id", sa.Integer(), nullable=True))
    op.create_index("ix_playlists_source_path", "playlists", ["source_path"], unique=True)
    op.create_index(
        "ix_playlists_source_folder_id", "playlists", ["source_folder_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_playlists_source_folder_id", table_name="playlists")
    op.drop_index("ix_playlists_source_path", table_name="playlists")
    for column in ("source_folder_id", "source_path"):
        # In place (SQLite 3.35+ and PostgreSQL): no table copy, as in upgrade.
        op.execute(f"ALTER TABLE playlists DROP COLUMN {column}")
