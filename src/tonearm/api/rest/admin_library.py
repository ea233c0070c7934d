"""/api/admin/library, /api/admin/scans and /api/admin/health: the admin screens' music
folders, scans and server health (admins only). Adding and removing folders is in
admin_folders.py.

A scan is a run of the `library.scan` job, the same one the schedule and Subsonic's
startScan queue; at most one is queued or running at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from tonearm import __version__
from tonearm.api.deps import AdminUser, ServicesDep
from tonearm.api.rest.admin import JobRunOut
from tonearm.api.rest.health import ComponentOut, check_health
from tonearm.health import uptime_seconds
from tonearm.ingest.jobs import SCAN_JOB
from tonearm.jobs import JobRun, JobState
from tonearm.library.folders import IMPORTED_FOLDER
from tonearm.library.music_folders import MusicFolderStatus

router = APIRouter(prefix="/admin", tags=["admin"])

# How many of the scan job's newest runs are looked through for the last finished one.
RECENT_SCANS = 20


class ScanFailureOut(BaseModel):
    """A file the scan could not import, and why."""

    path: str
    reason: str


class ScanResultOut(BaseModel):
    """What a finished scan did (`skipped` says why it did nothing)."""

    added: int
    updated: int
    moved: int
    removed: int
    failed: int
    duplicates: int
    unchanged: int
    skipped: str | None
    failures: list[ScanFailureOut]

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> ScanResultOut:
        """From the job's result (BatchSummary.as_dict, or {"skipped": reason})."""

        def count(key: str) -> int:
            value = result.get(key, 0)
            return value if isinstance(value, int) else 0

        failures = result.get("failures") or []
        return cls(
            added=count("imported") + count("resumed"),
            updated=count("updated"),
            moved=count("moved"),
            removed=count("removed"),
            failed=count("failed"),
            duplicates=count("duplicate"),
            unchanged=count("unchanged"),
            skipped=str(result["skipped"]) if result.get("skipped") else None,
            failures=[ScanFailureOut(path=f["path"], reason=f["reason"]) for f in failures],
        )


class MusicFolderOut(BaseModel):
    """A music folder (kept in the database; TONEARM_MUSIC_FOLDERS only seeds them), by its
    stable id; `path` is shown readably (non-UTF-8 bytes as Windows-1252)."""

    id: int
    path: str
    name: str
    exists: bool
    song_count: int
    created_at: datetime
    last_scan_at: datetime | None
    last_scan: ScanResultOut | None

    @classmethod
    def from_domain(cls, status: MusicFolderStatus) -> MusicFolderOut:
        """From a MusicFolderStatus."""
        folder = status.folder
        return cls(
            id=folder.id,
            path=folder.display,
            name=folder.name,
            exists=status.exists,
            song_count=status.song_count,
            created_at=folder.created_at,
            last_scan_at=folder.last_scan_at,
            last_scan=ScanResultOut.from_result(folder.last_scan) if folder.last_scan else None,
        )


class ScanRunOut(JobRunOut):
    """A run of the scan job, with its result read as counts once it succeeded."""

    summary: ScanResultOut | None

    @classmethod
    def from_run(cls, run: JobRun) -> ScanRunOut:
        """From a run of `library.scan`."""
        summary = ScanResultOut.from_result(run.result) if run.result is not None else None
        return cls(**JobRunOut.from_domain(run).model_dump(), summary=summary)


class LibraryOut(BaseModel):
    """The music folders, the library's size, and the scan now under way and the last one."""

    folders: list[MusicFolderOut]
    imported_songs: int
    song_count: int
    scan_schedule: str | None
    active_scan: ScanRunOut | None
    last_scan: ScanRunOut | None


class StartedScanOut(ScanRunOut):
    """The scan queued now, or (`started` false) the one already queued or running."""

    started: bool


class UsersCountOut(BaseModel):
    """How many accounts there are."""

    total: int
    active: int
    admins: int


