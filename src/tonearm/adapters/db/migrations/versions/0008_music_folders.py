"""Music folders as database state; earlier ad-hoc scans' roots become folders

Before this, the music folders were only the setting TONEARM_MUSIC_FOLDERS, and a folder
given to `tonearm scan` on the command line was never rescanned. Each outermost folder of
live in-place songs becomes a music folder here (what the admin screen listed as "songs
from an earlier setting"); the setting itself seeds the table when tonearm starts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:20:00.000000
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "music_folders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_scan_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "last_scan",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_music_folders")),
        sa.UniqueConstraint("path", name=op.f("uq_music_folders_path")),
        sqlite_autoincrement=True,
    )
    _folders_from_earlier_scans()


def _folders_from_earlier_scans() -> None:
    """The outermost folders of live in-place songs become music folders (kept inline, not
    imported from library/, so this revision reads the same whatever the code becomes)."""
    bind = op.get_bind()
    songs = sa.table(
        "songs",
        sa.column("folder_path", sa.Text()),
        sa.column("original_path", sa.Text()),
        sa.column("deleted_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(songs.c.folder_path)
        .where(
            songs.c.deleted_at.is_(None),
            songs.c.original_path.is_not(None),
            songs.c.folder_path.is_not(None),
        )
        .distinct()
    )
    roots: list[str] = []
    # Sorted, so an ancestor comes before what it contains.
    for folder in sorted(row[0] for row in rows):
        if not any(folder == root or folder.startswith(root.rstrip("/") + "/") for root in roots):
            roots.append(folder)
    if not roots:
        return
    table = sa.table(
        "music_folders",
        sa.column("path", sa.Text()),
        sa.column("name", sa.String(500)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    bind.execute(
        sa.insert(table),
        [
            {"path": root, "name": (posixpath.basename(root) or root)[:500], "created_at": now}
            for root in roots
        ],
    )


def downgrade() -> None:
    op.drop_table("music_folders")
