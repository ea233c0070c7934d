"""/api/admin/folders: add, remove and rescan one music folder (admins only).

Folders are named by their stable integer id. A path added here must lie under one of the
owner's TONEARM_FOLDER_ROOTS (403 otherwise, and when that setting is empty); the rules
themselves are MusicFolderService's. List them with GET /api/admin/library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Response, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from tonearm.api.deps import AdminUser, FoldersDep, ScansDep
from tonearm.api.rest.admin_library import MusicFolderOut, StartedScanOut, started_scan_out
from tonearm.api.rest.schemas import INT32_MAX
from tonearm.library.music_folders import MusicFolderStatus

router = APIRouter(prefix="/admin/folders", tags=["admin"])

FolderId = Annotated[int, PathParam(ge=1, le=INT32_MAX)]


class FolderIn(BaseModel):
    """A folder on the server to read in place."""

    path: str = Field(min_length=1, max_length=4096, description="An absolute path")


class RemovedFolderOut(BaseModel):
    """What removing a folder did."""

    id: int
    songs_tombstoned: int


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_folder(body: FolderIn, folders: FoldersDep, admin: AdminUser) -> MusicFolderOut:
    """Add a music folder (400: not a folder, nested, tonearm's own data; 403: outside
    TONEARM_FOLDER_ROOTS; 409: already one). Its songs come with its first scan:
    POST /api/admin/folders/{id}/scan."""
    folder = await folders.add(Path(body.path), from_web=True)
    return MusicFolderOut.from_domain(MusicFolderStatus(folder, song_count=0, exists=True))


@router.delete("/{folder_id}")
async def remove_folder(folder_id: FolderId, scans: ScansDep, admin: AdminUser) -> RemovedFolderOut:
    """Remove a music folder; its songs are tombstoned (history kept: they come back with
    their ids if it is added back and scanned). 400 while a scan is under way: it could
    bring the folder's songs back as it goes."""
    removed = await scans.remove_folder(folder_id)
    return RemovedFolderOut(id=folder_id, songs_tombstoned=removed)


@router.post(
    "/{folder_id}/scan",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": StartedScanOut, "description": "A scan was already under way"}},
)
async def scan_folder(
    folder_id: FolderId, scans: ScansDep, admin: AdminUser, response: Response
) -> StartedScanOut:
    """Rescan one music folder now (404 for an unknown id), unless a scan is already
    queued or running (then 200 with that one)."""
    return started_scan_out(await scans.start(folder_id), response)
