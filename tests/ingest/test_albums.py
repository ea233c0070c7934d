"""Albums that stay together: compilations (TCMP, cpil, COMPILATION), multi-disc sets and
MusicBrainz release ids, imported from real files and seen over REST and Subsonic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.subsonic.client import SubsonicClient
from tests.ingest.audio_factory import AudioFormat, make_audio_file
from tonearm.app import Runtime, attach_runtime, create_app
from tonearm.library.albums import VARIOUS_ARTISTS, split_disc_suffix

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
RELEASE_A = "2c5b4e1a-0f4d-4f6c-9d5e-0a1b2c3d4e5f"
RELEASE_B = "9e0d1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b"
_frequency = iter(range(300, 3000, 37))  # every file different audio: no duplicates


def track(folder: Path, fmt: AudioFormat, name: str, **tags: Any) -> Path:
    return make_audio_file(
        folder, fmt, name=name, tags=tags, seconds=1.0, frequency_hz=next(_frequency)
    )


@pytest.fixture
async def http(services: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.settings)
    attach_runtime(app, services)
    await services.domains.users.add_user("alice", PASSWORD)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as client:
        login = await client.post(
            "/api/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


async def albums_named(http: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await http.get("/api/albums", params={"limit": 500})
    assert response.status_code == 200, response.text
    return [album for album in response.json()["items"] if album["name"] == name]


async def album_detail(http: httpx.AsyncClient, album_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/albums/{album_id}")
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


async def test_a_compilation_without_album_artist_is_one_album(
    services: Runtime, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # One flag per container: ID3 TCMP, Vorbis COMPILATION, MP4 cpil.
    folder = tmp_path / "in" / "Summer Hits"
    track(folder, "mp3", "1.mp3", title="Sun", artists="Ana", album="Summer Hits",
          track_number=1, compilation=True)  # fmt: skip
    track(folder, "flac", "2.flac", title="Sea", artists="Ben", album="Summer Hits",
          track_number=2, compilation=True)  # fmt: skip
    track(folder, "m4a", "3.m4a", title="Sand", artists="Cleo", album="Summer Hits",
          track_number=3, compilation=True)  # fmt: skip
    summary = await services.domains.ingest.import_paths([folder])
    assert summary.counts["imported"] == 3, summary.failures

    [album] = await albums_named(http, "Summer Hits")
    assert (album["artist"], album["song_count"]) == (VARIOUS_ARTISTS, 3)
    detail = await album_detail(http, album["id"])
    assert [(t["title"], t["artists"]) for t in detail["tracks"]] == [
        ("Sun", ["Ana"]),
        ("Sea", ["Ben"]),
        ("Sand", ["Cleo"]),
    ]

    subsonic = SubsonicClient(http, "alice", PASSWORD)
    song = (await subsonic.call("getSong", {"id": detail["tracks"][0]["id"]}))["song"]
    sub_album = (await subsonic.call("getAlbum", {"id": song["albumId"]}))["album"]
    assert (sub_album["name"], sub_album["artist"], sub_album["songCount"]) == (
        "Summer Hits",
        VARIOUS_ARTISTS,
        3,
    )
    assert sorted(s["artist"] for s in sub_album["song"]) == ["Ana", "Ben", "Cleo"]


async def test_a_shared_release_id_keeps_an_unflagged_compilation_together(
    services: Runtime, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    folder = tmp_path / "in" / "mix"
    for number, artist in enumerate(("Dee", "Eli"), start=1):
        track(folder, "ogg", f"{number}.ogg", title=f"T{number}", artists=artist,
              album="Night Mix", musicbrainz_album_id=RELEASE_A)  # fmt: skip
    await services.domains.ingest.import_paths([folder])

    [album] = await albums_named(http, "Night Mix")
    assert album["song_count"] == 2


async def test_a_two_disc_album_is_one_album_with_disc_numbers(
    services: Runtime, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    folder = tmp_path / "in" / "Double"
    for disc in (1, 2):
        for number in (1, 2):
            track(folder, "flac", f"{disc}-{number}.flac", title=f"D{disc}T{number}",
                  artists="Band", album="Double", disc_number=disc, disc_total=2,
                  track_number=number)  # fmt: skip
    # Discs named in the album tag, with no disc number tag (as some taggers write them).
    live = tmp_path / "in" / "Live"
    for disc in (1, 2):
        track(live, "mp3", f"{disc}.mp3", title=f"Live {disc}", artists="Band",
              album=f"Live (Disc {disc})", track_number=1)  # fmt: skip
    await services.domains.ingest.import_paths([folder, live])

    [double] = await albums_named(http, "Double")
    detail = await album_detail(http, double["id"])
    assert [(t["disc_number"], t["track_number"], t["title"]) for t in detail["tracks"]] == [
        (1, 1, "D1T1"),
        (1, 2, "D1T2"),
        (2, 1, "D2T1"),
        (2, 2, "D2T2"),
    ]
    [live_album] = await albums_named(http, "Live")
    detail = await album_detail(http, live_album["id"])
    assert [(t["disc_number"], t["title"]) for t in detail["tracks"]] == [
        (1, "Live 1"),
        (2, "Live 2"),
    ]

    subsonic = SubsonicClient(http, "alice", PASSWORD)
    sub_album = (await subsonic.call("getAlbum", {"id": double["id"]}))["album"]
    assert [s.get("discNumber") for s in sub_album["song"]] == [1, 1, 2, 2]


async def test_same_name_different_release_ids_stay_two_albums(
    services: Runtime, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    for release, year in ((RELEASE_A, 1999), (RELEASE_B, 2009)):
        folder = tmp_path / "in" / str(year)
        track(folder, "mp3", "1.mp3", title=f"Hit {year}", artists="Band",
              album="Greatest Hits", year=year, musicbrainz_album_id=release)  # fmt: skip
    # A track of the same name and artist without a release id joins one of them.
    track(tmp_path / "in" / "loose", "mp3", "x.mp3", title="Loose", artists="Band",
          album="Greatest Hits")  # fmt: skip
    await services.domains.ingest.import_paths([tmp_path / "in"])

    albums = await albums_named(http, "Greatest Hits")
    assert sorted(album["year"] for album in albums) == [1999, 2009]
    assert sum(album["song_count"] for album in albums) == 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Live (Disc 2)", ("Live", 2)),
        ("Live [CD1]", ("Live", 1)),
        ("Live - Disc 2 of 3", ("Live", 2)),
        ("Live disk 10", ("Live", 10)),
        ("CD1", ("CD1", None)),
        ("Discography", ("Discography", None)),
        ("1999", ("1999", None)),
    ],
)
def test_a_disc_marker_in_the_album_name(name: str, expected: tuple[str, int | None]) -> None:
    assert split_disc_suffix(name) == expected
