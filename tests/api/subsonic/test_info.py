"""Information from tonearm's own data: similar artists and songs, top songs, album and
artist info, avatars; internet radio answers empty (podcasts: test_podcasts.py)."""

from __future__ import annotations

import io
from uuid import UUID
from xml.etree import ElementTree

import pytest
from PIL import Image
from sqlalchemy import update

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import (
    assert_matches_snapshot,
    format_json,
    format_xml,
    normalize,
)
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio
NS = "{http://subsonic.org/restapi}"
UNKNOWN_ARTIST_TEXT = ("biography", "musicBrainzId", "lastFmUrl")


async def _set_plays(services: Runtime, plays: dict[UUID, int]) -> None:
    async with services.database.sessions.begin() as session:
        for song_id, count in plays.items():
            await session.execute(
                update(SongRow).where(SongRow.id == song_id).values(play_count=count)
            )


async def _artist_id(services: Runtime, song_id: UUID) -> UUID:
    return (await services.domains.catalog.song(song_id)).artist_ids[0]


@pytest.fixture
async def library(services: Runtime) -> dict[str, UUID]:
    """Nina (folk), Ada (folk), Rex (rock): who is similar to whom is known in advance."""
    return {
        "seed": await add_song(
            services, title="Seed", artists=("Nina",), album="North", genres=("Folk",)
        ),
        "same_artist": await add_song(
            services, title="Same Artist", artists=("Nina",), album="South", genres=("Jazz",)
        ),
        "same_genre": await add_song(
            services, title="Same Genre", artists=("Ada",), album="East", genres=("Folk",)
        ),
        "both": await add_song(
            services, title="Both", artists=("Nina",), album="North", genres=("Folk",)
        ),
        "unrelated": await add_song(
            services, title="Unrelated", artists=("Rex",), album="West", genres=("Rock",)
        ),
    }


async def test_similar_songs_share_an_artist_or_genre_and_leave_the_seed_out(
    subsonic: SubsonicClient, library: dict[str, UUID]
) -> None:
    expected = ["Both", "Same Artist", "Same Genre"]
    for method, key in (("getSimilarSongs", "similarSongs"), ("getSimilarSongs2", "similarSongs2")):
        for http_method in ("GET", "POST"):
            document = await subsonic.call(
                method, {"id": str(library["seed"])}, http_method=http_method
            )
            assert [song["title"] for song in document[key]["song"]] == expected
        xml = await subsonic.request(method, {"id": str(library["seed"])}, fmt="xml")
        root = ElementTree.fromstring(xml.content)
        assert [song.attrib["title"] for song in root.iter(NS + "song")] == expected
        limited = await subsonic.call(method, {"id": str(library["seed"]), "count": 1})
        assert [song["title"] for song in limited[key]["song"]] == ["Both"]


async def test_similar_songs_of_an_album_or_artist_leave_its_own_songs_out(
    subsonic: SubsonicClient, services: Runtime, library: dict[str, UUID]
) -> None:
    album_id = (await services.domains.catalog.song(library["seed"])).album_id
    by_album = await subsonic.call("getSimilarSongs", {"id": str(album_id)})
    assert [s["title"] for s in by_album["similarSongs"]["song"]] == ["Same Artist", "Same Genre"]
    by_artist = await subsonic.call(
        "getSimilarSongs2", {"id": str(await _artist_id(services, library["seed"]))}
    )
    assert [s["title"] for s in by_artist["similarSongs2"]["song"]] == ["Same Genre"]
    assert (await subsonic.fail("getSimilarSongs2", {"id": str(UUID(int=7))}))["code"] == 70


async def test_top_songs_are_an_artists_most_played(
    subsonic: SubsonicClient, services: Runtime, library: dict[str, UUID]
) -> None:
    await _set_plays(services, {library["seed"]: 3, library["same_artist"]: 9, library["both"]: 1})
    for fmt, http_method in (("json", "GET"), ("xml", "POST")):
        response = await subsonic.request(
            "getTopSongs", {"artist": "nina", "count": 2}, fmt=fmt, http_method=http_method
        )
        if fmt == "json":
            songs = response.json()["subsonic-response"]["topSongs"]["song"]
            titles = [song["title"] for song in songs]
        else:
            root = ElementTree.fromstring(response.content)
            titles = [song.attrib["title"] for song in root.iter(NS + "song")]
        assert titles == ["Same Artist", "Seed"]
    nobody = await subsonic.call("getTopSongs", {"artist": "Nobody At All"})
    assert nobody["topSongs"] in ({}, {"song": []})
    assert (await subsonic.fail("getTopSongs", {}))["code"] == 10


