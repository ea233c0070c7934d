"""The Subsonic response validators accept valid documents and name what is wrong with others."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest
from lxml import etree

from tests.api.subsonic.validate import (
    OPENSUBSONIC_XSD,
    SUBSONIC_XSD,
    assert_valid_json,
    assert_valid_jsonp,
    assert_valid_xml,
    json_to_xml,
    schema_model,
)

# The published Subsonic schema, unchanged; schema/README.md names its source.
SUBSONIC_XSD_SHA256 = "fc0d7efc4a3f4ce85acd811cda59d9754439623e5ef2101aaa572f85db965d37"

# (type, attribute) whose schema type OpenSubsonic changes, and (type, attribute) it makes optional.
CHANGED_SUBSONIC_DECLARATIONS = {("PlayQueue", "current"), ("Error", "code")}
RELAXED_SUBSONIC_REQUIREMENTS = {("ArtistID3", "albumCount"), ("ArtistWithAlbumsID3", "albumCount")}

ENVELOPE = (
    'xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1" type="tonearm" '
    'serverVersion="0.1.0 (abc123)" openSubsonic="true"'
)

SONG_UUID = "0b5a43c4-8d5e-4c47-9a4e-1f0f7e2b9a10"

OPENSUBSONIC_SONG: dict[str, Any] = {
    "id": SONG_UUID,
    "parent": "al-1",
    "isDir": False,
    "title": "Numbered Beeps",
    "album": "Test Signals",
    "artist": "Signal A feat. Signal B",
    "track": 3,
    "year": 2024,
    "genre": "Electronic",
    "size": 512000,
    "contentType": "audio/mpeg",
    "suffix": "mp3",
    "duration": 20,
    "bitRate": 192,
    "discNumber": 1,
    "created": "2024-05-01T12:00:00.123456Z",
    "albumId": "al-1",
    "artistId": "ar-1",
    "type": "music",
    "isVideo": False,
    "bitDepth": 16,
    "samplingRate": 44100,
    "channelCount": 2,
    "mediaType": "song",
    "played": "2024-05-02T08:30:00+02:00",
    "bpm": 120,
    "comment": "",
    "sortName": "numbered beeps",
    "musicBrainzId": "",
    "displayArtist": "Signal A feat. Signal B",
    "displayAlbumArtist": "Signal A",
    "displayComposer": "Signal C",
    "explicitStatus": "",
    "isrc": ["XXA012400001"],
    "genres": [{"name": "Electronic"}, {"name": "Test"}],
    "artists": [{"id": "ar-1", "name": "Signal A"}, {"id": "ar-2", "name": "Signal B"}],
    "albumArtists": [{"id": "ar-1", "name": "Signal A"}],
    "contributors": [
        {"role": "composer", "artist": {"id": "ar-3", "name": "Signal C"}},
        {"role": "performer", "subRole": "Synth", "artist": {"id": "ar-1", "name": "Signal A"}},
    ],
    "moods": [],
    "replayGain": {"trackGain": -6.5, "trackPeak": 0.98, "albumGain": -7},
}

# The XML a server writes for OPENSUBSONIC_SONG: children in schema order, lists repeated.
OPENSUBSONIC_SONG_XML = f"""
<song id="{SONG_UUID}" parent="al-1" isDir="false" title="Numbered Beeps" album="Test Signals"
      artist="Signal A feat. Signal B" track="3" year="2024" genre="Electronic" size="512000"
      contentType="audio/mpeg" suffix="mp3" duration="20" bitRate="192" discNumber="1"
      created="2024-05-01T12:00:00.123456Z" albumId="al-1" artistId="ar-1" type="music"
      isVideo="false" bitDepth="16" samplingRate="44100" channelCount="2" mediaType="song"
      played="2024-05-02T08:30:00+02:00" bpm="120" comment="" sortName="numbered beeps"
      musicBrainzId="" displayArtist="Signal A feat. Signal B" displayAlbumArtist="Signal A"
      displayComposer="Signal C" explicitStatus="">
  <isrc>XXA012400001</isrc>
  <genres name="Electronic"/>
  <genres name="Test"/>
  <artists id="ar-1" name="Signal A"/>
  <artists id="ar-2" name="Signal B"/>
  <albumArtists id="ar-1" name="Signal A"/>
  <contributors role="composer"><artist id="ar-3" name="Signal C"/></contributors>
  <contributors role="performer" subRole="Synth"><artist id="ar-1" name="Signal A"/></contributors>
  <replayGain trackGain="-6.5" trackPeak="0.98" albumGain="-7"/>
