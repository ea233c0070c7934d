"""/api/admin/library, /api/admin/scans, /api/admin/health, the jobs' last failures and
runs, and /api/auth/me's can_upload: what the admin screens and the upload UI need."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import PASSWORD, add_song
from tests.clock import FakeClock
from tests.ingest.audio_factory import make_audio_file
from tonearm.app import Runtime, open_runtime
from tonearm.jobs import JobState
from tonearm.settings import Settings
from tonearm.users import Role

pytestmark = pytest.mark.anyio


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """The configured music folder (empty until `songs_in_music` fills it)."""
    return tmp_path / "music"


@pytest.fixture
def songs_in_music(music: Path) -> Path:
    """Two good songs and a corrupt file in the music folder."""
    folder = music
    for number, title in enumerate(["One", "Two"], start=1):
        make_audio_file(
            folder,
            "flac",
            tags={"title": title, "artists": "Scanner", "album": "Folder", "track_number": number},
            name=f"Scanner/Folder/{number:02d} {title}.flac",
            frequency_hz=300 + 100 * number,
        )
    # An empty ID3v2 header, then no audio. (Random bytes after "ID3" sometimes claimed a
    # tag larger than the file, which is refused as a tag bomb instead.)
    (folder / "Scanner" / "broken.mp3").write_bytes(b"ID3\x04\x00\x00" + bytes(4004))
    return folder


@pytest.fixture
def clock() -> FakeClock:
    """The services' clock: tests move it forward."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    opened = await open_runtime(settings, clock=clock)
    yield opened
    await opened.close()


@pytest.fixture
def settings(stack_settings: Settings, music: Path, tmp_path: Path) -> Settings:
    """The stack, with the music folder and one configured folder that does not exist."""
    return stack_settings.model_copy(
        update={"music_folders": [music, tmp_path / "missing"], "user_uploads": False}
    )


async def headers_for(
    client: httpx.AsyncClient, services: Runtime, name: str, role: Role = Role.USER
) -> dict:
    await services.domains.users.add_user(name, PASSWORD, role)
    response = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_scan_is_started_once_and_its_result_is_reported(
    client: httpx.AsyncClient, services: Runtime, songs_in_music: Path, tmp_path: Path
) -> None:
    music = songs_in_music
    admin = await headers_for(client, services, "root", Role.ADMIN)
    before = (await client.get("/api/admin/library", headers=admin)).json()
    assert before["active_scan"] is None and before["last_scan"] is None
    assert before["song_count"] == 0

    started = await client.post("/api/admin/scans", headers=admin)
    assert started.status_code == 202, started.text
    assert started.json()["started"] is True and started.json()["state"] == "queued"
    again = await client.post("/api/admin/scans", headers=admin)
    assert again.status_code == 200
    assert again.json()["started"] is False and again.json()["id"] == started.json()["id"]
    queued = (await client.get("/api/admin/library", headers=admin)).json()
    assert queued["active_scan"]["id"] == started.json()["id"]

    await services.domains.jobs.execute(uuid.UUID(started.json()["id"]), "test", services.domains)

    after = (await client.get("/api/admin/library", headers=admin)).json()
    assert after["active_scan"] is None
    last = after["last_scan"]
    assert last["id"] == started.json()["id"] and last["state"] == "succeeded"
    assert last["started_at"] and last["finished_at"]
    summary = last["summary"]
    assert (summary["added"], summary["failed"], summary["removed"]) == (2, 1, 0)
    # The missing folder is reported beside the bad file, each with its reason.
    reasons = {f["path"]: f["reason"] for f in summary["failures"]}
    assert set(reasons) == {str(music / "Scanner" / "broken.mp3"), str(tmp_path / "missing")}
    assert "not audio" in reasons[str(music / "Scanner" / "broken.mp3")]
    folders = {f["path"]: f for f in after["folders"]}
    listed = folders[str(music)]
    assert (listed["name"], listed["exists"], listed["song_count"]) == ("music", True, 2)
    assert isinstance(listed["id"], int) and listed["last_scan_at"]
    assert listed["last_scan"]["added"] == 2 and listed["last_scan"]["failed"] == 1
    assert folders[str(tmp_path / "missing")]["exists"] is False
    assert "not found" in folders[str(tmp_path / "missing")]["last_scan"]["failures"][0]["reason"]
    assert after["song_count"] == 2 and after["imported_songs"] == 0

    # A second scan finds nothing new; the latest finished one is reported.
    second = (await client.post("/api/admin/scans", headers=admin)).json()
    await services.domains.jobs.execute(uuid.UUID(second["id"]), "test", services.domains)
    rescanned = (await client.get("/api/admin/library", headers=admin)).json()["last_scan"]
    assert rescanned["id"] == second["id"]
    assert (rescanned["summary"]["added"], rescanned["summary"]["unchanged"]) == (0, 2)


