"""/api/playlists/import and /api/playlists/{id}/export through HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.test_playlists import sign_in
from tests.factories import make_draft
from tonearm.adapters.db.playlist_files import SqlScannedPlaylistRepository
from tonearm.app import Runtime
from tonearm.playlists import Playlist
from tonearm.users import Role

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    headers: dict[str, str] = await sign_in(client, services, "alice", Role.USER)
    return headers


@pytest.fixture
async def songs(services: Runtime) -> list[str]:
    """Two songs read in place and one upload (no path)."""
    ids = []
    for n, path in enumerate(["/srv/music/Ä/1 one.flac", "/srv/music/B/2.flac", None]):
        draft = make_draft(
            title=f"Title {n}",
            artists=(f"Band {n}",),
            duration_ms=60_000,
            original_path=path,
            **({"original_key": None} if path else {}),
        )
        song = await services.songs.add(uuid.uuid4(), draft, NOW)
        ids.append(str(song.id))
    return ids


M3U = (
    "#EXTM3U\n#EXTINF:60,Band 0 - Title 0\nC:\\old pc\\Ä\\1 one.flac\n"
    "#EXTINF:61,Band 2 - Title 2\nupload.mp3\nnowhere/x.mp3\n"
)


async def test_import_multipart_reports_unmatched_entries(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    response = await client.post(
        "/api/playlists/import",
        files={"file": ("Old PC.m3u", M3U.encode("cp1252"), "audio/x-mpegurl")},
        headers=alice,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["playlist"]["name"] == "Old PC"
    assert body["encoding"] == "cp1252"
    assert [e["song"]["id"] for e in body["playlist"]["entries"]] == [songs[0], songs[2]]
    assert body["unmatched"] == [
        {"line": 6, "text": "nowhere/x.mp3", "reason": "no library song at this path"}
    ]
    listed = (await client.get("/api/playlists", headers=alice)).json()["playlists"]
    assert [(p["name"], p["read_only"]) for p in listed] == [("Old PC", False)]


async def test_import_raw_body_and_bad_input(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    response = await client.post(
        "/api/playlists/import?filename=raw.m3u8&name=Given",
        content=M3U.encode(),
        headers={**alice, "Content-Type": "audio/x-mpegurl"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["playlist"]["name"] == "Given"
    hostile = b'<!DOCTYPE p [<!ENTITY a "b">]><playlist>&a;</playlist>'
    for content, status, words in [
        (hostile, 400, "DTD or entities"),
        (b"", 400, "empty"),
        (b"x" * (5 * 1024 * 1024), 413, "at most"),
    ]:
        answer = await client.post(
            "/api/playlists/import?filename=p.xspf", content=content, headers=alice
        )
        assert answer.status_code == status, answer.text
        assert words in answer.text


async def test_export_formats_names_and_round_trip(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str], services: Runtime
) -> None:
    created = await client.post(
        "/api/playlists", json={"name": "Été mix", "song_ids": songs}, headers=alice
    )
    playlist_id = created.json()["id"]
    url = f"/api/playlists/{playlist_id}/export"

    m3u = await client.get(url, params={"format": "m3u8", "paths": "absolute"}, headers=alice)
    assert m3u.status_code == 200
    assert m3u.headers["content-type"] == "audio/x-mpegurl; charset=utf-8"
    assert m3u.headers["content-disposition"] == (
        "attachment; filename=\"Ete mix.m3u8\"; filename*=UTF-8''%C3%89t%C3%A9%20mix.m3u8"
    )
    assert m3u.headers["x-skipped-entries"] == "1"  # the upload has no path
    assert "#EXTINF:60,Band 0 - Title 0\n/srv/music/Ä/1 one.flac\n" in m3u.text

    xspf = await client.get(url, params={"format": "xspf", "paths": "absolute"}, headers=alice)
    assert xspf.headers["content-type"] == "application/xspf+xml; charset=utf-8"
    assert "<location>file:///srv/music/%C3%84/1%20one.flac</location>" in xspf.text

    refused = await client.get(url, params={"paths": "urls", "api_key": "nope"}, headers=alice)
    assert refused.status_code == 400 and "api_key" in refused.text

    user = await services.domains.users.get_user("alice")
    _, secret = await services.domains.api_keys.create(user, "vlc")
    urls = await client.get(url, params={"paths": "urls", "api_key": secret}, headers=alice)
    assert urls.headers["x-skipped-entries"] == "0"
    lines = [line for line in urls.text.splitlines() if not line.startswith("#")]
    assert lines[0].startswith("http://") and "/rest/stream.view?id=" in lines[0]
    assert f"apiKey={secret}" in lines[0]
    # The URL's parameters authenticate on their own (the same query sent to ping).
    query = urlsplit(lines[0]).query
    ping = await client.get(f"/rest/ping.view?{query}&f=json")
    assert ping.json()["subsonic-response"]["status"] == "ok", ping.text

    again = await client.post(
        "/api/playlists/import?filename=back.m3u8", content=urls.content, headers=alice
    )
    assert [e["song"]["id"] for e in again.json()["playlist"]["entries"]] == songs


async def test_scanned_playlists_are_read_only(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str], services: Runtime
) -> None:
    admin = await services.domains.users.add_user("root", "correct horse battery", Role.ADMIN)
    scanned = Playlist(uuid.uuid4(), admin.id, "From disk", None, False, NOW, NOW, 0, 0, True)
    await SqlScannedPlaylistRepository(services.database.sessions).add(
        scanned, [uuid.UUID(songs[0])], "/srv/music/list.m3u", 1
    )
    listed = (await client.get("/api/playlists", headers=alice)).json()["playlists"]
    assert [(p["name"], p["read_only"]) for p in listed] == [("From disk", True)]
    url = f"/api/playlists/{scanned.id}"
    for method, path, body in [
        ("PATCH", url, {"name": "x"}),
        ("POST", f"{url}/songs", {"song_ids": [songs[1]]}),
        ("DELETE", url, None),
    ]:
        answer = await client.request(method, path, json=body, headers=alice)
        assert answer.status_code == 403, answer.text
        assert "playlist file" in answer.text
    exported = await client.get(f"{url}/export", headers=alice)
    assert exported.status_code == 200 and "1 one.flac" in exported.text