</song>
"""

OPENSUBSONIC_ALBUM: dict[str, Any] = {
    "song": [OPENSUBSONIC_SONG],  # first on purpose: JSON key order is free
    "id": "al-1",
    "name": "Test Signals",
    "artist": "Signal A",
    "artistId": "ar-1",
    "songCount": 1,
    "duration": 20,
    "created": "2024-05-01T12:00:00Z",
    "year": 2024,
    "played": "2024-05-02T08:30:00Z",
    "userRating": 4,
    "musicBrainzId": "",
    "displayArtist": "Signal A",
    "sortName": "test signals",
    "isCompilation": False,
    "explicitStatus": "clean",
    "version": "Remastered",
    "recordLabels": [{"name": "Label"}],
    "genres": [{"name": "Electronic"}],
    "artists": [{"id": "ar-1", "name": "Signal A"}],
    "releaseTypes": ["Album"],
    "moods": ["calm"],
    "originalReleaseDate": {"year": 2001, "month": 3, "day": 10},
    "releaseDate": {"year": 2024},
    "discTitles": [{"disc": 1, "title": "Side A"}],
}


def xml_response(inner: str = "", envelope: str = ENVELOPE) -> bytes:
    """A Subsonic XML response with `inner` inside the root element."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<subsonic-response {envelope}>{inner}'
        "</subsonic-response>"
    ).encode()


def json_response(**fields: Any) -> dict[str, Any]:
    """A Subsonic JSON response (parsed) whose root holds `fields`."""
    return {
        "subsonic-response": {
            "status": "ok",
            "version": "1.16.1",
            "type": "tonearm",
            "serverVersion": "0.1.0 (abc123)",
            "openSubsonic": True,
            **fields,
        }
    }


def song_with(**changes: Any) -> dict[str, Any]:
    """OPENSUBSONIC_SONG with fields changed; a value of `...` removes the field."""
    song = copy.deepcopy(OPENSUBSONIC_SONG)
    for key, value in changes.items():
        if value is ...:
            del song[key]
        else:
            song[key] = value
    return song


# --- valid documents ----------------------------------------------------------------------------


def test_minimal_ping_xml_is_valid() -> None:
    root = assert_valid_xml(xml_response())

    assert root.get("status") == "ok"


def test_minimal_ping_json_is_valid() -> None:
    root = assert_valid_json(json_response())

    assert root.get("openSubsonic") == "true"


@pytest.mark.parametrize("code", [40, 42, 43, 44])
def test_error_with_help_url_is_valid_in_both_formats(code: int) -> None:
    inner = f'<error code="{code}" message="Invalid API key" helpUrl="https://example.org/keys"/>'
    failed = ENVELOPE.replace('status="ok"', 'status="failed"')
    error = {"code": code, "message": "Invalid API key", "helpUrl": "https://example.org/keys"}
    doc = json_response(error=error)
    doc["subsonic-response"]["status"] = "failed"

    assert_valid_xml(xml_response(inner, failed))
    assert_valid_json(doc)


def test_song_with_opensubsonic_fields_is_valid_xml() -> None:
    root = assert_valid_xml(xml_response(OPENSUBSONIC_SONG_XML))

    assert root[0].get("id") == SONG_UUID


def test_song_with_opensubsonic_fields_is_valid_json() -> None:
    assert_valid_json(json_response(song=OPENSUBSONIC_SONG))


def test_json_maps_to_the_xml_a_server_writes() -> None:
    from_json = json_to_xml(json_response(song=OPENSUBSONIC_SONG))
    parser = etree.XMLParser(remove_blank_text=True)
    written = etree.fromstring(xml_response(OPENSUBSONIC_SONG_XML), parser)

    assert etree.tostring(from_json, method="c14n") == etree.tostring(written, method="c14n")


