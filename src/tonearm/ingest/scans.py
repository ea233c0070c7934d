"""Scans of the music folders as the admin screens and Subsonic see them.

A scan is a run of the `library.scan` job (the schedule, the admin screens and Subsonic's
startScan queue the same one); at most one is queued or running at a time, and a folder is
not removed while one runs (the scan could bring its songs back as it goes).
"""

from __future__ import annotations

from dataclasses import dataclass

from tonearm.errors import InvalidInput
from tonearm.ingest.jobs import SCAN_JOB
from tonearm.jobs import JobRun, JobService, JobState
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.folders import IMPORTED_FOLDER
from tonearm.library.music_folders import MusicFolderStatus

# How many of the scan job's newest runs are looked through for the last finished one.
RECENT_SCANS = 20


@dataclass(frozen=True, slots=True)
class LibraryScanStatus:
    """The music folders, the library's size, and the scan now under way and the last one."""

    folders: list[MusicFolderStatus]
    imported_songs: int
    song_count: int
    schedule: str | None
    active: JobRun | None
    last: JobRun | None


@dataclass(frozen=True, slots=True)
class StartedScan:
    """The scan queued now, or (`started` false) the one already queued or running."""

    run: JobRun
    started: bool


class ScanService:
    """Starts scans (one at a time) and reports on them and on the music folders."""

    def __init__(
        self, jobs: JobService, folders: MusicFolderService, catalog: CatalogService
    ) -> None:
        self._jobs = jobs
        self._folders = folders
        self._catalog = catalog

    async def status(self) -> LibraryScanStatus:
        """Each folder (does it exist on disk, its songs, last scan) and the scans."""
        entries = await self._catalog.music_folders()
        return LibraryScanStatus(
            folders=await self._folders.statuses(),
            imported_songs=sum(e.song_count for e in entries if e.path == IMPORTED_FOLDER),
            song_count=sum(entry.song_count for entry in entries),
            schedule=self._jobs.registry.get(SCAN_JOB).cron,
            active=await self._jobs.active_run(SCAN_JOB),
            last=await self._last_finished(),
        )

    async def scanning(self) -> bool:
        """Whether a scan is queued or running."""
        return await self._jobs.active_run(SCAN_JOB) is not None

    async def start(self, folder_id: int | None = None) -> StartedScan:
        """Queue a scan of every folder, or of one (FolderNotFound for an unknown id),
        unless a scan is already queued or running: then that one."""
        if folder_id is not None:
            await self._folders.get(folder_id)  # not found before anything is queued
        active = await self._jobs.active_run(SCAN_JOB)
        if active is not None:
            return StartedScan(active, started=False)
        payload = {"folder_id": folder_id} if folder_id is not None else None
        return StartedScan(await self._jobs.enqueue(SCAN_JOB, payload), started=True)

    async def remove_folder(self, folder_id: int) -> int:
        """Remove a music folder and tombstone its songs (how many); refused while a scan
        is under way."""
        if await self.scanning():
            raise InvalidInput("a scan is under way: remove the folder once it has finished")
        return await self._folders.remove(folder_id)

    async def _last_finished(self) -> JobRun | None:
        for run in await self._jobs.recent(SCAN_JOB, RECENT_SCANS):
            if run.state in (JobState.SUCCEEDED, JobState.FAILED):
                return run
        return None


__all__ = ["LibraryScanStatus", "ScanService", "StartedScan"]