async def test_admin_health_counts_songs_users_and_storage(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await headers_for(client, services, "root", Role.ADMIN)
    await services.domains.users.add_user("kid", PASSWORD)
    await services.domains.users.set_active("kid", False)
    await add_song(services)
    await add_song(services)

    response = await client.get("/api/admin/health", headers=admin)

    assert response.status_code == 200, response.text
    health = response.json()
    public = (await client.get("/api/health")).json()
    assert health["status"] == public["status"] == "ok"
    assert health["version"] == public["version"]
    assert set(health["components"]) == set(public["components"])
    assert health["songs"] == 2
    assert health["users"] == {"total": 2, "active": 1, "admins": 1}
    assert health["storage"]["total_bytes"] == (
        health["storage"]["renditions_bytes"] + health["storage"]["originals_bytes"]
    )
    assert health["uptime_seconds"] > 0
    assert health["music_folders"] == 2
    assert health["import_failures"] == 0 and health["failed_jobs"] == []


async def test_storage_used_sums_the_stored_renditions_and_originals(
    client: httpx.AsyncClient, services: Runtime, songs_in_music: Path
) -> None:
    music = songs_in_music
    admin = await headers_for(client, services, "root", Role.ADMIN)
    song = music / "Scanner" / "Folder" / "01 One.flac"
    summary = await services.domains.ingest.import_paths([song])  # copied into storage
    assert len(summary.song_ids) == 1
    renditions = await services.songs.renditions(summary.song_ids[0])

    storage = (await client.get("/api/admin/health", headers=admin)).json()["storage"]

    assert storage["originals_bytes"] == song.stat().st_size
    assert storage["renditions_bytes"] == sum(r.size_bytes for r in renditions) > 0


async def test_jobs_show_their_last_failure_and_runs(
    client: httpx.AsyncClient, services: Runtime, clock: FakeClock
) -> None:
    admin = await headers_for(client, services, "root", Role.ADMIN)
    # An import whose path is no path fails on every attempt (each retry made due at once).
    failing = await services.domains.jobs.enqueue("library.import_file", {"path": None})
    while (run := await services.domains.jobs.get(failing.id)).state is not JobState.FAILED:
        clock.now = max(clock.now, run.run_after) + timedelta(seconds=1)
        await services.domains.jobs.execute(failing.id, "test", services.domains)
    ok = await services.domains.jobs.enqueue("library.scan")
    await services.domains.jobs.execute(ok.id, "test", services.domains)
    again = await services.domains.jobs.enqueue("library.import_file", {"path": None})

    jobs = {job["name"]: job for job in (await client.get("/api/admin/jobs", headers=admin)).json()}
    imports = jobs["library.import_file"]
    assert imports["last_run"]["id"] == str(again.id) and imports["last_run"]["state"] == "queued"
    assert imports["last_failure"]["id"] == str(failing.id)
    assert "path" in imports["last_failure"]["error"]
    assert jobs["library.scan"]["last_failure"] is None
    runs = (await client.get("/api/admin/jobs/library.import_file/runs", headers=admin)).json()
    assert [run["id"] for run in runs] == [str(again.id), str(failing.id)]
    assert (await client.get("/api/admin/jobs/nope/runs", headers=admin)).status_code == 404
    health = (await client.get("/api/admin/health", headers=admin)).json()
    assert health["failed_jobs"] == []  # the import's latest run is queued, not failed


async def test_me_says_whether_the_user_may_upload(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await headers_for(client, services, "root", Role.ADMIN)
    user = await headers_for(client, services, "kid")
    assert (await client.get("/api/auth/me", headers=admin)).json()["can_upload"] is True
    me = (await client.get("/api/auth/me", headers=user)).json()
    assert me["username"] == "kid" and me["can_upload"] is False  # TONEARM_USER_UPLOADS off
    refused = await client.post("/api/songs?filename=x.mp3", content=b"x", headers=user)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/admin/library"),
        ("POST", "/api/admin/scans"),
        ("GET", "/api/admin/health"),
        ("GET", "/api/admin/jobs/library.scan/runs"),
    ],
)
async def test_these_admin_routes_refuse_other_users(
    client: httpx.AsyncClient, services: Runtime, method: str, path: str
) -> None:
    user = await headers_for(client, services, "kid")
    assert (await client.request(method, path, headers=user)).status_code == 403
    assert (await client.request(method, path)).status_code == 401
    assert await services.domains.jobs.recent() == []
