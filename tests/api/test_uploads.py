"""POST /api/songs and GET /api/ingest/{job_id}: streamed uploads imported by a job."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

from tests.ingest.audio_factory import make_audio_file
from tonearm.app import Runtime
from tonearm.ingest.uploads import UploadService
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def sign_in(
    client: httpx.AsyncClient, services: Runtime, name: str, role: Role
) -> dict[str, str]:
    await services.domains.users.add_user(name, PASSWORD, role)
    tokens = (
        await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def run_job(services: Runtime, job_id: str) -> None:
    await services.domains.jobs.execute(uuid.UUID(job_id), "test-worker", services.domains)


async def stored_uploads(services: Runtime) -> list[str]:
    return [info.key async for info in services.store.list("uploads/")]


async def test_a_multipart_upload_is_imported_by_its_job(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    headers = await sign_in(client, services, "alice", Role.USER)
    good = make_audio_file(
        tmp_path, "flac", seconds=1.5, tags={"title": "Uploaded", "artists": ["Me"]}
    )
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3\x04\x00\x00" + bytes(5004))  # an empty ID3v2 header, no audio
    response = await client.post(
        "/api/songs",
        headers=headers,
        data={"note": "a plain form field is ignored"},
        files=[
            ("file", ("my song.flac", good.read_bytes(), "audio/flac")),
            ("file", ("../../corrupt.mp3", corrupt.read_bytes(), "audio/mpeg")),
        ],
    )
    assert response.status_code == 202, response.text
    uploads = response.json()["uploads"]
    assert [u["filename"] for u in uploads] == ["my song.flac", "corrupt.mp3"]
    assert uploads[0]["size"] == good.stat().st_size
    assert len(await stored_uploads(services)) == 2  # durable before the 202
    first = await client.get(uploads[0]["status_url"], headers=headers)
    assert first.json()["state"] == "queued"

    for upload in uploads:
        await run_job(services, upload["job_id"])
    done = (await client.get(uploads[0]["status_url"], headers=headers)).json()
    assert done["state"] == "done" and done["outcome"] == "imported", done
    song = await services.songs.get(uuid.UUID(done["song_id"]))
    assert song.title == "Uploaded" and song.original_key is not None
    original = b"".join([c async for c in services.store.get_range(song.original_key)])
    assert original == good.read_bytes()  # the upload's bytes, unchanged
    failed = (await client.get(uploads[1]["status_url"], headers=headers)).json()
    assert failed["state"] == "failed" and failed["reason"], failed
    assert await stored_uploads(services) == []  # imported uploads are removed


async def test_a_raw_body_upload_takes_its_name_from_the_query(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    headers = await sign_in(client, services, "alice", Role.USER)
    track = make_audio_file(tmp_path, "mp3", seconds=1.0)
    response = await client.post(
        "/api/songs?filename=Raw%20Song.mp3", headers=headers, content=track.read_bytes()
    )
    assert response.status_code == 202, response.text
    (upload,) = response.json()["uploads"]
    assert upload["filename"] == "Raw Song.mp3"
    await run_job(services, upload["job_id"])
    status = (await client.get(upload["status_url"], headers=headers)).json()
    assert status["state"] == "done"
    assert (await services.songs.get(uuid.UUID(status["song_id"]))).title == "Raw Song"


async def test_too_large_uploads_are_refused_and_leave_nothing(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    headers = await sign_in(client, services, "alice", Role.USER)
    services.domains.uploads.max_bytes = 10_000
    big = os.urandom(20_000)
    response = await client.post("/api/songs?filename=big.mp3", headers=headers, content=big)
    assert response.status_code == 413 and "limit" in response.json()["error"]["message"]

    async def chunked() -> object:  # no Content-Length: the cap applies while streaming
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    streamed = await client.post("/api/songs?filename=big.mp3", headers=headers, content=chunked())
    assert streamed.status_code == 413
    assert await stored_uploads(services) == []
    assert not any(services.settings.temp_dir.glob("upload-*"))


async def test_upload_rights_and_status_privacy(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    alice = await sign_in(client, services, "alice", Role.USER)
    bob = await sign_in(client, services, "bob", Role.USER)
    admin = await sign_in(client, services, "root", Role.ADMIN)
    track = make_audio_file(tmp_path, "mp3", seconds=1.0)
    response = await client.post(
        "/api/songs?filename=a.mp3", headers=alice, content=track.read_bytes()
    )
    status_url = response.json()["uploads"][0]["status_url"]
    assert (await client.get(status_url, headers=bob)).status_code == 404
    assert (await client.get(status_url, headers=admin)).status_code == 200
    assert (await client.get(f"/api/ingest/{uuid.uuid4()}", headers=alice)).status_code == 404
    assert (await client.post("/api/songs", content=b"x")).status_code == 401
    empty = await client.post("/api/songs?filename=e.mp3", headers=alice, content=b"")
    assert empty.status_code == 400
    # TONEARM_USER_UPLOADS=false, as open_runtime builds it from the setting.
    services.domains.uploads = UploadService(
        services.store,
        services.domains.jobs,
        services.settings.temp_dir,
        services.settings.upload_max_bytes,
        user_uploads=False,
    )
    me = (await client.get("/api/auth/me", headers=bob)).json()
    assert me["can_upload"] is False
    refused = await client.post("/api/songs?filename=a.mp3", headers=bob, content=b"abc")
    assert refused.status_code == 403
    allowed = await client.post(
        "/api/songs?filename=b.mp3", headers=admin, content=track.read_bytes()
    )
    assert allowed.status_code == 202
