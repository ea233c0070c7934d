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
from tonearm.api.deps import AdminUser, ScansDep, StatusDep
from tonearm.api.rest.admin import JobRunOut
from tonearm.api.rest.health import ComponentOut, health_out
from tonearm.health import uptime_seconds
from tonearm.ingest.scans import StartedScan
from tonearm.jobs import JobRun
from tonearm.library.music_folders import MusicFolderStatus

router = APIRouter(prefix="/admin", tags=["admin"])


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


@router.get("/library")
async def library_status(scans: ScansDep, admin: AdminUser) -> LibraryOut:
    """The music folders (id, path, songs, last scan, does it exist), and the scans
    (admins only)."""
    found = await scans.status()
    return LibraryOut(
        folders=[MusicFolderOut.from_domain(status) for status in found.folders],
        imported_songs=found.imported_songs,
        song_count=found.song_count,
        scan_schedule=found.schedule,
        active_scan=ScanRunOut.from_run(found.active) if found.active else None,
        last_scan=ScanRunOut.from_run(found.last) if found.last else None,
    )


@router.post(
    "/scans",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": StartedScanOut, "description": "A scan was already under way"}},
)
async def start_scan(scans: ScansDep, admin: AdminUser, response: Response) -> StartedScanOut:
    """Rescan the music folders now, unless a scan is already queued or running (then 200
    with that one). Follow it in GET /api/admin/library."""
    return started_scan_out(await scans.start(), response)


def started_scan_out(started: StartedScan, response: Response) -> StartedScanOut:
    """The scan queued now (202), or the one already queued or running (200)."""
    if not started.started:
        response.status_code = status.HTTP_200_OK
    return StartedScanOut(**ScanRunOut.from_run(started.run).model_dump(), started=started.started)


@router.get("/health")
async def admin_health(server: StatusDep, admin: AdminUser) -> AdminHealthOut:
    """GET /api/health's component checks, plus songs, accounts, storage used, import
    failures, jobs whose last run failed, version and uptime (admins only)."""
    overview = await server.overview()
    health = health_out(overview.components)
    storage = overview.storage
    return AdminHealthOut(
        status=health.status,
        version=__version__,
        uptime_seconds=round(uptime_seconds(), 1),
        components=health.components,
        songs=overview.songs,
        users=UsersCountOut(
            total=overview.accounts.total,
            active=overview.accounts.active,
            admins=overview.accounts.admins,
        ),
        storage=StorageOut(
            renditions_bytes=storage.renditions_bytes,
            originals_bytes=storage.originals_bytes,
            total_bytes=storage.total_bytes,
        ),
        import_failures=overview.import_failures,
        music_folders=overview.music_folders,
        failed_jobs=overview.failed_jobs,
    )
