"""Uploads: received to a temp file under a size cap, kept durably, imported by a job.

An upload answered 202 survives a server killed right after: before answering, its bytes
are in object storage under `uploads/` (shared by every server and worker, unlike a local
temp folder) and its job is a row in the job ledger. The job downloads the object, runs
the ingest pipeline and deletes the object; a crash in between just runs it again.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from uuid import UUID

from tonearm.adapters.storage.base import ObjectStore
from tonearm.errors import InvalidInput, NotFound, PermissionDenied, TooLarge
from tonearm.ingest.tags import clean_text
from tonearm.jobs.models import JobContext, JobRun, JobState
from tonearm.jobs.service import JobService
from tonearm.users import User

if TYPE_CHECKING:
    from tonearm.ingest.pipeline import IngestResult
    from tonearm.ingest.service import LibraryIngest

UPLOAD_JOB = "library.import_upload"
UPLOAD_PREFIX = "uploads/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()\[\]-]+")


class UploadTooLarge(TooLarge):
    """A file over the upload size limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"upload is larger than the limit of {limit} bytes (TONEARM_UPLOAD_MAX_BYTES)"
        )


class UploadNotFound(NotFound):
    """No upload job with this id (or not the caller's)."""

    def __init__(self, run_id: UUID) -> None:
        super().__init__(f"no upload {run_id}")


def safe_filename(name: str | None) -> str:
    """The last path segment of a client's filename, with odd characters replaced."""
    cleaned = _UNSAFE.sub("_", uploaded_name(name)).strip(". ")
    return cleaned[:200] or "upload"


def uploaded_name(name: str | None) -> str:
    """The name a person uploaded the file as: the last segment of the client's filename,
    as text (control characters and lone surrogates dropped); "upload" when none.

    What the upload's status and a failure are shown with; the temp file on disk is named
    by `safe_filename` instead.
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return clean_text(base, 200) or "upload"


@dataclass
class SpooledFile:
    """One received file in the temp folder."""

    filename: str
    path: Path
    size_bytes: int = 0


@dataclass
class UploadSpool:
    """The files of one request as they arrive; each capped at `max_bytes`.

    Written synchronously (call from a thread); `discard` removes everything.
    """

    folder: Path
    max_bytes: int
    files: list[SpooledFile] = field(default_factory=list)
    _current: BinaryIO | None = None

    def start(self, filename: str | None) -> None:
        """Begin the next file."""
        self.finish()
        path = self.folder / f"{len(self.files)}-{safe_filename(filename)}"
        self.files.append(SpooledFile(uploaded_name(filename), path))
        self._current = path.open("wb")

    def write(self, data: bytes) -> None:
        """Append to the current file; raises UploadTooLarge past the cap."""
        if self._current is None:
            raise InvalidInput("upload data before any file")
        spooled = self.files[-1]
        spooled.size_bytes += len(data)
        if spooled.size_bytes > self.max_bytes:
            raise UploadTooLarge(self.max_bytes)
        self._current.write(data)

    def finish(self) -> None:
        """Close the current file."""
        if self._current is not None:
            self._current.close()
            self._current = None

    def discard(self) -> None:
        """Remove every file of this request."""
        self.finish()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class UploadStatus:
    """Where an upload is: queued, processing, done or failed (with why)."""

    job_id: UUID
    state: str
    filename: str | None
    outcome: str | None = None
    song_id: str | None = None
    reason: str | None = None


class UploadService:
    """Receives uploads and reports on their import."""

    def __init__(
        self,
        store: ObjectStore,
        jobs: JobService,
        temp_dir: Path,
        max_bytes: int,
        *,
        user_uploads: bool = True,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._temp_dir = temp_dir
        self.max_bytes = max_bytes
        self._user_uploads = user_uploads

    def may_upload(self, user: User) -> bool:
        """Admins always; other users when TONEARM_USER_UPLOADS is on."""
        return user.is_admin or self._user_uploads

    def check_may_upload(self, user: User) -> None:
        """PermissionDenied unless the user may upload."""
        if not self.may_upload(user):
            raise PermissionDenied("only admins may upload (TONEARM_USER_UPLOADS=false)")

    async def import_stored(
        self, key: str, name: str, uploader_id: UUID | None, ingest: LibraryIngest
    ) -> IngestResult:
        """Download a kept upload to a temp folder, ingest it under the name the user gave,
        then delete the kept upload (only then: a crash before leaves it for the rerun)."""
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(
            await asyncio.to_thread(tempfile.mkdtemp, prefix="import-", dir=self._temp_dir)
        )
        try:
            path = folder / safe_filename(name)
            with path.open("wb") as file:
                async for chunk in self._store.get_range(key):
                    await asyncio.to_thread(file.write, chunk)
            # A failure is listed under the name the user uploaded, not the temp file's path.
            result = await ingest.ingest_upload(path, name, uploader_id=uploader_id, upload_key=key)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        await self._store.delete(key)
        return result

    def new_spool(self) -> UploadSpool:
        """A fresh temp folder for one request's files (call from a thread)."""
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        return UploadSpool(
            Path(tempfile.mkdtemp(prefix="upload-", dir=self._temp_dir)), self.max_bytes
        )

    async def submit(self, spooled: SpooledFile, user_id: UUID) -> JobRun:
        """Keep the file durably and queue its import; returns the job run."""
        if spooled.size_bytes == 0:
            raise InvalidInput(f"{spooled.filename}: the file is empty")
        key = f"{UPLOAD_PREFIX}{uuid.uuid4()}"
        await self._store.put_file(key, spooled.path)
        return await self._jobs.enqueue(
            UPLOAD_JOB,
            {"upload_key": key, "filename": spooled.filename, "user_id": str(user_id)},
        )

    async def status(self, run_id: UUID, user_id: UUID, *, is_admin: bool) -> UploadStatus:
        """The state of the caller's upload (admins: anyone's)."""
        try:
            run = await self._jobs.get(run_id)
        except NotFound:
            raise UploadNotFound(run_id) from None
        owner = run.payload.get("user_id")
        if run.job_name != UPLOAD_JOB or (owner != str(user_id) and not is_admin):
            raise UploadNotFound(run_id)
        filename = run.payload.get("filename")
        if run.state is JobState.FAILED:
            return UploadStatus(run.id, "failed", filename, reason=run.error)
        if run.state is not JobState.SUCCEEDED or run.result is None:
            state = "processing" if run.state is JobState.RUNNING else "queued"
            return UploadStatus(run.id, state, filename)
        outcome = run.result.get("outcome")
        return UploadStatus(
            run.id,
            "failed" if outcome == "failed" else "done",
            filename,
            outcome=outcome,
            song_id=run.result.get("song_id"),
            reason=run.result.get("reason"),
        )


def _user_id(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


async def import_upload(context: JobContext) -> Mapping[str, Any]:
    """Download an upload from storage, ingest it, then delete the stored upload."""
    key = context.payload.get("upload_key")
    if not isinstance(key, str) or not key.startswith(UPLOAD_PREFIX):
        raise InvalidInput(f"{UPLOAD_JOB} needs an 'upload_key' under {UPLOAD_PREFIX}")
    raw_name = context.payload.get("filename")
    domains = context.domains
    result = await domains.uploads.import_stored(
        key,
        uploaded_name(raw_name if isinstance(raw_name, str) else None),
        _user_id(context.payload.get("user_id")),
        domains.ingest,
    )
    return {
        "outcome": result.outcome.value,
        "song_id": str(result.song_id) if result.song_id else None,
        "reason": result.reason,
    }
