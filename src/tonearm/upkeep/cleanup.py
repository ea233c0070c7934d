"""The weekly cleanup: what nothing needs any more, in storage, on disk and in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from tonearm.adapters.storage.base import ObjectStore
from tonearm.ingest.cleanup import TEMP_PREFIX, remove_orphan_objects, remove_stale_temp_folders
from tonearm.ingest.pending import PendingImports
from tonearm.ingest.uploads import UPLOAD_JOB, UPLOAD_PREFIX
from tonearm.jobs import JobService, JobState
from tonearm.library.repository import SongRepository
from tonearm.upkeep.tiering import TIERING_JOB
from tonearm.users import AuthService

log = structlog.get_logger(__name__)

# Scratch folders of ingest, of upload requests and of upload imports (see ingest/uploads.py).
TEMP_PREFIXES = (TEMP_PREFIX, "upload-", "import-")
STALE_TEMP_SECONDS = 24 * 3600.0
OPEN_STATES = (JobState.QUEUED, JobState.RUNNING)
UPLOAD_RUNS_CHECKED = 10_000


async def remove_stale_uploads(
    store: ObjectStore, jobs: JobService, *, now: datetime, older_than: timedelta
) -> int:
    """Delete `uploads/` objects older than `older_than` that no queued or running import
    is waiting for (a finished import deletes its upload; these were left behind)."""
    waiting = {
        run.payload.get("upload_key")
        for run in await jobs.recent(UPLOAD_JOB, UPLOAD_RUNS_CHECKED)
        if run.state in OPEN_STATES
    }
    removed = 0
    async for info in store.list(UPLOAD_PREFIX):
        if info.key not in waiting and info.modified_at < now - older_than:
            await store.delete(info.key)
            removed += 1
    return removed


async def remove_stale_temp(temp_dir: Path) -> int:
    """Scratch folders of killed ingests and uploads, a day old or more."""
    return await asyncio.to_thread(
        remove_stale_temp_folders, temp_dir, STALE_TEMP_SECONDS, TEMP_PREFIXES
    )


async def remove_orphans(
    store: ObjectStore,
    songs: SongRepository,
    *,
    now: datetime,
    grace: timedelta,
    pending: PendingImports | None = None,
) -> int:
    """Stored objects no song references, older than `grace` (a pending import's kept)."""
    return await remove_orphan_objects(store, songs, now=now, grace=grace, pending=pending)


@dataclass(frozen=True, slots=True)
class CleanupPolicy:
    """How long things are kept before the cleanup removes them (from settings)."""

    orphan_grace: timedelta
    upload_age: timedelta
    temp_dir: Path
    keep_runs_per_job: int


class Cleanup:
    """The weekly cleanup job's work, over the domains that own each thing removed."""

    def __init__(
        self,
        store: ObjectStore,
        songs: SongRepository,
        pending: PendingImports,
        jobs: JobService,
        auth: AuthService,
        policy: CleanupPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._songs = songs
        self._pending = pending
        self._jobs = jobs
        self._auth = auth
        self._policy = policy
        self._clock = clock

    async def run(self) -> dict[str, Any]:
        """Orphaned objects, stale uploads and temp folders, expired sign-ins, old job runs;
        how many of each were removed."""
        now = self._clock()
        policy = self._policy
        orphans = 0
        if await self._jobs.active_run(TIERING_JOB) is None:
            orphans = await remove_orphans(
                self._store, self._songs, now=now, grace=policy.orphan_grace, pending=self._pending
            )
        else:
            # A tiering run may be keeping dropped renditions' bytes until the edge URLs
            # naming them expire (edge mode): their rows are gone, so they look orphaned.
            # They are removed by that run, or by the next cleanup.
            log.info("cleanup.orphans_skipped", reason="tiering run in progress")
        return {
            "orphan_objects": orphans,
            "stale_uploads": await remove_stale_uploads(
                self._store, self._jobs, now=now, older_than=policy.upload_age
            ),
            "temp_folders": await remove_stale_temp(policy.temp_dir),
            **(await self._auth.remove_expired()),
            "job_runs": await self._jobs.prune(policy.keep_runs_per_job),
        }


__all__ = [
    "Cleanup",
    "CleanupPolicy",
    "remove_orphans",
    "remove_stale_temp",
    "remove_stale_uploads",
]
