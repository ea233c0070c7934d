"""POST /api/songs (upload) and GET /api/ingest/{job_id} (how its import went)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, status
from pydantic import BaseModel
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import parse_options_header

from tonearm.api.deps import CurrentUser, UploadsDep
from tonearm.api.rest.errors import ErrorOut
from tonearm.errors import InvalidInput
from tonearm.ingest.uploads import UploadSpool, UploadStatus, UploadTooLarge

router = APIRouter(tags=["uploads"])

# File parts in one multipart request (the web app sends one file per request).
MAX_UPLOAD_FILES = 100
# A raw upload's name (?filename= or X-Filename); stored names are cut to 200 characters.
MAX_FILENAME_LENGTH = 1024


class UploadedOut(BaseModel):
    """One accepted file and the job importing it."""

    job_id: UUID
    filename: str
    size: int
    status_url: str


class UploadsOut(BaseModel):
    """What a POST /api/songs accepted (one entry per file)."""

    uploads: list[UploadedOut]


class IngestStatusOut(BaseModel):
    """Where an upload's import is; `reason` says why a bad file was refused."""

    job_id: UUID
    state: Literal["queued", "processing", "done", "failed"]
    filename: str | None
    outcome: str | None
    song_id: str | None
    reason: str | None

    @classmethod
    def from_domain(cls, found: UploadStatus) -> IngestStatusOut:
        """From the domain status."""
        return cls(
            job_id=found.job_id,
            state=found.state,  # type: ignore[arg-type]
            filename=found.filename,
            outcome=found.outcome,
            song_id=found.song_id,
            reason=found.reason,
        )


def _multipart_parser(boundary: bytes, spool: UploadSpool) -> MultipartParser:
    """A streaming parser that writes each file part into the spool as it arrives."""
    state: dict[str, bytes] = {"header_field": b"", "headers": b""}

    def on_part_begin() -> None:
        state["headers"] = b""

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header_field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        if state["header_field"].lower() == b"content-disposition":
            state["headers"] += data[start:end]

    def on_header_end() -> None:
        state["header_field"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["headers"])
        filename = options.get(b"filename")
        if filename is None:
            state["skip"] = b"1"  # a plain form field: not a file
            return
        state.pop("skip", None)
        if len(spool.files) >= MAX_UPLOAD_FILES:
            raise MultipartParseError(f"more than {MAX_UPLOAD_FILES} files in one request")
        spool.start(filename.decode("utf-8", "replace"))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if "skip" not in state:
            spool.write(data[start:end])

    def on_part_end() -> None:
        spool.finish()

    return MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )


async def _receive(request: Request, spool: UploadSpool, filename: str | None) -> None:
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    if kind == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise InvalidInput("multipart upload without a boundary")
        parser = _multipart_parser(boundary, spool)
        malformed: FormParserError | None = None
        drained = 0
        async for chunk in request.stream():
            if malformed is None:
                try:
                    await asyncio.to_thread(parser.write, chunk)
                except FormParserError as error:
                    malformed = error
            else:
                # Read the rest (up to the size limit) so the client is answered 400 on a
                # connection that stays usable instead of one reset mid-upload.
                drained += len(chunk)
                if drained > spool.max_bytes:
                    break
        if malformed is None:
            try:
                await asyncio.to_thread(parser.finalize)
            except FormParserError as error:
                malformed = error
        if malformed is not None:
            raise InvalidInput(
                f"malformed multipart upload: {malformed} (at most {MAX_UPLOAD_FILES} files; "
                "a part's header line, file name included, must stay under 4 KiB)"
            ) from malformed
    else:
        # A raw body is one file, named by ?filename= or X-Filename.
        await asyncio.to_thread(spool.start, filename)
        async for chunk in request.stream():
            await asyncio.to_thread(spool.write, chunk)
    spool.finish()


@router.post(
    "/songs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadsOut,
    responses={
        413: {"model": ErrorOut, "description": "A file over TONEARM_UPLOAD_MAX_BYTES"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            }
                        },
                    }
                },
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def upload_songs(
    request: Request,
    user: CurrentUser,
    uploads: UploadsDep,
    filename: Annotated[
        str | None,
        Query(max_length=MAX_FILENAME_LENGTH, description="Name of a raw-body upload"),
    ] = None,
    x_filename: Annotated[str | None, Header(max_length=MAX_FILENAME_LENGTH)] = None,
    content_length: Annotated[int | None, Header(ge=0)] = None,
) -> UploadsOut:
    """Upload audio files (multipart, up to 100 file parts; or one raw body).

    Each file is streamed to disk (never held in memory) under the size limit, kept in
    storage, and imported by a background job: 202 with one job id per file. Poll
    `GET /api/ingest/{job_id}` for the result; a bad file's reason is reported there.
    """
    uploads.check_may_upload(user)
    # Multipart framing is small: a body far over the limit cannot hold a file under it.
    if content_length is not None and content_length > uploads.max_bytes + 1024 * 1024:
        raise UploadTooLarge(uploads.max_bytes)
    spool = await asyncio.to_thread(uploads.new_spool)
    try:
        await _receive(request, spool, filename or x_filename)
        if not spool.files:
            raise InvalidInput("no file in the upload (send multipart file parts or a raw body)")
        accepted = []
        for spooled in spool.files:
            run = await uploads.submit(spooled, user.id)
            accepted.append(
                UploadedOut(
                    job_id=run.id,
                    filename=spooled.filename,
                    size=spooled.size_bytes,
                    status_url=f"/api/ingest/{run.id}",
                )
            )
    finally:
        await asyncio.to_thread(spool.discard)
    return UploadsOut(uploads=accepted)


@router.get("/ingest/{job_id}", response_model=IngestStatusOut)
async def ingest_status(job_id: UUID, user: CurrentUser, uploads: UploadsDep) -> IngestStatusOut:
    """How the import of one of your uploads went (admins: anyone's)."""
    found = await uploads.status(job_id, user.id, is_admin=user.is_admin)
    return IngestStatusOut.from_domain(found)
