"""A second independent client library, py-opensonic (`libopensonic`), against a real
`tonearm serve`: browsing, search, stream and download bytes, cover art, stars, scrobbles and
now playing, playlists, the play queue (both forms), lyrics and artist/album info, over token,
password (`enc:`) and API-key authentication.

py-opensonic decodes every answer into typed models whose required fields must be there (a
`lyrics` without `value`, a missing `playQueue` fail it). Its requests go through a checking
proxy, so every answer it gets is also validated against the XSD and the OpenAPI schemas."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import httpx
import libopensonic
import pytest
from libopensonic import errors as sonic_errors

from tests.api.subsonic.live import LiveServer
from tests.api.subsonic.proxy import CheckingProxy, checking_proxy

AUTHS = ("token", "password", "apikey")
NS = "{http://subsonic.org/restapi}"


@pytest.fixture(scope="module")
def proxy(live_server: LiveServer) -> Iterator[CheckingProxy]:
    with checking_proxy(live_server.url) as running:
        yield running
    assert running.faults == [], "\n\n".join(running.faults)


@pytest.fixture(scope="module")
def api_key(live_server: LiveServer) -> str:
    return live_server.new_api_key("py-opensonic")


@pytest.fixture(scope="module", params=AUTHS)
def conn(
    request: pytest.FixtureRequest, live_server: LiveServer, proxy: CheckingProxy, api_key: str
) -> Iterator[libopensonic.Connection]:
    host, port = proxy.url.rsplit(":", 1)
    if request.param == "apikey":
        credentials: dict[str, Any] = {"api_key": api_key}
    else:
        credentials = {"username": live_server.username, "password": live_server.password}
    connection = libopensonic.Connection(
        host,
        port=int(port),
        app_name=f"py-opensonic-{request.param}",
        legacy_auth=request.param == "password",
        **credentials,
    )
    yield connection
    connection.cleanup()


def read(conn: libopensonic.Connection, response: Any) -> bytes:
    """The body of a binary answer (an aiohttp response on the connection's own loop)."""
    body: bytes = asyncio.run_coroutine_threadsafe(response.read(), conn._loop).result()
    return body


def artist_ids(conn: libopensonic.Connection) -> dict[str, str]:
    artists = conn.get_artists()
    return {a.name: a.id for index in artists.index or () for a in index.artist or ()}


def song_ids(conn: libopensonic.Connection) -> dict[str, str]:
    found = conn.search3("", artist_count=0, album_count=0, song_count=50)
    return {song.title: song.id for song in found.song or ()}


def test_ping_and_the_extensions(conn: libopensonic.Connection) -> None:
    assert conn.ping() is True
    names = {extension.name for extension in conn.get_open_subsonic_extensions()}
    assert {"songLyrics", "apiKeyAuthentication", "indexBasedQueue"} <= names


def test_browsing_and_search(conn: libopensonic.Connection) -> None:
    # Not get_music_folders: py-opensonic 10.4 iterates over the keys of `musicFolders`
    # instead of its `musicFolder` list, whatever the server (a bug of the library).
    indexes = conn.get_indexes()
    names = {a.name for index in indexes.index or () for a in index.artist or ()}
    assert names == {"Nina Vale", "The Quiet Engines"}
    artist = conn.get_artist(artist_ids(conn)["Nina Vale"])
    assert [album.name for album in artist.album or ()] == ["Harbour Lights"]
    album = conn.get_album(artist.album[0].id)  # type: ignore[index]
    assert album.artist == "Nina Vale" and album.year == 2021
    titles = {song.title for song in album.song or ()}
    assert titles <= {"Harbour Lights", "Low Tide"} and titles
    song = conn.get_song(song_ids(conn)["Low Tide"])
    assert (song.suffix, song.content_type, song.duration) == ("flac", "audio/flac", 8)
    directory = conn.get_music_directory(song.parent)
    assert "Low Tide" in {child.title for child in directory.child or ()}
    listed = conn.get_album_list2("alphabeticalByName", size=10)
    assert {a.name for a in listed} == {"Harbour Lights", "Signals"}
    genres = {genre.value for genre in conn.get_genres()}
    assert {"Folk", "Electronic"} <= genres
    found = conn.search3("signal")
    assert [s.title for s in found.song or ()] == ["Signal One"]
    assert [a.name for a in found.album or ()] == ["Signals"]


def test_stream_download_and_cover_art(
    conn: libopensonic.Connection, live_server: LiveServer
) -> None:
    songs = song_ids(conn)
    original = (live_server.music_dir / "Nina Vale/Harbour Lights/02 Low Tide.flac").read_bytes()
    assert read(conn, conn.download(songs["Low Tide"])) == original
    streamed = read(conn, conn.stream(songs["Low Tide"], tformat="raw"))
    assert streamed == original
    mp3 = read(conn, conn.stream(songs["Signal One"]))
    assert mp3[:3] == b"ID3" or mp3[0] == 0xFF
    part = read(conn, conn.stream(songs["Low Tide"], tformat="raw", byte_range="bytes=0-3"))
    assert part == b"fLaC"
    song = conn.get_song(songs["Harbour Lights"])
    assert song.cover_art
    art = read(conn, conn.get_cover_art(song.cover_art, size=32))
    assert art[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xdb")


def test_stars_scrobbles_and_now_playing(conn: libopensonic.Connection) -> None:
    songs = song_ids(conn)
    nina = artist_ids(conn)["Nina Vale"]
    album_id = conn.get_song(songs["Low Tide"]).album_id
    assert conn.star(sids=[songs["Low Tide"]], album_ids=[album_id], artist_ids=[nina])
    starred = conn.get_starred2()
    assert [s.title for s in starred.song or ()] == ["Low Tide"]
    assert [a.id for a in starred.album or ()] == [album_id]
    assert [a.id for a in starred.artist or ()] == [nina]
    conn.unstar(sids=[songs["Low Tide"]], album_ids=[album_id], artist_ids=[nina])
    after = conn.get_starred2()
    assert not (after.song or after.album or after.artist)
    assert conn.scrobble(songs["Signal One"], submission=False)
    playing = conn.get_now_playing()
    assert "Signal One" in {entry.title for entry in playing}
    assert conn.scrobble(songs["Signal One"], submission=True)
    assert conn.get_song(songs["Signal One"]).play_count


def test_playlists(conn: libopensonic.Connection) -> None:
    songs = song_ids(conn)
    name = f"opensonic mix {conn.app_name}"
    assert conn.create_playlist(name=name, song_ids=[songs["Harbour Lights"], songs["Low Tide"]])
    created = next(p for p in conn.get_playlists() if p.name == name)
    assert created.song_count == 2 and created.owner == "alice"
    conn.update_playlist(
        created.id,
        comment="via py-opensonic",
        song_ids_to_add=[songs["Signal One"]],
        song_indices_to_remove=[0],
    )
    playlist = conn.get_playlist(created.id)
    assert playlist.comment == "via py-opensonic"
    assert [e.title for e in playlist.entry or ()] == ["Low Tide", "Signal One"]
    conn.delete_playlist(created.id)
    with pytest.raises(sonic_errors.DataNotFoundError):
        conn.get_playlist(created.id)


def test_play_queue_both_forms_and_empty(conn: libopensonic.Connection) -> None:
    songs = song_ids(conn)
    ids = [songs["Harbour Lights"], songs["Low Tide"], songs["Signal One"]]
    assert conn.save_play_queue(ids, current=ids[1], position=4_000)
    queue = conn.get_play_queue()
    assert [e.id for e in queue.entry or ()] == ids
    assert (queue.current, queue.position, queue.username) == (ids[1], 4_000, "alice")
    assert queue.changed_by == conn.app_name
    by_index = conn.get_play_queue_by_index()
    assert by_index.current_index == 1 and [e.id for e in by_index.entry or ()] == ids
    assert conn.save_play_queue_by_index(ids=ids[:2], current_index=0, position=10)
    assert conn.get_play_queue().current == ids[0]
    # Cleared: still a playQueue element, with its required fields (issue 16 item 16).
    assert conn.save_play_queue_by_index()
    empty = conn.get_play_queue()
    assert (empty.entry, empty.current, empty.username, empty.changed_by) == (
        None,
        None,
        "alice",
        "",
    )
    assert conn.get_play_queue_by_index().entry is None


def test_lyrics(conn: libopensonic.Connection) -> None:
    lyrics = conn.get_lyrics(artist="The Quiet Engines", title="Signal One")
    assert lyrics.value.splitlines() == ["first line", "second line"]
    # No match: py-opensonic requires `value` (issue 16 item 6).
    assert conn.get_lyrics(artist="Nobody", title="Nothing").value == ""
    structured = conn.get_lyrics_by_song_id(song_ids(conn)["Signal One"])
    assert structured[0].synced is True
    assert [(line.start, line.value) for line in structured[0].line] == [
        (0, "first line"),
        (2000, "second line"),
    ]


def test_artist_and_album_info(conn: libopensonic.Connection) -> None:
    nina = artist_ids(conn)["Nina Vale"]
    info2 = conn.get_artist_info2(nina)
    # Sent even when unknown (issue 16 item 10).
    assert (info2.biography, info2.last_fm_url, info2.music_brainz_id) == ("", "", "")
    assert info2.large_image_url and info2.small_image_url and info2.medium_image_url
    image = httpx.get(info2.large_image_url, timeout=30)  # signed: no credentials
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    info = conn.get_artist_info(nina)
    assert info.biography == "" and info.small_image_url
    album_id = conn.get_artist(nina).album[0].id  # type: ignore[index]
    album_info = conn.get_album_info2(album_id)
    assert album_info.notes == "" and album_info.large_image_url


def test_token_info_names_the_caller(conn: libopensonic.Connection) -> None:
    # tonearm answers tokenInfo for every auth scheme, not only API keys.
    assert conn.token_info().username == "alice"


def test_xml_artist_info_carries_image_url_elements(
    proxy: CheckingProxy, live_server: LiveServer
) -> None:
    # What an XML client (DSub) reads: the image URLs as child elements (issue 16 item 3).
    with httpx.Client(base_url=proxy.url, timeout=30) as http:
        auth = {"u": "alice", "p": live_server.password, "v": "1.16.1", "c": "xml-check"}
        indexes = ElementTree.fromstring(http.get("/rest/getArtists.view", params=auth).content)
        nina = next(a for a in indexes.iter(NS + "artist") if a.get("name") == "Nina Vale")
        for method, key in (("getArtistInfo", "artistInfo"), ("getArtistInfo2", "artistInfo2")):
            body = http.get(f"/rest/{method}.view", params=auth | {"id": nina.get("id")}).content
            info = ElementTree.fromstring(body).find(NS + key)
            assert info is not None and not any(k.endswith("ImageUrl") for k in info.attrib)
            urls = {tag: info.findtext(NS + tag) for tag in ("smallImageUrl", "largeImageUrl")}
            assert all(url and url.startswith("http") for url in urls.values()), body


def test_every_answer_was_checked(proxy: CheckingProxy) -> None:
    # Runs last in the module: the proxy saw (and validated) the calls made above.
    assert {"getArtistInfo2", "getPlayQueue", "getLyrics", "stream", "search3"} <= set(
        proxy.checked
    )
    assert proxy.faults == [], "\n\n".join(proxy.faults)