def test_album_with_opensubsonic_fields_and_songs_is_valid_json() -> None:
    root = assert_valid_json(json_response(album=OPENSUBSONIC_ALBUM))

    # The album's OpenSubsonic elements come first, its songs last, whatever the key order.
    names = [etree.QName(child).localname for child in root[0]]
    assert names[-1] == "song"
    assert names[0] == "recordLabels"


def test_album_xml_with_opensubsonic_elements_before_songs_is_valid() -> None:
    inner = (
        '<album id="al-1" name="A" songCount="1" duration="20" created="2024-05-01T12:00:00Z">'
        '<genres name="Electronic"/><originalReleaseDate year="2001"/><moods>calm</moods>'
        f"{OPENSUBSONIC_SONG_XML}</album>"
    )

    assert_valid_xml(xml_response(inner))


def test_artists_of_a_song_need_only_id_and_name() -> None:
    song = song_with(artists=[{"id": "ar-9", "name": "Only Id And Name"}])

    assert_valid_json(json_response(song=song))


def test_extension_list_is_valid_even_when_empty() -> None:
    extensions = [{"name": "songLyrics", "versions": [1]}, {"name": "formPost", "versions": [1]}]
    xml = (
        '<openSubsonicExtensions name="songLyrics"><versions>1</versions></openSubsonicExtensions>'
    )

    assert_valid_json(json_response(openSubsonicExtensions=extensions))
    assert_valid_json(json_response(openSubsonicExtensions=[]))
    assert_valid_xml(xml_response(xml))


def test_structured_lyrics_carry_their_text_in_value() -> None:
    lyrics = {
        "structuredLyrics": [
            {
                "displayArtist": "Signal A",
                "displayTitle": "Numbered Beeps",
                "lang": "xxx",
                "offset": -100,
                "synced": True,
                "line": [{"start": 0, "value": "one"}, {"start": 1000, "value": "two"}],
            }
        ]
    }
    root = assert_valid_json(json_response(lyricsList=lyrics))

    assert [line.text for line in root.iter("{*}line")] == ["one", "two"]
    assert_valid_xml(
        xml_response(
            '<lyricsList><structuredLyrics lang="und" synced="false">'
            "<line>one</line></structuredLyrics></lyricsList>"
        )
    )


def test_genre_name_is_the_value_of_a_genre() -> None:
    genres = {"genre": [{"songCount": 3, "albumCount": 1, "value": "Electronic"}]}

    root = assert_valid_json(json_response(genres=genres))

    assert next(root.iter("{*}genre")).text == "Electronic"


def test_index_based_play_queue_is_valid() -> None:
    queue = {
        "currentIndex": 0,
        "position": 1500,
        "username": "ada",
        "changed": "2024-05-01T12:00:00Z",
        "changedBy": "DSub",
        "entry": [OPENSUBSONIC_SONG, OPENSUBSONIC_SONG],
    }

    assert_valid_json(json_response(playQueueByIndex=queue))


def test_transcode_decision_is_valid() -> None:
    decision = {
        "canDirectPlay": False,
        "canTranscode": True,
        "transcodeReason": ["AudioCodecNotSupported"],
        "transcodeParams": "opus-128",
        "sourceStream": {"protocol": "http", "container": "flac", "codec": "flac"},
        "transcodeStream": {
            "protocol": "http",
            "container": "ogg",
            "codec": "opus",
            "audioChannels": 2,
            "audioBitrate": 128000,
        },
    }

    assert_valid_json(json_response(transcodeDecision=decision))


def test_play_queue_current_may_be_a_uuid_only_with_the_opensubsonic_errata() -> None:
    inner = (
        f'<playQueue current="{SONG_UUID}" position="0" username="ada" '
        'changed="2024-05-01T12:00:00Z" changedBy="DSub"/>'
    )
    plain = 'xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1"'

    assert_valid_xml(xml_response(inner))
    with pytest.raises(AssertionError, match="current"):
        assert_valid_xml(xml_response(inner, plain), xsd=SUBSONIC_XSD)


