"""What two-phase scanning keeps in the database, as a Protocol and its values.

Implemented in adapters/db/enrichment.py. Phase 1 writes songs in batches (one transaction
per batch, each new or changed song queued for enrichment in the same transaction); phase 2
claims queued songs one at a time under a lease, records what the decode learned (merging a
duplicate on the way), and marks them done. The queue is a table, so it survives restarts.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from tonearm.ingest.models import AudioAnalysis
from tonearm.library.models import SongDraft

# A song not yet enriched carries this instead of a PCM hash (the column is unique and not
# null): "~" and its own id, so it can never equal a real hash (64 hex digits) or another's.
PENDING_HASH_PREFIX = "~"


def pending_audio_hash(song_id: UUID) -> str:
    """The stand-in audio hash of a song listed by phase 1 and not yet enriched."""
    return PENDING_HASH_PREFIX + song_id.hex


def is_pending_audio_hash(audio_hash: str) -> bool:
    """True for a phase-1 stand-in, False for a decoded PCM hash."""
    return audio_hash.startswith(PENDING_HASH_PREFIX)


@dataclass(frozen=True, slots=True)
class ScannedSong:
    """One song phase 1 writes: new, or a known song brought up to date with its file."""

    song_id: UUID
    draft: SongDraft
    file_identity: str
    is_new: bool
    # True when the audio may have changed (new file, or a new identity): the song loses
    # its renditions and analysis and is queued for enrichment. False for a retag or move.
    enrich: bool


@dataclass(frozen=True, slots=True)
class IdentityMatch:
    """A song that had a file with the same cheap identity (a move or a comeback?)."""

    song_id: UUID
    original_path: str | None
    deleted: bool


@dataclass(frozen=True, slots=True)
class EnrichmentTask:
    """A claimed song: what phase 1 saw of its file when it queued it."""

    song_id: UUID
    generation: int
    art_only: bool
    size_bytes: int | None
    mtime_ns: int | None


@dataclass(frozen=True, slots=True)
class EnrichmentCounts:
    """The queue at a glance; `recent_per_minute` is the rate over the last ten minutes."""

    pending: int
    running: int
    failed: int
    done: int
    recent_per_minute: float

    @property
    def eta_seconds(self) -> float | None:
        """Time left at the recent rate; None when nothing finished lately."""
        left = self.pending + self.running
        if left == 0:
            return 0.0
        if self.recent_per_minute <= 0:
            return None
        return left / self.recent_per_minute * 60.0


class AudioOutcome(enum.StrEnum):
    """What recording a decoded identity did."""

    RECORDED = "recorded"  # this song now has its PCM hash and analysis
    MERGED_AWAY = "merged_away"  # an older song has this audio: this one merged into it


@dataclass(frozen=True, slots=True)
class AudioRecord:
    """The result of `record_audio`: the song that lives on (this one, or the older one)."""

    outcome: AudioOutcome
    song_id: UUID
    dropped_id: UUID | None = None


class EnrichmentQueue(Protocol):
    """Phase 1's batched writes and phase 2's durable queue."""

    async def write_scanned(
        self,
        songs: Sequence[ScannedSong],
        now: datetime,
        *,
        folder_covers: Sequence[tuple[str, str | None, int | None]] = (),
    ) -> None:
        """Insert or update `songs` and queue those with `enrich`, and remember the
        (folder, cover path, cover mtime) seen, in one transaction."""
        ...

    async def identity_matches(
        self, file_identities: Collection[str]
    ) -> dict[str, list[IdentityMatch]]:
        """Songs whose file had one of these identities (live or tombstoned), oldest first."""
        ...

    async def claim(self, worker_id: str, now: datetime, lease: timedelta) -> EnrichmentTask | None:
        """The next pending song (most recently played first, then newest), or one whose
        lease ran out, marked running; None when the queue is empty."""
        ...

    async def renew(self, task: EnrichmentTask, now: datetime, lease: timedelta) -> None:
        """Extend a running task's lease."""
        ...

    async def record_audio(
        self, song_id: UUID, analysis: AudioAnalysis, now: datetime
    ) -> AudioRecord:
        """Store the decoded identity and analysis; when another song has the same audio,
        merge the two (the older id stays, with all history; the other id becomes an alias)."""
        ...

    async def finish(self, task: EnrichmentTask, now: datetime) -> bool:
        """Mark done, unless the song was queued again meanwhile (then pending); True if done."""
        ...

    async def fail(self, task: EnrichmentTask, reason: str, now: datetime) -> None:
        """Mark failed with the reason (a rescan of a changed file queues it again)."""
        ...

    async def release(self, task: EnrichmentTask) -> None:
        """Back to pending without a result (a discarded result for a changed file)."""
        ...

    async def queue_art(self, song_ids: Sequence[UUID], now: datetime) -> int:
        """Queue the cover art of `song_ids` again (songs already waiting keep their place)."""
        ...

    async def counts(self, now: datetime) -> EnrichmentCounts:
        """Pending, running, failed and done songs."""
        ...

    async def failed_files(self, under: str) -> dict[str, tuple[int | None, int | None]]:
        """(size, mtime) of each recorded failure under the folder `under`, by path."""
        ...

    async def songs_in_folder(self, folder: str) -> list[UUID]:
        """Live songs read in place from exactly this folder."""
        ...

    async def folder_covers(self, under: str) -> dict[str, tuple[str | None, int | None]]:
        """(cover path, its mtime) of each folder at or under `under`, as the last scan saw
        it; folders never seen are absent."""
        ...
