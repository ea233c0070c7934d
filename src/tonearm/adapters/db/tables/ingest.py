"""Import bookkeeping: failures, pending imports, enrichment state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.adapters.db.tables.base import Base


class ImportFailureRow(Base):
    """A file that could not be ingested, and why; cleared when it later imports fine."""

    __tablename__ = "import_failures"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # scan, import or upload
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    failed_at: Mapped[datetime]


class PendingImportRow(Base):
    """An import or upload whose original is (about to be) in storage but whose song is not
    yet in the library: written before the original is stored, deleted in the transaction
    that inserts the song with its renditions. What a start of `serve` or `worker` finishes
    after a crash (ingest/pending.py); no foreign key to songs, the song does not exist yet."""

    __tablename__ = "pending_imports"

    song_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    audio_hash: Mapped[str] = mapped_column(String(64), index=True)
    original_key: Mapped[str] = mapped_column(String(512))
    source_name: Mapped[str] = mapped_column(Text)  # the file's path: tag fallbacks, .lrc
    source: Mapped[str] = mapped_column(String(16))  # import or upload
    uploader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    upload_key: Mapped[str | None] = mapped_column(String(512))  # uploads/… while its job runs
    created_at: Mapped[datetime]


ENRICHMENT_STATES = ("pending", "running", "failed", "done")


class SongEnrichmentRow(Base):
    """Phase 2 of a scanned song: its place in the durable enrichment queue, and what phase 1
    saw of its file (so a result for a file that changed since is recognised and dropped).

    One row per song read in place; songs imported before two-phase scanning have none and
    count as enriched. `generation` grows each time the song is queued again, so a worker
    finishing an older claim does not mark the newer request done.
    """

    __tablename__ = "song_enrichment"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in ENRICHMENT_STATES) + ")", name="state"
        ),
        Index("ix_song_enrichment_state_queued", "state", "queued_at"),
    )

    song_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True
    )
    # Cheap identity of the file's audio payload (see adapters/media/identity.py).
    file_identity: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    art_only: Mapped[bool] = mapped_column(Boolean, default=False)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime]
    lease_expires_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None]
