"""/api/playlists/import and /api/playlists/{id}/export: playlists as M3U/M3U8/XSPF files."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from tonearm.api.attachment import attachment_disposition
from tonearm.api.deps import (
    ApiKeysDep,
    CurrentUser,
    FoldersDep,
    PlaylistFilesDep,
    PublicBase,
)
from tonearm.api.rest.errors import ErrorOut
from tonearm.api.rest.playlists import PlaylistDetailOut
from tonearm.errors import InvalidInput, TooLarge
from tonearm.playlists.files import ExportPaths, PlaylistFormat, Unmatched
from tonearm.playlists.files.models import MAX_FILE_BYTES

router = APIRouter(prefix="/playlists", tags=["playlists"])

# What Subsonic's stream URL says of the client that made it.
_EXPORT_CLIENT = "tonearm-export"
_SUBSONIC_VERSION = "1.16.1"


class UnmatchedOut(BaseModel):
    """An entry of the file no library song was found for."""

    line: int  # the line in an M3U file, the track number in an XSPF file
    text: str
    reason: str

    @classmethod
    def from_domain(cls, unmatched: Unmatched) -> UnmatchedOut:
        """From the domain Unmatched."""
        return cls(line=unmatched.line, text=unmatched.text, reason=unmatched.reason)


class ImportOut(BaseModel):
    """The playlist made, the entries left out of it, and how the file's text was read."""

    playlist: PlaylistDetailOut
    unmatched: list[UnmatchedOut]
    encoding: str


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportOut,
    responses={413: {"model": ErrorOut, "description": "The file is too large"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "name": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
                "audio/x-mpegurl": {"schema": {"type": "string", "format": "binary"}},
                "application/xspf+xml": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def import_playlist(
    request: Request,
    user: CurrentUser,
    playlist_files: PlaylistFilesDep,
    filename: Annotated[
        str | None, Query(max_length=255, description="the file's name, for a raw body")
    ] = None,
    name: Annotated[str | None, Query(max_length=200, description="the playlist's name")] = None,
) -> ImportOut:
    """Make a playlist from an M3U/M3U8/XSPF file: a multipart upload (`file`, and `name`
    optionally), or the file itself as the body. Entries are matched to library songs by
    path, then by artist and title; the answer lists those that matched none."""
    data, filename, name = await _read_upload(request, filename, name)
    result = await playlist_files.import_file(user.id, data, filename, name=name)
    return ImportOut(
        playlist=PlaylistDetailOut.from_contents(result.contents),
        unmatched=[UnmatchedOut.from_domain(u) for u in result.unmatched],
        encoding=result.encoding,
    )


@router.get(
    "/{playlist_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The playlist file",
            "content": {
                "audio/x-mpegurl": {"schema": {"type": "string"}},
                "application/xspf+xml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def export_playlist(
    playlist_id: UUID,
    user: CurrentUser,
    playlist_files: PlaylistFilesDep,
    folders: FoldersDep,
    api_keys: ApiKeysDep,
    base_url: PublicBase,
    format: Annotated[PlaylistFormat, Query(description="m3u8, m3u or xspf")] = (
        PlaylistFormat.M3U8
    ),
    paths: Annotated[
        ExportPaths,
        Query(
            description="relative (to `base`, or to each song's music folder), absolute "
            "(paths on the server) or urls (stream URLs carrying `api_key`)"
        ),
    ] = ExportPaths.RELATIVE,
    base: Annotated[int | None, Query(ge=1, description="a music folder id")] = None,
    api_key: Annotated[
        str | None, Query(max_length=200, description="one of your API keys, for paths=urls")
    ] = None,
) -> Response:
    """The playlist as a file to save. Removed songs are left out, and so are uploaded songs
    (they have no path) unless `paths=urls`. Stream URLs carry the API key given: they keep
    working until the key is revoked, and anyone holding the file can play them."""
    stream_url = None
    if paths is ExportPaths.URLS:
        if not api_key or await api_keys.user_for_key(api_key) != user:
            raise InvalidInput(
                "paths=urls needs api_key: one of your API keys (create one under Settings), "
                "which is written into every URL"
            )
        key = api_key.strip()

        def stream_url(song_id: UUID) -> str:
            query = urlencode(
                {"id": str(song_id), "apiKey": key, "v": _SUBSONIC_VERSION, "c": _EXPORT_CLIENT}
            )
            return f"{base_url}/rest/stream.view?{query}"

    exported = await playlist_files.export_playlist(
        user.id,
        playlist_id,
        format,
        paths,
        folders=await folders.list_folders(),
        base=await folders.get(base) if base is not None else None,
        stream_url=stream_url,
    )
    return Response(
        exported.body,
        media_type=exported.content_type,
        headers={
            "Content-Disposition": attachment_disposition(exported.filename),
            "X-Skipped-Entries": str(exported.skipped),
        },
    )


async def _read_upload(
    request: Request, filename: str | None, name: str | None
) -> tuple[bytes, str | None, str | None]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_FILE_BYTES + 64 * 1024:
        raise _too_large()
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=2)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("multipart upload: a `file` field is required")
        data = await upload.read(MAX_FILE_BYTES + 1)
        given = form.get("name")
        return (
            _bounded(data),
            upload.filename or filename,
            given if isinstance(given, str) and given.strip() else name,
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FILE_BYTES:
            raise _too_large()
    if not body:
        raise InvalidInput("the request body is empty: send a playlist file")
    return bytes(body), filename, name


def _bounded(data: bytes) -> bytes:
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    if not data:
        raise InvalidInput("the uploaded file is empty")
    return data


def _too_large() -> TooLarge:
    return TooLarge(f"playlist file: at most {MAX_FILE_BYTES} bytes allowed")