class StorageOut(BaseModel):
    """Bytes tonearm keeps in its object storage for live songs."""

    renditions_bytes: int
    originals_bytes: int
    total_bytes: int


class AdminHealthOut(BaseModel):
    """GET /api/health's checks, plus the figures an admin watches."""

    status: str
    version: str
    uptime_seconds: float
    components: dict[str, ComponentOut]
    songs: int
    users: UsersCountOut
    storage: StorageOut
    import_failures: int
    music_folders: int
    failed_jobs: list[str]


async def _last_finished_scan(services: Any) -> JobRun | None:
    for run in await services.jobs.recent(SCAN_JOB, RECENT_SCANS):
        if run.state in (JobState.SUCCEEDED, JobState.FAILED):
            return run  # type: ignore[no-any-return]
    return None


@router.get("/library")
async def library_status(services: ServicesDep, admin: AdminUser) -> LibraryOut:
    """The music folders (id, path, songs, last scan, does it exist), and the scans
    (admins only)."""
    statuses = await services.folders.statuses()
    entries = await services.catalog.music_folders()
    active = await services.jobs.active_run(SCAN_JOB)
    last = await _last_finished_scan(services)
    return LibraryOut(
        folders=[MusicFolderOut.from_domain(status) for status in statuses],
        imported_songs=sum(e.song_count for e in entries if e.path == IMPORTED_FOLDER),
        song_count=sum(entry.song_count for entry in entries),
        scan_schedule=services.jobs.registry.get(SCAN_JOB).cron,
        active_scan=ScanRunOut.from_run(active) if active else None,
        last_scan=ScanRunOut.from_run(last) if last else None,
    )


@router.post(
    "/scans",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": StartedScanOut, "description": "A scan was already under way"}},
)
async def start_scan(services: ServicesDep, admin: AdminUser, response: Response) -> StartedScanOut:
    """Rescan the music folders now, unless a scan is already queued or running (then 200
    with that one). Follow it in GET /api/admin/library."""
    return await queue_scan(services, response)


async def queue_scan(
    services: Any, response: Response, payload: dict[str, Any] | None = None
) -> StartedScanOut:
    """Queue the scan job with `payload` unless a scan is already queued or running (then
    200 with that one: scans never run side by side)."""
    active = await services.jobs.active_run(SCAN_JOB)
    if active is not None:
        response.status_code = status.HTTP_200_OK
        return StartedScanOut(**ScanRunOut.from_run(active).model_dump(), started=False)
    run = await services.jobs.enqueue(SCAN_JOB, payload)
    return StartedScanOut(**ScanRunOut.from_run(run).model_dump(), started=True)


@router.get("/health")
async def admin_health(services: ServicesDep, admin: AdminUser) -> AdminHealthOut:
    """GET /api/health's component checks, plus songs, accounts, storage used, import
    failures, jobs whose last run failed, version and uptime (admins only)."""
    health = await check_health(services)
    users = await services.users.list_users()
    renditions, originals = await services.songs.stored_bytes()
    _, failures = await services.songs.failures(1, 0)
    statuses = await services.jobs.statuses()
    return AdminHealthOut(
        status=health.status,
        version=__version__,
        uptime_seconds=round(uptime_seconds(), 1),
        components=health.components,
        songs=await services.songs.count_live(),
        users=UsersCountOut(
            total=len(users),
            active=sum(1 for user in users if user.active),
            admins=sum(1 for user in users if user.is_admin),
        ),
        storage=StorageOut(
            renditions_bytes=renditions,
            originals_bytes=originals,
            total_bytes=renditions + originals,
        ),
        import_failures=failures,
        music_folders=len(await services.folders.list_folders()),
        failed_jobs=sorted(
            job.definition.name
            for job in statuses
            if job.last_run is not None and job.last_run.state is JobState.FAILED
        ),
    )