async def test_artist_info_lists_artists_sharing_genres(
    subsonic: SubsonicClient, services: Runtime, library: dict[str, UUID]
) -> None:
    nina = await _artist_id(services, library["seed"])
    ada = await _artist_id(services, library["same_genre"])
    for http_method in ("GET", "POST"):
        info2 = await subsonic.call("getArtistInfo2", {"id": str(nina)}, http_method=http_method)
        similar = info2["artistInfo2"]["similarArtist"]
        assert [(a["id"], a["name"]) for a in similar] == [(str(ada), "Ada")]
        assert "albumCount" in similar[0]
        info = await subsonic.call("getArtistInfo", {"id": str(nina)}, http_method=http_method)
        assert [(a["id"], a["name"]) for a in info["artistInfo"]["similarArtist"]] == [
            (str(ada), "Ada")
        ]
        # Unknown text fields are sent empty, not left out (issue 16 item 10).
        for key, document in (("artistInfo", info), ("artistInfo2", info2)):
            assert {name: document[key][name] for name in UNKNOWN_ARTIST_TEXT} == {
                name: "" for name in UNKNOWN_ARTIST_TEXT
            }
    for method in ("getArtistInfo", "getArtistInfo2"):
        xml = await subsonic.request(method, {"id": str(nina)}, fmt="xml")
        root = ElementTree.fromstring(xml.content)
        assert [a.attrib["name"] for a in root.iter(NS + "similarArtist")] == ["Ada"]
        info_element = root[0]
        assert dict(info_element.attrib) == {}
        assert [child.tag.removeprefix(NS) for child in info_element][:3] == [
            "biography",
            "musicBrainzId",
            "lastFmUrl",
        ]
    none = await subsonic.call("getArtistInfo2", {"id": str(nina), "count": 0})
    assert none["artistInfo2"].get("similarArtist", []) == []
    assert (await subsonic.fail("getArtistInfo2", {"id": str(UUID(int=9))}))["code"] == 70


async def test_album_info_answers_with_empty_notes(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    song = await add_song(services, album="Known")
    album_id = (await services.domains.catalog.song(song)).album_id
    for method in ("getAlbumInfo", "getAlbumInfo2"):
        for fmt, http_method in (("json", "GET"), ("xml", "POST")):
            response = await subsonic.request(
                method, {"id": str(album_id)}, fmt=fmt, http_method=http_method
            )
            assert response.status_code == 200 and b"failed" not in response.content
            if fmt == "json":
                info = response.json()["subsonic-response"]["albumInfo"]
                assert info == {"notes": "", "musicBrainzId": "", "lastFmUrl": ""}
            else:
                element = ElementTree.fromstring(response.content).find(NS + "albumInfo")
                assert element is not None and dict(element.attrib) == {}
                assert [(child.tag.removeprefix(NS), child.text) for child in element] == [
                    ("notes", None),
                    ("musicBrainzId", None),
                    ("lastFmUrl", None),
                ]
        assert (await subsonic.fail(method, {"id": str(UUID(int=3))}))["code"] == 70


async def test_avatar_is_a_png_of_the_users_own_colour(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    response = await subsonic.request("getAvatar", {"username": "alice"}, http_method="POST")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (128, 128)
    await services.domains.users.add_user("zed", "another long passphrase")
    other = await subsonic.request("getAvatar", {"username": "zed"})
    corner = Image.open(io.BytesIO(other.content)).convert("RGB").getpixel((0, 0))
    assert corner != image.convert("RGB").getpixel((0, 0))
    again = await subsonic.request("getAvatar", {"username": "alice"}, http_method="GET")
    assert again.content == response.content
    assert (await subsonic.fail("getAvatar", {"username": "nobody"}))["code"] == 70


async def test_info_responses_match_their_snapshots(
    subsonic: SubsonicClient, services: Runtime, library: dict[str, UUID]
) -> None:
    nina = await _artist_id(services, library["seed"])
    for method, params in (
        ("getArtistInfo2", {"id": str(nina)}),
        ("getSimilarSongs2", {"id": str(library["seed"]), "count": 2}),
    ):
        for fmt, form in (("json", format_json), ("xml", format_xml)):
            got = await subsonic.request(method, params, fmt=fmt)
            body = got.json() if fmt == "json" else got.content
            assert_matches_snapshot(f"userdata_{method}.{fmt}", normalize(form(body)))
