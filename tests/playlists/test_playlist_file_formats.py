"""Reading and writing M3U/M3U8 and XSPF, without a library: the awkward files people have."""

from __future__ import annotations

import pytest

from tonearm.playlists.files import InvalidPlaylistFile
from tonearm.playlists.files.locations import read_location
from tonearm.playlists.files.m3u import M3uItem, parse_m3u, write_m3u
from tonearm.playlists.files.models import MAX_FILE_ENTRIES, MAX_LINE_CHARS
from tonearm.playlists.files.xspf import XspfItem, parse_xspf, write_xspf


def test_extended_m3u_with_bom_crlf_comments_and_blank_lines() -> None:
    data = (
        "\ufeff#EXTM3U\r\n#PLAYLIST:Road trip\r\n\r\n# a comment\r\n"
        "#EXTINF:215,Björk - Jóga\r\nBjörk/Homogenic/02 Jóga.flac\r\n"
        "#EXTINF:-1,No length\r\nstream.mp3\r\n"
        "plain.mp3\r\n"
    ).encode()
    parsed = parse_m3u(data)
    assert parsed.title == "Road trip"
    assert parsed.encoding == "utf-8"
    first, second, third = parsed.entries
    assert (first.line, first.location, first.artist, first.title, first.duration_ms) == (
        6,
        "Björk/Homogenic/02 Jóga.flac",
        "Björk",
        "Jóga",
        215_000,
    )
    # A label without " - " is a title; -1 means "unknown length".
    assert (second.artist, second.title, second.duration_ms) == (None, "No length", None)
    # #EXTINF describes only the next location.
    assert (third.line, third.title, third.duration_ms) == (9, None, None)


def test_latin1_m3u_is_read_as_windows_1252() -> None:
    parsed = parse_m3u("C:\\Music\\Café\\01 Déjà vu.mp3\n".encode("latin-1"))
    assert parsed.encoding == "cp1252"
    assert parsed.entries[0].location == "C:\\Music\\Café\\01 Déjà vu.mp3"


def test_locations_from_every_kind_of_writer() -> None:
    windows = read_location("C:\\Music\\A\\b.mp3")
    assert (windows.names, windows.absolute, windows.windows) == (
        ("Music", "A", "b.mp3"),
        True,
        True,
    )
    parent = read_location("..\\x\\y.flac")
    assert (parent.names, parent.absolute) == (("..", "x", "y.flac"), False)
    url = read_location("file:///home/me/Music/Caf%C3%A9/01%20x.mp3")
    assert (url.names, url.absolute) == (("home", "me", "Music", "Café", "01 x.mp3"), True)
    drive_url = read_location("file:///C:/Users/me/Music/a%20b.mp3")
    assert (drive_url.names, drive_url.windows) == (("Users", "me", "Music", "a b.mp3"), True)
    posix = read_location("./Album/../Album/song.ogg")
    assert (posix.names, posix.absolute) == (("Album", "..", "Album", "song.ogg"), False)
    stream = read_location(
        "https://music.example/rest/stream.view?id=0b6f5c3e-1d2a-4f55-9c43-2f1f6b0d9a10&apiKey=k"
    )
    assert stream.remote and str(stream.song_id) == "0b6f5c3e-1d2a-4f55-9c43-2f1f6b0d9a10"
    assert read_location("http://radio.example/live").song_id is None


def test_m3u_limits() -> None:
    with pytest.raises(InvalidPlaylistFile, match="line 2"):
        parse_m3u(b"#EXTM3U\n" + b"a" * (MAX_LINE_CHARS + 1) + b"\n")
    with pytest.raises(InvalidPlaylistFile, match="entries"):
        parse_m3u(b"a.mp3\n" * (MAX_FILE_ENTRIES + 1))


def test_m3u_written_reads_back() -> None:
    text = write_m3u(
        "Mix\nwith a newline",
        [
            M3uItem("A/b.mp3", ("Ann", "Bo"), "Song", 61_400),
            M3uItem(None, ("Up",), "Loaded", 1000),
        ],
    )
    assert text.startswith("#EXTM3U\n#PLAYLIST:Mix with a newline\n")
    assert "#EXTINF:61,Ann, Bo - Song\nA/b.mp3\n" in text
    assert "# not a file on this server: Up - Loaded" in text
    parsed = parse_m3u(text.encode())
    assert [e.location for e in parsed.entries] == ["A/b.mp3"]


XSPF = b"""<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/">
  <title>Evening</title>
  <trackList>
    <track>
      <location>file:///srv/music/Caf%C3%A9/1.flac</location>
      <creator>Nina</creator><title>Night</title><album>Dark</album>
      <duration>200500</duration>
    </track>
    <track><location>Rel%20Dir/2.mp3</location></track>
    <track><creator>Only</creator><title>Tags</title></track>
  </trackList>
</playlist>
"""


def test_xspf_tracks() -> None:
    parsed = parse_xspf(XSPF)
    assert parsed.title == "Evening"
    first, second, third = parsed.entries
    assert (first.location, first.artist, first.title, first.album, first.duration_ms) == (
        "file:///srv/music/Caf%C3%A9/1.flac",
        "Nina",
        "Night",
        "Dark",
        200_500,
    )
    assert second.location == "Rel Dir/2.mp3"  # a relative URI, percent-decoded
    assert (third.line, third.location, third.text) == (3, None, "Only - Tags")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<playlist xmlns="http://xspf.org/ns/0/"><title>&lol9;</title></playlist>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<playlist xmlns="http://xspf.org/ns/0/"><title>&secret;</title></playlist>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_hostile_xspf_is_refused(document: bytes) -> None:
    with pytest.raises(InvalidPlaylistFile, match="DTD or entities"):
        parse_xspf(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [(b"<playlist><trackList>", "not well-formed"), (b"<rss/>", "not <playlist>")],
)
def test_broken_xspf_is_refused(document: bytes, message: str) -> None:
    with pytest.raises(InvalidPlaylistFile, match=message):
        parse_xspf(document)


def test_xspf_written_reads_back() -> None:
    document = write_xspf(
        "Déjà & <more>",
        [XspfItem("file:///m/a%20b.flac", ("A",), "T & U", "Alb", 1234)],
    )
    parsed = parse_xspf(document)
    assert parsed.title == "Déjà & <more>"
    entry = parsed.entries[0]
    assert (entry.location, entry.artist, entry.title, entry.album, entry.duration_ms) == (
        "file:///m/a%20b.flac",
        "A",
        "T & U",
        "Alb",
        1234,
    )