def test_jsonp_is_unwrapped_and_validated() -> None:
    body = b'cb123({"subsonic-response": {"status": "ok", "version": "1.16.1", "type": "tonearm", "serverVersion": "1", "openSubsonic": true}});'

    assert assert_valid_jsonp(body, "cb123")["subsonic-response"]["type"] == "tonearm"
    with pytest.raises(AssertionError, match="not a JSONP call"):
        assert_valid_jsonp(body, "other")


# --- invalid documents --------------------------------------------------------------------------


def test_wrong_status_value_is_rejected() -> None:
    doc = json_response()
    doc["subsonic-response"]["status"] = "okay"

    with pytest.raises(AssertionError, match="'okay' is not an element of the set"):
        assert_valid_xml(xml_response(envelope=ENVELOPE.replace('"ok"', '"okay"')))
    with pytest.raises(AssertionError, match="'okay' is not an element of the set"):
        assert_valid_json(doc)


def test_unknown_element_is_rejected() -> None:
    with pytest.raises(AssertionError, match="bogus': This element is not expected"):
        assert_valid_xml(xml_response("<bogus/>"))
    with pytest.raises(AssertionError, match="bogus': This element is not expected"):
        assert_valid_json(json_response(bogus={"a": 1}))


def test_unknown_attribute_is_rejected() -> None:
    with pytest.raises(AssertionError, match="'lenght' is not allowed"):
        assert_valid_json(json_response(song=song_with(lenght=20)))


@pytest.mark.parametrize("attribute", ["id", "isDir", "title"])
def test_song_without_a_required_attribute_is_rejected(attribute: str) -> None:
    present = {"id": f' id="{SONG_UUID}"', "isDir": ' isDir="false"', "title": ' title="t"'}
    xml_song = "<song" + "".join(v for k, v in present.items() if k != attribute) + "/>"
    message = f"attribute '{attribute}' is required"

    with pytest.raises(AssertionError, match=message):
        assert_valid_xml(xml_response(xml_song))
    with pytest.raises(AssertionError, match=message):
        assert_valid_json(json_response(song=song_with(**{attribute: ...})))


@pytest.mark.parametrize("attribute", ["type", "serverVersion", "openSubsonic"])
def test_response_without_an_opensubsonic_attribute_is_rejected(attribute: str) -> None:
    doc = json_response()
    del doc["subsonic-response"][attribute]

    with pytest.raises(AssertionError, match=f"attribute '{attribute}' is required"):
        assert_valid_json(doc)


def test_album_without_created_is_rejected() -> None:
    album = {key: value for key, value in OPENSUBSONIC_ALBUM.items() if key != "created"}

    with pytest.raises(AssertionError, match="attribute 'created' is required"):
        assert_valid_json(json_response(album=album))


def test_opensubsonic_element_after_an_albums_songs_is_rejected() -> None:
    inner = (
        '<album id="al-1" name="A" songCount="1" duration="20" created="2024-05-01T12:00:00Z">'
        f'{OPENSUBSONIC_SONG_XML}<genres name="Electronic"/></album>'
    )

    with pytest.raises(AssertionError, match="genres': This element is not expected"):
        assert_valid_xml(xml_response(inner))


def test_replay_gain_occurs_at_most_once_in_json() -> None:
    song = song_with(replayGain=[{"trackGain": 1.0}])

    with pytest.raises(AssertionError, match="replayGain: occurs at most once"):
        assert_valid_json(json_response(song=song))


@pytest.mark.parametrize(
    ("field", "value"),
    [("genres", {"name": "Electronic"}), ("isrc", "XXA012400001"), ("moods", "calm")],
)
def test_repeatable_element_must_be_a_json_array(field: str, value: Any) -> None:
    with pytest.raises(AssertionError, match=f"song.{field}: `{field}` may repeat"):
        assert_valid_json(json_response(song=song_with(**{field: value})))


