"""Issue 16 items 7 and 8: tags read at ingest reach REST and Subsonic (getSong, getAlbum,
getArtist in JSON and XML, every answer validated against the XSD), and an artist's
coverArt is given only when one of its songs has art.

The files are real audio made by ffmpeg and tagged with mutagen as taggers write them:
MP3 (ID3v2.4 frames), FLAC (Vorbis comments) and M4A (iTunes atoms)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import mutagen.id3
import mutagen.mp4
import pytest
from PIL import Image
from sqlalchemy import update

from tests.api.accounts import sign_in
from tests.api.subsonic.client import SubsonicClient
from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.db.tables import SongRow
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio

NS = "{http://subsonic.org/restapi}"
MP3_RELEASE = str(uuid.UUID(int=0x1111))
MP3_ARTIST = str(uuid.UUID(int=0x2222))
MP3_ALBUM_ARTIST = str(uuid.UUID(int=0x3333))
FLAC_RELEASE = str(uuid.UUID(int=0x4444))


def cover_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_library(music: Path) -> None:
    """Three tagged files, one per tag format; only the FLAC has a cover."""
    mp3 = make_audio_file(
        music,
        "mp3",
        frequency_hz=440,
        name="Kestrel Lane/Tidewater/01 Salt.mp3",
        tags={
            "title": "Salt",
            "artists": ["Kestrel Lane"],
            "album": "Tidewater",
            "album_artist": "Kestrel Lane",
            "track_number": 1,
            "year": 2001,
            "genres": "Classical;Ambient",
            "musicbrainz_album_id": MP3_RELEASE,
            "musicbrainz_artist_id": MP3_ARTIST,
        },
        raw_tags={
            "TBPM": "128",
            "TCOM": "Ada Byrne/Cole Marsh",
            "TEXT": "Dee Lyric",
            "TPE3": "Ivo Baton",
            "TSOT": "Salt, Sorted",
            "TSOP": "Lane, Kestrel",
            "TSO2": "Lane, Kestrel",
            "TSOA": "Tidewater, The",
            "TDOR": "1969-09-26",
            "TPUB": "Harbour Records",
            "TMOO": "Calm;Dreamy",
            "TXXX:MusicBrainz Album Type": "album, live",
            "TXXX:MusicBrainz Album Artist Id": MP3_ALBUM_ARTIST,
        },
    )
    tags = mutagen.id3.ID3(mp3)
    tags.add(mutagen.id3.COMM(encoding=3, lang="eng", desc="", text=["Recorded at dawn"]))
    tags.add(mutagen.id3.COMM(encoding=3, lang="eng", desc="iTunNORM", text=[" 0000"]))
    tags.save(mp3)

    make_audio_file(
        music,
        "flac",
        frequency_hz=550,
        name="Ferro Quartet/Nocturnes/01 First.flac",
        tags={
            "title": "First",
            "artists": ["Ferro Quartet"],
            "album": "Nocturnes",
            "album_artist": "Ferro Quartet",
            "track_number": 1,
            "musicbrainz_album_id": FLAC_RELEASE,
            "compilation": True,
        },
        picture=cover_jpeg(),
        raw_tags={
            "GENRE": ["Romantic/Piano", "Classical"],
            "BPM": "92.4",
            "COMMENT": "Two lines\nof notes",
            "COMPOSER": "Frédéric Chopin",
            "PERFORMER": "Lea Kim (Piano)",
            "ARTISTSORT": "Quartet, Ferro",
            "ORIGINALYEAR": "1840",
            "LABEL": "Nocturne Editions",
            "RELEASETYPE": "compilation",
            "MOOD": "Wistful",
        },
    )

    m4a = make_audio_file(
        music,
        "m4a",
        frequency_hz=660,
        name="Oriel/Glass/01 Pane.m4a",
        tags={"title": "Pane", "artists": ["Oriel"], "album": "Glass"},
    )
    audio = mutagen.mp4.MP4(m4a)
    assert audio.tags is not None
    itunes = "----:com.apple.iTunes:"
    audio.tags["tmpo"] = [100]
    audio.tags["©cmt"] = ["Made of light"]
    audio.tags["©wrt"] = ["Pia Glass"]
    audio.tags["soar"] = ["Oriel, The"]
    audio.tags["soal"] = ["Glass, Sorted"]
    audio.tags[itunes + "LABEL"] = [mutagen.mp4.MP4FreeForm(b"Prism")]
    audio.tags[itunes + "MOOD"] = [mutagen.mp4.MP4FreeForm(b"Bright")]
    audio.tags[itunes + "originaldate"] = [mutagen.mp4.MP4FreeForm(b"1999-04")]
    audio.save()


async def songs_by_title(subsonic: SubsonicClient) -> dict[str, dict[str, Any]]:
    found = await subsonic.call("search3", {"query": "", "songCount": 10})
    return {song["title"]: song for song in found["searchResult3"]["song"]}


async def xml_of(subsonic: SubsonicClient, method: str, item_id: str) -> ElementTree.Element:
    """The XML answer (the client validates it against the XSD on the way)."""
    response = await subsonic.request(method, {"id": item_id}, fmt="xml")
    assert response.status_code == 200, response.text
    root = ElementTree.fromstring(response.content)
    assert root.get("status") == "ok", response.text
    return root


async def test_tags_reach_subsonic_and_rest_in_json_and_xml(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    make_library(music)
    summary = await services.domains.ingest.scan([music])
    assert summary.counts["imported"] == 3, summary.failures
    await services.domains.ingest.enrich()  # the FLAC's cover art is made by phase 2

    songs = await songs_by_title(subsonic)
    salt = (await subsonic.call("getSong", {"id": songs["Salt"]["id"]}))["song"]
    assert salt["bpm"] == 128
    assert salt["comment"] == "Recorded at dawn"
    assert salt["displayComposer"] == "Ada Byrne, Cole Marsh"
    credits = [(c["role"], c["artist"]["name"]) for c in salt["contributors"]]
    assert credits == [
        ("composer", "Ada Byrne"),
        ("composer", "Cole Marsh"),
        ("lyricist", "Dee Lyric"),
        ("conductor", "Ivo Baton"),
    ]
    assert [g["name"] for g in salt["genres"]] == ["Classical", "Ambient"]
    assert salt["genre"] == "Classical"
    assert salt["moods"] == ["Calm", "Dreamy"]
    assert salt["sortName"] == "salt, sorted"
    assert (salt["samplingRate"], salt["channelCount"]) == (44100, 1)  # a mono sine
    assert "bitDepth" not in salt  # MP3 samples have no bit depth

    first = (await subsonic.call("getSong", {"id": songs["First"]["id"]}))["song"]
    assert first["bpm"] == 92  # 92.4: Subsonic's bpm is an integer
    assert first["comment"] == "Two lines\nof notes"
    assert first["displayComposer"] == "Frédéric Chopin"
    performer = [c for c in first["contributors"] if c["role"] == "performer"]
    assert performer == [
        {"role": "performer", "subRole": "piano", "artist": performer[0]["artist"]}
    ]
    assert performer[0]["artist"]["name"] == "Lea Kim"
    assert [g["name"] for g in first["genres"]] == ["Romantic", "Piano", "Classical"]
    assert (first["samplingRate"], first["bitDepth"], first["channelCount"]) == (44100, 16, 1)

    pane = (await subsonic.call("getSong", {"id": songs["Pane"]["id"]}))["song"]
    assert (pane["bpm"], pane["comment"], pane["displayComposer"]) == (
        100,
        "Made of light",
        "Pia Glass",
    )
    assert pane["moods"] == ["Bright"] and pane["samplingRate"] == 44100
    assert "bitDepth" not in pane  # AAC

    # A contributor is an artist a client can open.
    composer = salt["contributors"][0]["artist"]
    opened = (await subsonic.call("getArtist", {"id": composer["id"]}))["artist"]
    assert opened["name"] == "Ada Byrne" and opened.get("album", []) == []

    tidewater = (await subsonic.call("getAlbum", {"id": salt["albumId"]}))["album"]
    assert tidewater["genre"] == "Classical"
    assert [g["name"] for g in tidewater["genres"]] == ["Classical", "Ambient"]
    assert tidewater["musicBrainzId"] == MP3_RELEASE
    assert tidewater["sortName"] == "tidewater, the"
    assert tidewater["releaseTypes"] == ["album", "live"]
    assert tidewater["originalReleaseDate"] == {"year": 1969, "month": 9, "day": 26}
    assert tidewater["recordLabels"] == [{"name": "Harbour Records"}]
    assert tidewater["moods"] == ["Calm", "Dreamy"]
    assert tidewater["isCompilation"] is False
    assert "coverArt" not in tidewater

    nocturnes = (await subsonic.call("getAlbum", {"id": first["albumId"]}))["album"]
    assert nocturnes["isCompilation"] is True
    assert nocturnes["releaseTypes"] == ["compilation"]
    assert nocturnes["originalReleaseDate"] == {"year": 1840}
    assert nocturnes["musicBrainzId"] == FLAC_RELEASE

    glass = (await subsonic.call("getAlbum", {"id": pane["albumId"]}))["album"]
    assert glass["sortName"] == "glass, sorted"
    assert glass["originalReleaseDate"] == {"year": 1999, "month": 4}

    # byGenre and the album's genres agree.
    listed = await subsonic.call("getAlbumList2", {"type": "byGenre", "genre": "Ambient"})
    assert [a["id"] for a in listed["albumList2"]["album"]] == [tidewater["id"]]
    assert listed["albumList2"]["album"][0]["genres"] == tidewater["genres"]

    kestrel = (await subsonic.call("getArtist", {"id": salt["artistId"]}))["artist"]
    assert kestrel["musicBrainzId"] == MP3_ARTIST  # the song-artist tag, written last
    assert kestrel["sortName"] == "lane, kestrel"
    assert "coverArt" not in kestrel  # item 8: no art anywhere, no id
    ferro = (await subsonic.call("getArtist", {"id": first["artistId"]}))["artist"]
    assert ferro["sortName"] == "quartet, ferro"
    assert ferro["coverArt"] == f"ar-{first['artistId']}"
    art = await subsonic.request("getCoverArt", {"id": ferro["coverArt"], "size": 64})
    assert art.status_code == 200 and art.headers["content-type"] == "image/jpeg", art.text
    indexed = (await subsonic.call("getArtists"))["artists"]["index"]
    by_name = {a["name"]: a for index in indexed for a in index["artist"]}
    assert "coverArt" not in by_name["Kestrel Lane"] and "coverArt" in by_name["Ferro Quartet"]

    # The same facts in XML: attributes and the OpenSubsonic child elements.
    song_xml = (await xml_of(subsonic, "getSong", salt["id"])).find(f"{NS}song")
    assert song_xml is not None
    assert (song_xml.get("bpm"), song_xml.get("samplingRate")) == ("128", "44100")
    assert song_xml.get("comment") == "Recorded at dawn"
    assert song_xml.get("displayComposer") == "Ada Byrne, Cole Marsh"
    xml_credits = song_xml.findall(f"{NS}contributors")
    assert [(c.get("role"), c.find(f"{NS}artist").get("name")) for c in xml_credits] == credits  # type: ignore[union-attr]
    assert [m.text for m in song_xml.findall(f"{NS}moods")] == ["Calm", "Dreamy"]
    album_xml = (await xml_of(subsonic, "getAlbum", tidewater["id"])).find(f"{NS}album")
    assert album_xml is not None
    assert album_xml.get("isCompilation") == "false"
    assert album_xml.get("musicBrainzId") == MP3_RELEASE
    assert [g.get("name") for g in album_xml.findall(f"{NS}genres")] == ["Classical", "Ambient"]
    assert [t.text for t in album_xml.findall(f"{NS}releaseTypes")] == ["album", "live"]
    date = album_xml.find(f"{NS}originalReleaseDate")
    assert date is not None and date.attrib == {"year": "1969", "month": "9", "day": "26"}
    assert [r.get("name") for r in album_xml.findall(f"{NS}recordLabels")] == ["Harbour Records"]
    artist_xml = (await xml_of(subsonic, "getArtist", salt["artistId"])).find(f"{NS}artist")
    assert artist_xml is not None
    assert artist_xml.get("musicBrainzId") == MP3_ARTIST
    assert artist_xml.get("coverArt") is None
    ferro_xml = (await xml_of(subsonic, "getArtist", first["artistId"])).find(f"{NS}artist")
    assert ferro_xml is not None and ferro_xml.get("coverArt") == ferro["coverArt"]

    # And over REST.
    headers = (await sign_in(client, services, "rest-listener")).headers
    rest_song = (await client.get(f"/api/songs/{salt['id']}", headers=headers)).json()
    assert (rest_song["bpm"], rest_song["comment"]) == (128, "Recorded at dawn")
    assert [(c["role"], c["name"]) for c in rest_song["contributors"]] == credits
    assert rest_song["genres"] == ["Classical", "Ambient"]
    assert rest_song["moods"] == ["Calm", "Dreamy"]
    assert (rest_song["sample_rate"], rest_song["bit_depth"], rest_song["channels"]) == (
        44100,
        None,
        1,
    )
    rest_first = (await client.get(f"/api/songs/{first['id']}", headers=headers)).json()
    assert rest_first["bit_depth"] == 16 and rest_first["compilation"] is True
    assert rest_first["bpm"] == 92.4
    rest_album = (await client.get(f"/api/albums/{tidewater['id']}", headers=headers)).json()
    assert rest_album["genres"] == ["Classical", "Ambient"]
    assert rest_album["release_types"] == ["album", "live"]
    assert rest_album["original_date"] == "1969-09-26"
    assert rest_album["record_labels"] == ["Harbour Records"]
    assert rest_album["musicbrainz_id"] == MP3_RELEASE
    assert rest_album["is_compilation"] is False
    rest_artist = (await client.get(f"/api/artists/{salt['artistId']}", headers=headers)).json()
    assert rest_artist["musicbrainz_id"] == MP3_ARTIST
    assert rest_artist["sort_name"] == "lane, kestrel"
    assert rest_artist["albums"][0]["genres"] == ["Classical", "Ambient"]


async def test_a_rescan_fills_new_tag_fields_of_songs_read_by_an_older_version(
    subsonic: SubsonicClient, services: Runtime, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    make_library(music)
    await services.domains.ingest.scan([music])
    # As a song written before these fields existed looks: empty, and no tags version.
    async with services.database.sessions.begin() as session:
        await session.execute(
            update(SongRow).values(
                bpm=None, comment=None, moods=None, sample_rate=None, tags_version=None
            )
        )
    salt_id = (await songs_by_title(subsonic))["Salt"]["id"]
    before = (await subsonic.call("getSong", {"id": salt_id}))["song"]
    assert "bpm" not in before and "comment" not in before

    summary = await services.domains.ingest.scan([music])  # no file changed

    assert summary.unchanged == 0 and summary.counts["updated"] == 3
    after = (await subsonic.call("getSong", {"id": salt_id}))["song"]
    assert (after["bpm"], after["comment"], after["samplingRate"]) == (
        128,
        "Recorded at dawn",
        44100,
    )
    assert after["moods"] == ["Calm", "Dreamy"]
    # Written one by one this time (not phase 1's batch): the same artist facts.
    kestrel = (await subsonic.call("getArtist", {"id": after["artistId"]}))["artist"]
    assert (kestrel["musicBrainzId"], kestrel["sortName"]) == (MP3_ARTIST, "lane, kestrel")
    again = await services.domains.ingest.scan([music])
    assert again.unchanged == 3  # read once, then skipped again
