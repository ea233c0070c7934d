"""getCoverArt: every coverArt id form, `size` giving an image of that size (scaled down
from the stored covers, never up), caching headers, and code 70 for a missing cover."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from PIL import Image

from tests.api.subsonic.client import SubsonicClient
from tests.ingest.audio_factory import make_audio_file
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = pytest.mark.anyio


def cover_jpeg(size_px: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size_px, size_px), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def image_size(body: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(body)) as image:
        return image.size


async def test_cover_art_in_every_id_form_and_size(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path, alice: User
) -> None:
    music = tmp_path / "music"
    album = {"artists": ["Nina Vale"], "album": "Harbour Lights", "year": 2021}
    make_audio_file(
        music,
        "mp3",
        seconds=1,
        frequency_hz=440,  # distinct audio: the library keeps one song per sound
        name="Nina Vale/Harbour Lights/01 Bare.mp3",
        tags=album | {"title": "Bare", "track_number": 1},
    )
    make_audio_file(
        music,
        "mp3",
        seconds=1,
        frequency_hz=550,
        name="Nina Vale/Harbour Lights/02 Covered.mp3",
        tags=album | {"title": "Covered", "track_number": 2},
        picture=cover_jpeg(400),
    )
    make_audio_file(
        music,
        "mp3",
        seconds=1,
        frequency_hz=660,
        name="Zed/Plain/01 Plain.mp3",
        tags={"artists": ["Zed"], "album": "Plain", "title": "Plain"},
    )
    await services.domains.ingest.scan([music])
    await services.domains.ingest.enrich()  # cover art is made by phase 2
    songs = (await subsonic.call("search3", {"query": "", "songCount": 10}))["searchResult3"][
        "song"
    ]
    by_title = {song["title"]: song for song in songs}
    covered, bare, plain = by_title["Covered"], by_title["Bare"], by_title["Plain"]
    assert covered["coverArt"] == f"mf-{covered['id']}" and "coverArt" not in bare
    album_id3 = (await subsonic.call("getAlbum", {"id": covered["albumId"]}))["album"]
    assert album_id3["coverArt"] == f"al-{covered['albumId']}"

    async def fetch(art_id: str, size: int | None = None, http_method: str = "GET") -> bytes:
        params = {"id": art_id} | ({"size": size} if size else {})
        response = await subsonic.request("getCoverArt", params, http_method=http_method)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg", response.text
        assert "max-age" in response.headers["cache-control"]
        return response.content

    assert image_size(await fetch(covered["coverArt"])) == (400, 400)  # the largest stored
    assert image_size(await fetch(covered["coverArt"], 300)) == (300, 300)  # stored as is
    assert image_size(await fetch(covered["coverArt"], 150, "POST")) == (150, 150)  # scaled
    assert image_size(await fetch(covered["coverArt"], 150)) == (150, 150)  # from the cache
    # The cached copy is served without reading the stored cover: it answers even after
    # the cover object is gone from storage (while other sizes then fail).
    media = await services.domains.streaming.song_media(UUID(covered["id"]))
    stored_jpegs = [s for k, s in media.objects.items() if k.startswith("art-") and "jpg" in k]
    kept: dict[str, bytes] = {}
    for source in stored_jpegs:
        assert source.storage_key is not None
        chunks = [chunk async for chunk in services.store.get_range(source.storage_key)]
        kept[source.storage_key] = b"".join(chunks)
        await services.store.delete(source.storage_key)
    try:
        assert image_size(await fetch(covered["coverArt"], 150)) == (150, 150)
        refused = await subsonic.request("getCoverArt", {"id": covered["coverArt"], "size": 140})
        assert refused.headers["content-type"] != "image/jpeg"
    finally:
        for key, body in kept.items():
            await services.store.put_stream(key, _once(body), "image/jpeg")
    assert image_size(await fetch(covered["coverArt"], 1000)) == (400, 400)  # never upscaled
    # An album or artist shows the cover of its first song that has one.
    assert image_size(await fetch(album_id3["coverArt"], 64)) == (64, 64)
    assert image_size(await fetch(f"ar-{covered['artistId']}", 64)) == (64, 64)
    # An artist names a cover only when one exists (no id that would answer 70).
    shown = (await subsonic.call("getArtist", {"id": covered["artistId"]}))["artist"]
    assert shown["coverArt"] == f"ar-{covered['artistId']}"
    bare_artist = (await subsonic.call("getArtist", {"id": plain["artistId"]}))["artist"]
    assert "coverArt" not in bare_artist
    assert image_size(await fetch(covered["albumId"], 32)) == (32, 32)  # a bare album id
    assert image_size(await fetch(covered["id"], 32)) == (32, 32)  # a bare song id

    playlist = await services.domains.playlists.create_playlist(
        alice.id, "Mix", song_ids=[UUID(bare["id"]), UUID(covered["id"])]
    )
    assert image_size(await fetch(f"pl-{playlist.playlist.id}", 100)) == (100, 100)

    response = await subsonic.request("getCoverArt", {"id": covered["coverArt"], "size": 150})
    again = await subsonic.request(
        "getCoverArt",
        {"id": covered["coverArt"], "size": 150},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""

    for missing in (f"mf-{bare['id']}", f"al-{plain['albumId']}", f"ar-{plain['artistId']}"):
        assert (await subsonic.fail("getCoverArt", {"id": missing}))["code"] == 70, missing
    assert (await subsonic.fail("getCoverArt", {"id": "al-nonsense"}))["code"] == 70
    assert (await subsonic.fail("getCoverArt"))["code"] == 10
