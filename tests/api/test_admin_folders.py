"""/api/admin/folders: music folders added, rescanned and removed from the admin API, the
web's allowed roots, and a rescan picking up a file added later (issue 15, defect 4)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.ingest.audio_factory import make_audio_file
from tonearm.app import Runtime, attach_runtime, open_runtime
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio


@pytest.fixture
def roots(tmp_path: Path) -> Path:
    """The one folder under which the web admin may add music folders."""
    (tmp_path / "allowed").mkdir()
    return tmp_path / "allowed"


@pytest.fixture
def settings(stack_settings: Settings, roots: Path) -> Settings:
    return stack_settings.model_copy(update={"folder_roots": [roots], "user_uploads": False})


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_runtime(settings)
    yield opened
    await opened.close()


async def admin_headers(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    await services.domains.users.add_user("root", PASSWORD, Role.ADMIN)
    response = await client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def song_file(folder: Path, title: str, hz: float) -> Path:
    return make_audio_file(
        folder,
        "flac",
        tags={"title": title, "artists": "Folders", "album": "Later"},
        name=f"{title}.flac",
        frequency_hz=hz,
    )


async def run_scan(client: httpx.AsyncClient, services: Runtime, headers: dict, folder_id: int):  # type: ignore[no-untyped-def]
    started = await client.post(f"/api/admin/folders/{folder_id}/scan", headers=headers)
    assert started.status_code == 202, started.text
    await services.domains.jobs.execute(uuid.UUID(started.json()["id"]), "test", services.domains)
    run = await services.domains.jobs.get(uuid.UUID(started.json()["id"]))
    assert run.state.value == "succeeded", run.error
    return run.result


async def titles(services: Runtime) -> set[str]:
    return {s.title for s in (await services.domains.catalog.folder(None)).songs} | {
        song.title
        for entry in (await services.domains.catalog.folder(None)).folders
        for song in (await services.domains.catalog.folder(entry.path)).songs
    }


async def test_a_folder_added_from_the_admin_api_is_scanned_and_picks_up_new_files(
    client: httpx.AsyncClient, services: Runtime, roots: Path
) -> None:
    headers = await admin_headers(client, services)
    music = roots / "music"
    song_file(music, "First", 330)

    added = await client.post("/api/admin/folders", json={"path": str(music)}, headers=headers)
    assert added.status_code == 201, added.text
    folder_id = added.json()["id"]
    assert added.json()["path"] == str(music.resolve())
    await run_scan(client, services, headers, folder_id)
    assert await titles(services) == {"First"}

    # A file dropped in later appears with the next Scan now (all folders, from the table).
    song_file(music, "Second", 550)
    started = await client.post("/api/admin/scans", headers=headers)
    await services.domains.jobs.execute(uuid.UUID(started.json()["id"]), "test", services.domains)
    assert await titles(services) == {"First", "Second"}

    listed = (await client.get("/api/admin/library", headers=headers)).json()["folders"]
    assert [(f["id"], f["song_count"], f["exists"]) for f in listed] == [(folder_id, 2, True)]
    assert listed[0]["last_scan"]["added"] == 1 and listed[0]["last_scan"]["unchanged"] == 1

    # Removing tombstones the songs; adding it back and rescanning revives the same ids.
    before = {
        s.title: s.id for s in (await services.domains.catalog.folder(str(music.resolve()))).songs
    }
    fan = await services.domains.users.add_user("fan", PASSWORD)
    await services.domains.stars.like(fan.id, before["First"])
    removed = await client.delete(f"/api/admin/folders/{folder_id}", headers=headers)
    assert removed.json() == {"id": folder_id, "songs_tombstoned": 2}
    assert await titles(services) == set()
    assert (await client.get("/api/admin/library", headers=headers)).json()["folders"] == []
    again = await client.post("/api/admin/folders", json={"path": str(music)}, headers=headers)
    new_id = again.json()["id"]
    assert new_id != folder_id  # ids are never reused
    await run_scan(client, services, headers, new_id)
    after = {
        s.title: s.id for s in (await services.domains.catalog.folder(str(music.resolve()))).songs
    }
    assert after == before
    # The history came back with them: the like made before the removal is there again.
    liked = (await services.domains.stars.likes(fan.id)).items
    assert [like.song.id for like in liked] == [before["First"]]


async def test_the_web_may_add_only_under_the_allowed_roots(
    client: httpx.AsyncClient, services: Runtime, roots: Path, tmp_path: Path, settings: Settings
) -> None:
    headers = await admin_headers(client, services)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (roots / "music" / "inner").mkdir(parents=True)
    (roots / "link").symlink_to(outside)

    def post(path: Path | str) -> httpx.Response:
        return client.post("/api/admin/folders", json={"path": str(path)}, headers=headers)  # type: ignore[return-value]

    refused = await post(outside)
    assert (
        refused.status_code == 403 and "TONEARM_FOLDER_ROOTS" in refused.json()["error"]["message"]
    )
    # A symlink under a root that leads outside it is refused too.
    assert (await post(roots / "link")).status_code == 403
    assert (await post(roots / "nothing-here")).status_code == 400
    assert (await post("relative/path")).status_code == 400
    assert (await post(roots / "music")).status_code == 201
    assert (await post(roots / "music")).status_code == 409
    nested = await post(roots / "music" / "inner")
    assert nested.status_code == 400 and "inside music folder" in nested.json()["error"]["message"]
    assert (await post(roots)).status_code == 400  # would contain the music folder
    assert (await client.delete("/api/admin/folders/999", headers=headers)).status_code == 404
    # Not while a scan is under way (it could bring the songs back as it goes).
    music_id = next(
        f["id"] for f in (await client.get("/api/admin/library", headers=headers)).json()["folders"]
    )
    await client.post("/api/admin/scans", headers=headers)
    busy = await client.delete(f"/api/admin/folders/{music_id}", headers=headers)
    assert busy.status_code == 400 and "scan is under way" in busy.json()["error"]["message"]
    assert (await client.post("/api/admin/folders/999/scan", headers=headers)).status_code == 404


async def test_without_allowed_roots_the_web_cannot_add_folders(
    stack_settings: Settings, tmp_path: Path
) -> None:
    from tonearm.app import create_app

    services = await open_runtime(stack_settings)
    try:
        app = create_app(stack_settings)
        attach_runtime(app, services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as client:
            headers = await admin_headers(client, services)
            response = await client.post(
                "/api/admin/folders", json={"path": str(tmp_path)}, headers=headers
            )
        assert response.status_code == 403
        assert "set TONEARM_FOLDER_ROOTS" in response.json()["error"]["message"]
    finally:
        await services.close()


async def test_folders_are_for_admins_only(
    client: httpx.AsyncClient, services: Runtime, roots: Path
) -> None:
    await services.domains.users.add_user("kid", PASSWORD)
    login = await client.post("/api/auth/login", json={"username": "kid", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    response = await client.post("/api/admin/folders", json={"path": str(roots)}, headers=headers)
    assert response.status_code == 403


async def test_a_scan_without_folders_says_how_to_add_one(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    headers = await admin_headers(client, services)
    started = await client.post("/api/admin/scans", headers=headers)
    await services.domains.jobs.execute(uuid.UUID(started.json()["id"]), "test", services.domains)
    last = (await client.get("/api/admin/library", headers=headers)).json()["last_scan"]
    assert "tonearm folders add" in last["summary"]["skipped"]
