"""/api/songs, /api/artists, /api/albums, /api/genres and /api/folders through HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.accounts import sign_in
from tests.factories import make_draft
from tonearm.app import Runtime, create_app
from tonearm.library.models import StoredRendition
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def music_root(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def settings(stack_settings: Settings, music_root: Path) -> Settings:
    """Both stacks, with one configured music folder for folder browsing."""
    return stack_settings.model_copy(update={"music_folders": [music_root]})


@pytest.fixture
async def headers(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    return (await sign_in(client, services, "listener")).headers


async def add(services: Runtime, **overrides: Any) -> uuid.UUID:
    song_id = uuid.uuid4()
    await services.songs.add(song_id, make_draft(**overrides), NOW)
    return song_id


async def walk(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paged listing, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        cursor = body["next_cursor"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/songs",
        "/api/songs/00000000-0000-4000-8000-000000000001",  # any id: sign-in comes first
        "/api/songs/delta",
        "/api/artists",
        "/api/albums",
        "/api/genres",
        "/api/folders",
    ],
)
async def test_library_routes_need_sign_in(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"


async def test_get_song_shows_it_and_404s_removed_and_unknown_ones(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    song_id = await add(
        services, title="Get Lucky", artists=("Daft Punk",), genres=("Disco",), lyrics="We're up"
    )
    await services.songs.add_rendition(
        song_id, StoredRendition("medium", "mp3", 128, 10, "k/medium", NOW)
    )
    response = await client.get(f"/api/songs/{song_id}", headers=headers)
    assert response.status_code == 200
    song = response.json()
    assert song["id"] == str(song_id)
    assert song["title"] == "Get Lucky"
    assert song["artists"] == ["Daft Punk"]
    assert song["genres"] == ["Disco"]
    assert song["renditions"] == ["medium"]
    assert song["has_lyrics"] is True
    assert set(song) >= {
        "album",
        "album_id",
        "album_artist",
        "artist_ids",
        "year",
        "track_number",
        "disc_number",
        "duration_ms",
        "folder_path",
        "original_format",
        "play_count",
        "added_at",
        "replaygain_track_gain_db",
        "replaygain_album_gain_db",
    }

    await services.songs.tombstone(song_id, NOW)
    for missing in (song_id, uuid.uuid4()):
        gone = await client.get(f"/api/songs/{missing}", headers=headers)
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "not_found"
    malformed = await client.get("/api/songs/not-a-uuid", headers=headers)
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "invalid_input"


async def test_song_pages_list_every_song_once_under_equal_sort_keys(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    ids = {str(await add(services, title="Same", artists=("Same",))) for _ in range(17)}
    for sort in ("title", "-added", "play_count", "artist", "-album"):
        listed = [
            song["id"] for song in await walk(client, "/api/songs", headers, sort=sort, limit=4)
        ]
        assert len(listed) == len(ids)
        assert set(listed) == ids


async def test_song_listing_refuses_bad_cursors_sorts_and_limits(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    for _ in range(3):
        await add(services)
    first = (await client.get("/api/songs", params={"limit": 1}, headers=headers)).json()
    cursor = first["next_cursor"]
    flipped = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    for params in (
        {"cursor": flipped},
        {"cursor": "garbage"},
        {"cursor": cursor, "sort": "-title"},
        {"sort": "loudness"},
        {"limit": 0},
        {"limit": 501},
        {"artist": "nope"},
    ):
        response = await client.get("/api/songs", params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid_input"


async def test_songs_filter_by_artist_album_genre_and_year(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    jazz = await add(services, artists=("Nina",), genres=("Jazz",), year=1965, album="Pastel")
    soul = await add(services, artists=("Ray",), genres=("Soul",), year=1965)
    nina = (await client.get(f"/api/songs/{jazz}", headers=headers)).json()

    async def ids(**params: Any) -> list[str]:
        return [song["id"] for song in await walk(client, "/api/songs", headers, **params)]

    assert await ids(artist=nina["artist_ids"][0]) == [str(jazz)]
    assert await ids(album=nina["album_id"]) == [str(jazz)]
    assert await ids(genre="SOUL") == [str(soul)]
    assert sorted(await ids(year=1965)) == sorted([str(jazz), str(soul)])
    assert await ids(year=1999) == []


async def test_artists_list_with_counts_and_show_albums_newest_first(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    await add(services, artists=("The National",), album="Boxer", year=2007)
    await add(services, artists=("The National",), album="Trouble", year=2013)
    await add(services, artists=("Bon Iver",), album="22", year=2016)
    artists = await walk(client, "/api/artists", headers, limit=1)
    assert [(a["name"], a["album_count"], a["song_count"]) for a in artists] == [
        ("Bon Iver", 1, 1),
        ("The National", 2, 2),
    ]
    detail = await client.get(f"/api/artists/{artists[1]['id']}", headers=headers)
    assert detail.status_code == 200
    assert [a["name"] for a in detail.json()["albums"]] == ["Trouble", "Boxer"]
    assert (await client.get(f"/api/artists/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_albums_list_filter_and_show_tracks_in_order(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    second = await add(services, album="Kid A", artists=("Radiohead",), track_number=2, year=2000)
    first = await add(services, album="Kid A", artists=("Radiohead",), track_number=1, year=2000)
    await add(services, album="OK Computer", artists=("Radiohead",), year=1997, genres=("Alt",))
    by_year = await walk(client, "/api/albums", headers, sort="-year", limit=1)
    assert [a["name"] for a in by_year] == ["Kid A", "OK Computer"]
    assert [a["name"] for a in await walk(client, "/api/albums", headers, genre="alt")] == [
        "OK Computer"
    ]
    assert [a["name"] for a in await walk(client, "/api/albums", headers, year=2000)] == ["Kid A"]
    kid_a = by_year[0]
    assert kid_a["song_count"] == 2
    detail = (await client.get(f"/api/albums/{kid_a['id']}", headers=headers)).json()
    assert [t["id"] for t in detail["tracks"]] == [str(first), str(second)]
    assert detail["duration_ms"] == sum(t["duration_ms"] for t in detail["tracks"])
    assert (await client.get(f"/api/albums/{uuid.uuid4()}", headers=headers)).status_code == 404
    assert (
        await client.get("/api/albums", params={"sort": "x"}, headers=headers)
    ).status_code == 400


async def test_genres_show_song_counts(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    await add(services, genres=("Jazz", "Soul"))
    await add(services, genres=("Jazz",))
    response = await client.get("/api/genres", headers=headers)
    assert response.json() == [{"name": "Jazz", "song_count": 2}, {"name": "Soul", "song_count": 1}]


async def test_folders_browse_the_music_folder_and_refuse_to_leave_it(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str], music_root: Path
) -> None:
    root = str(music_root)
    late = await add(services, folder_path=f"{root}/Nina/Pastel", original_key=None, track_number=2)
    early = await add(
        services, folder_path=f"{root}/Nina/Pastel", original_key=None, track_number=1
    )
    await add(services, folder_path=f"{root}/Ray", original_key=None)
    imported = await add(services)

    async def browse(path: str | None) -> httpx.Response:
        return await client.get(
            "/api/folders", params={"path": path} if path else {}, headers=headers
        )

    roots = (await browse(None)).json()
    assert roots["path"] is None
    assert [(f["path"], f["song_count"]) for f in roots["folders"]] == [
        (root, 3),
        ("imported", 1),
    ]
    top = (await browse(root)).json()
    assert [(f["name"], f["song_count"]) for f in top["folders"]] == [("Nina", 2), ("Ray", 1)]
    pastel = (await browse(f"{root}/Nina/Pastel")).json()
    assert pastel["parent"] == f"{root}/Nina"
    assert [s["id"] for s in pastel["songs"]] == [str(early), str(late)]
    # Imported songs browse as a virtual tree: artist, then album, then songs.
    [artist] = (await browse("imported")).json()["folders"]
    [album] = (await browse(artist["path"])).json()["folders"]
    listing = (await browse(album["path"])).json()
    assert listing["parent"] == artist["path"] and listing["name"] == album["name"]
    assert [s["id"] for s in listing["songs"]] == [str(imported)]
    for outside in (f"{root}/..", f"{root}/Nina/../../..", "/etc", f"{root}x", "Nina", "/"):
        response = await browse(outside)
        assert response.status_code == 404, outside
        assert response.json()["error"]["code"] == "not_found"


def test_no_songs_route_is_shadowed_by_the_song_id_route(tmp_path: Path) -> None:
    """/api/songs/{song_id} takes any one segment: fixed ones (delta, search) must come first.

    Routes match in the order they are registered, which is the order of the OpenAPI paths.
    """
    schema = create_app(Settings(data_dir=tmp_path)).openapi()
    paths = [path for path, operations in schema["paths"].items() if "get" in operations]
    by_id = paths.index("/api/songs/{song_id}")
    fixed = [p for p in paths if p.startswith("/api/songs/") and p.count("/") == 3 and "{" not in p]
    assert "/api/songs/delta" in fixed
    assert all(paths.index(p) < by_id for p in fixed), fixed


async def test_added_sort_is_newest_first_when_reversed(
    client: httpx.AsyncClient, services: Runtime, headers: dict[str, str]
) -> None:
    old = uuid.uuid4()
    await services.songs.add(old, make_draft(), NOW)
    new = uuid.uuid4()
    await services.songs.add(new, make_draft(), NOW + timedelta(days=1))
    listed = await walk(client, "/api/songs", headers, sort="-added", limit=1)
    assert [s["id"] for s in listed] == [str(new), str(old)]
