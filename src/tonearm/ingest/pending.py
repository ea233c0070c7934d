"""Pending imports: an import or upload between "original stored" and "song listed".

An imported song is listed only once it is complete (renditions, waveform, cover art), so
the pipeline stores every object first and inserts the song with its rendition rows in one
transaction. A process killed in between would leave objects that no row points at and a
file the user believes imported; the pending row, written before the original is stored,
is what lets the next start of `serve` or `worker` finish the job from the stored
original (`FINISH_PENDING_JOB`), and what keeps the orphan cleanup off those objects.
Implemented in adapters/db/pending_imports.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

FINISH_PENDING_JOB = "library.finish_pending_imports"

# `<prefix>/<song id>.<ext>` or `art/<song id>-<size>.<format>`: the song a stored object
# belongs to (keys are made from ids, never from tag text, see keys.py).
_SONG_ID_IN_KEY = re.compile(
    r"^[a-z]+/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


@dataclass(frozen=True, slots=True)
class PendingImport:
    """What is needed to finish an import from its stored original alone."""

    song_id: UUID
    audio_hash: str
    original_key: str
    source_name: str  # the file's path when it was imported: tag fallbacks, `.lrc`, cover
    source: str  # "import" or "upload"
    created_at: datetime
    uploader_id: UUID | None = None
    upload_key: str | None = None  # the upload's object while its job may still run


class PendingImports(Protocol):
    """The durable list of imports not yet finished."""

    async def add(self, pending: PendingImport) -> None:
        """Record an import about to store its original (replaces one with the same id)."""
        ...

    async def find_by_audio_hash(self, audio_hash: str) -> PendingImport | None:
        """The oldest pending import of this audio, if any."""
        ...

    async def all(self) -> list[PendingImport]:
        """Every pending import, oldest first."""
        ...

    async def remove(self, song_id: UUID) -> None:
        """Forget a pending import (given up, or found a duplicate)."""
        ...

    async def pending_song_ids(self, song_ids: Collection[UUID]) -> set[UUID]:
        """Which of `song_ids` belong to a pending import."""
        ...


def song_id_of_key(key: str) -> UUID | None:
    """The song id a storage key was made from, or None for other keys."""
    match = _SONG_ID_IN_KEY.match(key)
    return UUID(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class RepairSummary:
    """What the start-up repair did."""

    finished: int = 0  # songs now listed
    duplicates: int = 0  # the same audio was listed meanwhile: objects dropped
    dropped: int = 0  # the original never arrived: nothing to finish
    left_to_upload_job: int = 0  # an upload whose job will run again and finish it
    failed: int = 0  # the stored original no longer ingests: recorded as a failure, dropped
    completed_listed: int = 0  # songs an older version listed half-done, now completed
    unrecoverable: int = 0  # … whose original is gone from storage (left as they are)

    def as_dict(self) -> dict[str, int]:
        """For the job's result."""
        return {
            "finished": self.finished,
            "duplicates": self.duplicates,
            "dropped": self.dropped,
            "left_to_upload_job": self.left_to_upload_job,
            "failed": self.failed,
            "completed_listed": self.completed_listed,
            "unrecoverable": self.unrecoverable,
        }
