"""Song tags that reach the API: comment, original date, release types, record labels, moods,
stream format (sample rate, bit depth, channels), contributors (composer, lyricist, ...),
and which version of the tag reader wrote a song (`tags_version`)

Existing songs keep these empty until their file is read again (a rescan reads an unchanged
file's tags once more when its `tags_version` is older than the reader's: see ingest/scan.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_COLUMNS = (
    ("comment", sa.Text()),
    ("original_date", sa.String(length=10)),
    ("release_types", _JSON),
    ("record_labels", _JSON),
    ("moods", _JSON),
    ("sample_rate", sa.Integer()),
    ("bit_depth", sa.Integer()),
    ("channels", sa.Integer()),
    ("tags_version", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("songs") as batch:
        for name, column_type in _COLUMNS:
            batch.add_column(sa.Column(name, column_type, nullable=True))
    op.create_table(
        "song_contributors",
        sa.Column("song_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("sub_role", sa.String(length=100), nullable=True),
        sa.Column("artist_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_song_contributors_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["song_id"],
            ["songs.id"],
            name=op.f("fk_song_contributors_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("song_id", "position", name=op.f("pk_song_contributors")),
    )
    op.create_index(
        op.f("ix_song_contributors_artist_id"), "song_contributors", ["artist_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_song_contributors_artist_id"), table_name="song_contributors")
    op.drop_table("song_contributors")
    for name, _ in reversed(_COLUMNS):
        # In place (SQLite 3.35+ and PostgreSQL): a batch copy of `songs` would drop the old
        # table under the rows that reference it (SQLite refuses: "database table is locked").
        op.execute(f"ALTER TABLE songs DROP COLUMN {name}")
