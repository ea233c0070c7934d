"""A music folder whose name is not valid UTF-8 (Latin-1 bytes) is listed readably and
browsed by opaque ids, over REST and Subsonic, on both databases (issue 15, defect 4)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.accounts import add_song, sign_in
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime
from tonearm.library.paths import path_to_text

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]


ORIGINAL = os.urandom(50_000)


@pytest.fixture
async def cafe(services: Runtime, tmp_path: Path) -> tuple[int, str]:
    """Music folder `caf\\xe9` (added as the CLI does) with one song in `caf\\xe9/d\\xe9j\\xe0`."""
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))
    inner = Path(os.fsdecode(bytes(folder) + b"/d\xe9j\xe0"))
    inner.mkdir(parents=True)
    (inner / "01 \udce9t\udce9.mp3").write_bytes(ORIGINAL)  # b"01 \xe9t\xe9.mp3"
    added = await services.domains.folders.add(folder)
    await add_song(
        services,
        title="Old Rip",
        original_path=path_to_text(inner / "01 \udce9t\udce9.mp3"),
        original_key=None,
        folder_path=path_to_text(inner),
        original_format="mp3",
        original_size_bytes=len(ORIGINAL),
    )
    return added.id, added.path


async def test_a_latin1_folder_is_listed_and_browsed_over_rest(
    client: httpx.AsyncClient, services: Runtime, cafe: tuple[int, str]
) -> None:
    folder_id, stored = cafe
    user = await sign_in(client, services, "bob")
    roots = (await client.get("/api/folders", headers=user.headers)).json()["folders"]
    assert [(r["name"], r["music_folder_id"], r["song_count"]) for r in roots] == [
        ("café", folder_id, 1)
    ]
    top = (
        await client.get("/api/folders", params={"path": roots[0]["path"]}, headers=user.headers)
    ).json()
    assert [f["name"] for f in top["folders"]] == ["déjà"]
    inner = (
        await client.get(
            "/api/folders", params={"path": top["folders"][0]["path"]}, headers=user.headers
        )
    ).json()
    assert [s["title"] for s in inner["songs"]] == ["Old Rip"]
    assert inner["parent"] == stored
    # And it plays: the original is read by its exact bytes, whole and by range.
    song_id = inner["songs"][0]["id"]
    body = (
        await client.get(
            f"/api/songs/{song_id}/stream", params={"quality": "original"}, headers=user.headers
        )
    ).json()
    url = urlsplit(body["url"])
    media = await client.get(f"{url.path}?{url.query}")
    assert media.status_code == 200 and media.content == ORIGINAL
    tail = await client.get(f"{url.path}?{url.query}", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == ORIGINAL[-100:]


async def test_a_latin1_folder_is_browsed_over_subsonic(
    subsonic: SubsonicClient, cafe: tuple[int, str]
) -> None:
    folder_id, _ = cafe
    folders = (await subsonic.call("getMusicFolders"))["musicFolders"]["musicFolder"]
    assert folders == [{"id": folder_id, "name": "café"}]
    indexes = (await subsonic.call("getIndexes", {"musicFolderId": folder_id}))["indexes"]
    entries = [a for i in indexes["index"] for a in i["artist"]]
    assert [e["name"] for e in entries] == ["déjà"]
    directory = (await subsonic.call("getMusicDirectory", {"id": entries[0]["id"]}))["directory"]
    assert directory["name"] == "déjà"
    assert [c["title"] for c in directory["child"]] == ["Old Rip"]
    parent = (await subsonic.call("getMusicDirectory", {"id": directory["parent"]}))["directory"]
    assert parent["name"] == "café"
    xml = await subsonic.request("getMusicFolders", fmt="xml")
    assert 'name="café"' in xml.text
    raw = await subsonic.request("stream", {"id": directory["child"][0]["id"], "format": "raw"})
    assert raw.status_code == 200 and raw.content == ORIGINAL
