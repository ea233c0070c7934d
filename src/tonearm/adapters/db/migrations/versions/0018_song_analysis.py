"""Audio analysis: song_features gains a status (done or failed, with the reason) and the
scalar features that queries filter and sort on (tempo, key, energy, …) plus the
similarity embedding as packed float32; precomputed transitions between song pairs

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("song_features", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=8), server_default="done", nullable=False)
        )
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tempo_bpm", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("key_pitch", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("key_mode", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("energy", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("danceability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("valence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))
        batch_op.create_check_constraint("status", "status IN ('done', 'failed')")
        batch_op.create_index(
            batch_op.f("ix_song_features_analyzer_version"), ["analyzer_version"], unique=False
        )
    op.create_table(
        "transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("from_song_id", sa.Uuid(), nullable=False),
        sa.Column("to_song_id", sa.Uuid(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("beat_matched", sa.Boolean(), nullable=False),
        sa.Column("analyzer_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["from_song_id"],
            ["songs.id"],
            name=op.f("fk_transitions_from_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_song_id"],
            ["songs.id"],
            name=op.f("fk_transitions_to_song_id_songs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
        sa.UniqueConstraint("from_song_id", "to_song_id", name=op.f("uq_transitions_from_song_id")),
    )
    op.create_index(op.f("ix_transitions_to_song_id"), "transitions", ["to_song_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_transitions_to_song_id"), table_name="transitions")
    op.drop_table("transitions")
    with op.batch_alter_table("song_features", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_song_features_analyzer_version"))
        batch_op.drop_constraint("status", type_="check")
        for column in (
            "embedding",
            "valence",
            "danceability",
            "energy",
            "key_mode",
            "key_pitch",
            "tempo_bpm",
            "error",
            "status",
        ):
            batch_op.drop_column(column)