def test_single_album_in_a_list_must_still_be_an_array() -> None:
    album_list = {"album": {k: v for k, v in OPENSUBSONIC_ALBUM.items() if k != "song"}}

    with pytest.raises(AssertionError, match=re.escape("albumList2.album: `album` may repeat")):
        assert_valid_json(json_response(albumList2=album_list))


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("year", "2024", "expected a JSON integer, got str '2024'"),
        ("isDir", "false", "expected a JSON boolean, got str 'false'"),
        ("id", 12, "expected a JSON string, got int 12"),
        ("duration", 20.5, "expected a JSON integer, got float 20.5"),
        ("bpm", True, "expected a JSON integer, got bool True"),
    ],
)
def test_json_scalar_of_the_wrong_type_is_rejected(field: str, value: Any, expected: str) -> None:
    with pytest.raises(AssertionError, match=f"song.{field}: {expected}"):
        assert_valid_json(json_response(song=song_with(**{field: value})))


def test_json_null_is_rejected() -> None:
    with pytest.raises(
        AssertionError, match=re.escape("song.year: null; omit an absent field instead")
    ):
        assert_valid_json(json_response(song=song_with(year=None)))


def test_value_on_an_element_without_text_is_rejected() -> None:
    with pytest.raises(AssertionError, match="'value' is not allowed"):
        assert_valid_json(json_response(song=song_with(value="text")))


def test_json_without_the_subsonic_response_root_is_rejected() -> None:
    with pytest.raises(AssertionError, match="a Subsonic JSON response is"):
        assert_valid_json({"status": "ok"})


def test_xml_without_the_subsonic_namespace_is_rejected() -> None:
    body = xml_response(envelope=ENVELOPE.replace('xmlns="http://subsonic.org/restapi" ', ""))

    with pytest.raises(AssertionError, match="No matching global declaration"):
        assert_valid_xml(body)


def test_xml_boolean_spelled_as_a_digit_is_rejected() -> None:
    with pytest.raises(AssertionError, match="song@isDir: boolean '0'; write true or false"):
        assert_valid_xml(xml_response(f'<song id="{SONG_UUID}" isDir="0" title="t"/>'))


def test_xml_datetime_with_a_space_is_rejected() -> None:
    song = f'<song id="{SONG_UUID}" isDir="false" title="t" created="2024-05-01 12:00:00"/>'

    with pytest.raises(AssertionError, match=r"'created'.*not a valid value of the atomic type"):
        assert_valid_xml(xml_response(song))


def test_undefined_error_code_is_rejected() -> None:
    doc = json_response(error={"code": 404, "message": "Not found"})
    doc["subsonic-response"]["status"] = "failed"

    with pytest.raises(AssertionError, match="'404' is not an element of the set"):
        assert_valid_json(doc)


def test_xml_that_is_not_well_formed_is_rejected() -> None:
    with pytest.raises(AssertionError, match="not well-formed"):
        assert_valid_xml(b"<subsonic-response")


# --- the schema files ---------------------------------------------------------------------------


def test_subsonic_xsd_is_the_published_file() -> None:
    assert hashlib.sha256(SUBSONIC_XSD.read_bytes()).hexdigest() == SUBSONIC_XSD_SHA256


def test_opensubsonic_xsd_keeps_every_subsonic_declaration() -> None:
    subsonic, opensubsonic = schema_model(SUBSONIC_XSD), schema_model(OPENSUBSONIC_XSD)
    lost = []
    for type_name, declared in subsonic.complex_types.items():
        patched = opensubsonic.complex_types.get(type_name)
        if patched is None:
            lost.append(type_name)
            continue
        for name, attribute in declared.attributes.items():
            kept = patched.attributes.get(name)
            if kept is None:
                lost.append(f"{type_name}@{name}")
            elif (type_name, name) not in CHANGED_SUBSONIC_DECLARATIONS and (
                kept.type_name != attribute.type_name
            ):
                lost.append(f"{type_name}@{name}: {attribute.type_name} -> {kept.type_name}")
            elif (type_name, name) not in RELAXED_SUBSONIC_REQUIREMENTS and (
                kept.required != attribute.required
            ):
                lost.append(f"{type_name}@{name}: required {attribute.required} -> {kept.required}")
        for name, child in declared.children.items():
            if patched.children.get(name) != child:
                lost.append(f"{type_name}/{name}")

    assert lost == []
