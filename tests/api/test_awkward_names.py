"""Names as people see them over REST: a Latin-1-named scanned file browses, lists and
plays; a failed upload is listed under the name it was uploaded as (issue 15, defects 1, 7)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.ingest.conftest import make_track
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio


async def sign_in(
    client: httpx.AsyncClient, services: Runtime, name: str, role: Role
) -> dict[str, str]:
    await services.domains.users.add_user(name, PASSWORD, role)
    response = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_latin1_named_scanned_file_browses_lists_and_plays(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path
) -> None:
    admin = await sign_in(client, services, "root", Role.ADMIN)
    root = tmp_path / "music"
    folder = root / os.fsdecode(b"Chanson fran\xe7aise")
    odd = make_track(folder / os.fsdecode(b"caf\xe9.mp3"), seconds=2.0)
    make_track(root / "Good" / "fine.mp3", seconds=2.0, frequency_hz=550)
    (folder / os.fsdecode(b"d\xe9j\xe0 vu.mp3")).write_text("not music")

    summary = await services.domains.ingest.scan([root])
    assert summary.counts["imported"] == 2 and summary.counts["failed"] == 1

    songs = (await client.get("/api/songs", headers=admin)).json()["items"]
    cafe = next(song for song in songs if song["title"] == "café")
    stream = await client.get(
        f"/api/songs/{cafe['id']}/stream", params={"quality": "original"}, headers=admin
    )
    assert stream.status_code == 200, stream.text
    parts = urlsplit(stream.json()["url"])
    media = await client.get(f"{parts.path}?{parts.query}")
    assert media.status_code == 200 and media.content == odd.read_bytes()

    # Songs scanned from outside the music folders: each outermost folder is a root.
    roots = (await client.get("/api/folders", headers=admin)).json()
    names = sorted(entry["name"] for entry in roots["folders"])
    assert names == ["Chanson française", "Good"]
    odd_folder = next(e for e in roots["folders"] if e["name"] == "Chanson française")
    listing = await client.get("/api/folders", params={"path": odd_folder["path"]}, headers=admin)
    assert [song["title"] for song in listing.json()["songs"]] == ["café"]

    failures = (await client.get("/api/admin/ingest/failures", headers=admin)).json()
    assert [Path(item["path"]).name for item in failures["items"]] == ["déjà vu.mp3"]


async def test_a_failed_upload_is_listed_under_its_uploaded_name(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await sign_in(client, services, "root", Role.ADMIN)
    response = await client.post(
        "/api/songs",
        headers=admin,
        files=[("file", ("Café notes.flac", b"these are only notes " * 50, "audio/flac"))],
    )
    assert response.status_code == 202, response.text
    (upload,) = response.json()["uploads"]
    assert upload["filename"] == "Café notes.flac"
    await services.domains.jobs.execute(
        uuid.UUID(upload["job_id"]), "test-worker", services.domains
    )

    status = (await client.get(upload["status_url"], headers=admin)).json()
    assert status["state"] == "failed" and status["filename"] == "Café notes.flac"
    failures = (await client.get("/api/admin/ingest/failures", headers=admin)).json()
    assert [(item["path"], item["source"]) for item in failures["items"]] == [
        ("Café notes.flac", "upload")
    ]
    assert "tmp" not in failures["items"][0]["reason"]


async def test_an_exception_while_importing_an_upload_is_that_uploads_failure(
    client: httpx.AsyncClient, services: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await sign_in(client, services, "root", Role.ADMIN)
    good = make_track(tmp_path / "good.mp3", seconds=1.0)

    async def exploding(path: Path) -> None:
        raise RuntimeError("injected for the test")

    monkeypatch.setattr(services.domains.ingest.pipeline, "analyse", exploding)
    response = await client.post(
        "/api/songs?filename=Boom.mp3", headers=admin, content=good.read_bytes()
    )
    (upload,) = response.json()["uploads"]
    await services.domains.jobs.execute(
        uuid.UUID(upload["job_id"]), "test-worker", services.domains
    )

    status = (await client.get(upload["status_url"], headers=admin)).json()
    assert status["state"] == "failed", status
    assert status["reason"] == "internal error (RuntimeError: injected for the test)"
    failures = (await client.get("/api/admin/ingest/failures", headers=admin)).json()
    assert [item["path"] for item in failures["items"]] == ["Boom.mp3"]
