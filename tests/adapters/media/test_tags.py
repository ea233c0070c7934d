"""read_tags on real files: every container, the awkward forms, bounds, and tag bombs."""

from __future__ import annotations

import contextlib
import dataclasses
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mutagen.id3
import pytest

from tests.ingest.audio_factory import (
    AudioFormat,
    TagFormat,
    as_lrc,
    make_audio_file,
    make_image_bytes,
)
from tonearm.adapters.media import tag_sizes as tag_sizes_module
from tonearm.adapters.media import tags as tags_module
from tonearm.adapters.media.tags import read_tags
from tonearm.ingest.models import IngestError, LyricsLine, SongTags

RECORDING_ID = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
ALBUM_ID = "2c5b4e1a-0f4d-4f6c-9d5e-0a1b2c3d4e5f"
ARTIST_ID = "a74b1b7f-71a5-4011-9441-d0b5e4122711"

EVERY_TAG: dict[str, Any] = {
    "title": "Höhenflug",
    "artists": ["Alpha", "Beta"],
    "album": "Album Ä",
    "album_artist": "Various",
    "track_number": 3,
    "track_total": 12,
    "disc_number": 1,
    "disc_total": 2,
    "year": "2019-05-01",
    "genres": ["Rock", "Jazz"],
    "musicbrainz_recording_id": RECORDING_ID,
    "musicbrainz_album_id": ALBUM_ID,
    "musicbrainz_artist_id": ARTIST_ID,
    "isrc": "USRC17607839",
    "lyrics": "first line\nsecond line",
}
EXPECTED = SongTags(
    container="",
    title="Höhenflug",
    artists=("Alpha", "Beta"),
    album="Album Ä",
    album_artist="Various",
    track_number=3,
    track_total=12,
    disc_number=1,
    disc_total=2,
    year=2019,
    genres=("Rock", "Jazz"),
    musicbrainz_recording_id=RECORDING_ID,
    musicbrainz_album_id=ALBUM_ID,
    musicbrainz_artist_id=ARTIST_ID,
    isrc="USRC17607839",
    lyrics="first line\nsecond line",
)
CONTAINERS: dict[str, str] = {
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "ogg",
    "opus": "opus",
    "m4a": "m4a",
    "alac": "m4a",
    "wav": "wav",
    "aiff": "aiff",
}
ALL_FORMATS: list[AudioFormat] = ["mp3", "flac", "ogg", "opus", "m4a", "alac", "wav", "aiff"]
VORBIS_FORMATS: list[AudioFormat] = ["flac", "ogg", "opus"]
TAGGINGS: list[tuple[AudioFormat, TagFormat | None]] = [
    ("mp3", "id3v2.4"),
    ("mp3", "id3v2.3"),
    ("mp3", "id3v2.2"),
    ("mp3", "apev2"),
    ("flac", None),
    ("ogg", None),
    ("opus", None),
    ("m4a", None),
    ("alac", None),
    ("wav", "id3v2.4"),
    ("wav", "id3v2.3"),
    ("aiff", "id3v2.4"),
    ("aiff", "id3v2.3"),
]


def without_stream_facts(tags: SongTags) -> SongTags:
    """The tags alone: what the stream headers say (length, format) and the picture left out."""
    return dataclasses.replace(
        tags, picture=None, duration_ms=None, sample_rate=None, bit_depth=None, channels=None
    )


def _tagged(tmp_path: Path, fmt: AudioFormat, **tags: Any) -> SongTags:
    return read_tags(make_audio_file(tmp_path, fmt, tags=tags))


@pytest.mark.parametrize(("fmt", "tag_format"), TAGGINGS)
def test_every_tag_round_trips(
    tmp_path: Path, fmt: AudioFormat, tag_format: TagFormat | None
) -> None:
    cover = make_image_bytes("png")
    path = make_audio_file(tmp_path, fmt, tags=EVERY_TAG, picture=cover, tag_format=tag_format)

    tags = read_tags(path)

    assert without_stream_facts(tags) == dataclasses.replace(EXPECTED, container=CONTAINERS[fmt])
    assert tags.picture is not None
    assert tags.picture.data == cover
    assert tags.picture.mime_type == "image/png"


def test_wav_info_chunk_is_read_without_an_id3_chunk(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path,
        "wav",
        tag_format="riff-info",
        tags={"title": "Info Title", "artists": "Info Artist", "album": "Info Album",
              "year": 2004, "genres": "Ambient", "track_number": 6},
    )  # fmt: skip

    tags = read_tags(path)

    assert (tags.title, tags.artists, tags.album) == ("Info Title", ("Info Artist",), "Info Album")
    assert (tags.year, tags.genres, tags.track_number) == (2004, ("Ambient",), 6)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_untagged_file_gives_empty_tags_with_its_container(
    tmp_path: Path, fmt: AudioFormat
) -> None:
    path = make_audio_file(tmp_path, fmt, seconds=2)

    tags = read_tags(path)

    assert without_stream_facts(tags) == SongTags(container=CONTAINERS[fmt])
    # The stream's length, which phase 1 of a scan lists the song with.
    assert tags.duration_ms is not None and abs(tags.duration_ms - 2000) <= 100


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_embedded_jpeg_cover_is_read(tmp_path: Path, fmt: AudioFormat) -> None:
    cover = make_image_bytes("jpeg", size_px=64)
    path = make_audio_file(tmp_path, fmt, tags={"title": "x"}, picture=cover)

    picture = read_tags(path).picture

    assert picture is not None
    assert (picture.data, picture.mime_type) == (cover, "image/jpeg")


def test_front_cover_is_preferred_over_other_pictures(tmp_path: Path) -> None:
    back, front = make_image_bytes("png"), make_image_bytes("jpeg")
    path = make_audio_file(tmp_path, "mp3", tags={"title": "x"})
    id3 = mutagen.id3.ID3(path)
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/png", type=4, desc="back", data=back))
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=front))
    id3.save(path)

    picture = read_tags(path).picture

    assert picture is not None
    assert picture.data == front


def test_id3v1_only_tags_are_read_with_numeric_genre(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path,
        "mp3",
        tag_format="id3v1",
        tags={"title": "Old", "artists": "Oldie", "album": "Past", "year": 1999,
              "track_number": 7, "genres": "17"},
    )  # fmt: skip

    tags = read_tags(path)

    assert (tags.title, tags.artists, tags.album) == ("Old", ("Oldie",), "Past")
    assert (tags.year, tags.track_number, tags.genres) == (1999, 7, ("Rock",))


@pytest.mark.parametrize(
    ("tcon", "genres"),
    [("(17)", ("Rock",)), ("(17)(6)", ("Rock", "Grunge")), ("17", ("Rock",)), ("Ska", ("Ska",))],
)
def test_id3_genre_references_become_names(
    tmp_path: Path, tcon: str, genres: tuple[str, ...]
) -> None:
    path = make_audio_file(tmp_path, "mp3", tag_format="id3v2.3", raw_tags={"TCON": tcon})

    assert read_tags(path).genres == genres


@pytest.mark.parametrize("fmt", VORBIS_FORMATS)
def test_vorbis_track_and_disc_in_slash_form(tmp_path: Path, fmt: AudioFormat) -> None:
    path = make_audio_file(tmp_path, fmt, raw_tags={"TRACKNUMBER": "03/12", "DISCNUMBER": "2/3"})

    tags = read_tags(path)

    assert (tags.track_number, tags.track_total, tags.disc_number, tags.disc_total) == (
        3,
        12,
        2,
        3,
    )


def test_separate_total_tags_fill_the_totals(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path,
        "flac",
        raw_tags={"TRACKNUMBER": "5", "TOTALTRACKS": "9", "DISCNUMBER": "1", "TOTALDISCS": "4"},
    )

    tags = read_tags(path)

    assert (tags.track_number, tags.track_total, tags.disc_number, tags.disc_total) == (
        5,
        9,
        1,
        4,
    )


def test_id3_track_total_in_txxx(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "mp3", raw_tags={"TRCK": "4", "TXXX:TRACKTOTAL": "11"})

    tags = read_tags(path)

    assert (tags.track_number, tags.track_total) == (4, 11)


@pytest.mark.parametrize("text", ["0", "abc", "99999999"])
def test_nonsense_track_numbers_are_dropped(tmp_path: Path, text: str) -> None:
    path = make_audio_file(tmp_path, "flac", raw_tags={"TRACKNUMBER": text})

    assert read_tags(path).track_number is None


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_several_artists_and_genres_are_kept_apart(tmp_path: Path, fmt: AudioFormat) -> None:
    tags = _tagged(
        tmp_path, fmt, artists=["Simon & Garfunkel", "X feat. Y", "Z"], genres=["Folk", "Pop"]
    )

    # "&" and "feat." are part of names: splitting on them would break "Simon & Garfunkel".
    assert tags.artists == ("Simon & Garfunkel", "X feat. Y", "Z")
    assert tags.genres == ("Folk", "Pop")


@pytest.mark.parametrize(
    ("fmt", "raw_tags"),
    [
        ("flac", {"ARTIST": "Alpha feat. Beta", "ARTISTS": ["Alpha", "Beta"]}),
        ("mp3", {"TPE1": "Alpha feat. Beta", "TXXX:ARTISTS": ["Alpha", "Beta"]}),
        ("m4a", {"©ART": "Alpha feat. Beta", "----:com.apple.iTunes:ARTISTS": ["Alpha", "Beta"]}),
    ],
)
def test_artists_tag_is_preferred_to_the_display_artist(
    tmp_path: Path, fmt: AudioFormat, raw_tags: dict[str, Any]
) -> None:
    path = make_audio_file(tmp_path, fmt, raw_tags=raw_tags)

    assert read_tags(path).artists == ("Alpha", "Beta")


def test_nul_separated_values_are_split(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "flac", raw_tags={"ARTIST": "One\x00Two", "GENRE": "A\x00B"})

    tags = read_tags(path)

    assert (tags.artists, tags.genres) == (("One", "Two"), ("A", "B"))


def test_duplicate_names_are_kept_once_and_lists_are_bounded(tmp_path: Path) -> None:
    many = [f"Artist {n}" for n in range(30)]
    tags = _tagged(tmp_path, "flac", artists=["Dup", "Dup", *many], genres=many)

    assert tags.artists[:2] == ("Dup", "Artist 0")
    assert len(tags.artists) == 20
    assert len(tags.genres) == 20


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_musicbrainz_ids_and_isrc_are_normalised(tmp_path: Path, fmt: AudioFormat) -> None:
    tags = _tagged(
        tmp_path,
        fmt,
        musicbrainz_recording_id=RECORDING_ID.upper(),
        musicbrainz_album_id="not-a-uuid",
        isrc="us-rc1-76-07839",
    )

    assert tags.musicbrainz_recording_id == RECORDING_ID
    assert tags.musicbrainz_album_id is None
    assert tags.isrc == "USRC17607839"


@pytest.mark.parametrize("year", ["2019", "2019-05-01", "2019-05-01T10:20:30"])
@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_year_is_read_from_dates(tmp_path: Path, fmt: AudioFormat, year: str) -> None:
    assert _tagged(tmp_path, fmt, year=year).year == 2019


def test_id3v23_year_frame_is_read(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "mp3", tag_format="id3v2.3", tags={"year": 1987})

    assert read_tags(path).year == 1987


# Lyrics


def test_id3_synced_lyrics_come_from_sylt(tmp_path: Path) -> None:
    lines = (LyricsLine(0, "intro"), LyricsLine(12_500, "verse"), LyricsLine(61_000, "chorus"))
    path = make_audio_file(
        tmp_path, "mp3", tags={"lyrics": "intro\nverse\nchorus", "synced_lyrics": lines}
    )

    tags = read_tags(path)

    assert tags.synced_lyrics == lines
    assert tags.lyrics == "intro\nverse\nchorus"


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus", "m4a"])
def test_lrc_text_in_a_lyrics_tag_becomes_synced_lyrics(tmp_path: Path, fmt: AudioFormat) -> None:
    lines = (LyricsLine(1_000, "one"), LyricsLine(2_500, "two"))
    path = make_audio_file(tmp_path, fmt, tags={"synced_lyrics": lines})

    tags = read_tags(path)

    assert tags.synced_lyrics == lines
    assert tags.lyrics == "one\ntwo"


def test_lrc_text_in_uslt_becomes_synced_lyrics(tmp_path: Path) -> None:
    text = as_lrc([(3_000, "hello"), (4_000, "world")])
    path = make_audio_file(tmp_path, "mp3", tags={"lyrics": text})

    assert read_tags(path).synced_lyrics == (LyricsLine(3_000, "hello"), LyricsLine(4_000, "world"))


def test_plain_lyrics_keep_lines_but_lose_control_characters(tmp_path: Path) -> None:
    tags = _tagged(tmp_path, "flac", lyrics="line\x07 one\r\nline two\rline three\n")

    assert tags.lyrics == "line one\nline two\nline three"
    assert tags.synced_lyrics == ()


def test_lyrics_are_cut_at_100_000_characters(tmp_path: Path) -> None:
    lyrics = _tagged(tmp_path, "flac", lyrics="la " * 50_000).lyrics

    assert lyrics is not None
    assert len(lyrics) == 100_000


# Text only, bounded


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_long_title_is_cut_at_500_characters(tmp_path: Path, fmt: AudioFormat) -> None:
    assert _tagged(tmp_path, fmt, title="t" * 10_000).title == "t" * 500


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "opus"])
def test_control_characters_are_removed(tmp_path: Path, fmt: AudioFormat) -> None:
    tags = _tagged(tmp_path, fmt, title="Hel\x01lo\x1b\x7f W\x9forld", album="Tab\tbed\n")

    assert tags.title == "Hello World"
    assert tags.album == "Tab bed"


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_path_like_title_is_just_text(tmp_path: Path, fmt: AudioFormat) -> None:
    tags = _tagged(tmp_path, fmt, title="../../etc/passwd", album="/dev/null")

    assert (tags.title, tags.album) == ("../../etc/passwd", "/dev/null")


def test_blank_values_are_absent(tmp_path: Path) -> None:
    tags = _tagged(tmp_path, "flac", title="  \x00 ", artists=["", " "], album="\x01")

    assert (tags.title, tags.artists, tags.album) == (None, (), None)


# Not audio, unreadable


def test_png_named_mp3_gives_empty_tags(tmp_path: Path) -> None:
    path = tmp_path / "cover.mp3"
    path.write_bytes(make_image_bytes("png"))

    # Whether it is audio is ffmpeg's call in the pipeline, not the tag reader's.
    assert read_tags(path) == SongTags(container="mp3")


@pytest.mark.parametrize("name", ["empty.flac", "empty.mp3", "notes.xyz"])
def test_empty_or_unknown_file_gives_empty_tags_named_by_extension(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"" if name.startswith("empty") else b"just some text\n" * 10)

    assert read_tags(path) == SongTags(container=path.suffix[1:])


def test_id3_tag_is_read_even_when_the_audio_is_not(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "mp3", tags={"title": "Kept"})
    tag_bytes = path.read_bytes()[: 10 + _id3_body_size(path.read_bytes())]
    path.write_bytes(tag_bytes + make_image_bytes("png"))

    assert read_tags(path).title == "Kept"


def test_missing_file_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read file"):
        read_tags(tmp_path / "gone.mp3")


# Tag bombs


@pytest.mark.parametrize(
    ("fmt", "key"), [("mp3", "TIT2"), ("flac", "TITLE"), ("opus", "TITLE"), ("m4a", "©nam")]
)
def test_tag_value_over_1_mib_is_a_tag_bomb(tmp_path: Path, fmt: AudioFormat, key: str) -> None:
    path = make_audio_file(tmp_path, fmt, tags={"title": "x" * (2 * 1024 * 1024)})

    with _peak_memory_below(40 * 1024 * 1024), pytest.raises(IngestError) as raised:
        read_tags(path)

    assert raised.value.reason.startswith(f"tag bomb: {key} value of 2.1 MB")
    assert "1.0 MB limit" in raised.value.reason


def test_id3_header_claiming_200_mb_in_a_50_kb_file_is_refused_cheaply(tmp_path: Path) -> None:
    audio = make_audio_file(tmp_path, "mp3", seconds=3.0).read_bytes()
    path = tmp_path / "bomb.mp3"
    path.write_bytes(_id3_header(200_000_000) + b"TIT2" + audio)
    assert 40_000 < path.stat().st_size < 60_000

    with _peak_memory_below(2 * 1024 * 1024), pytest.raises(IngestError) as raised:
        read_tags(path)

    size_kb = path.stat().st_size / 1000
    assert raised.value.reason == (
        "tag bomb: ID3v2 tag claims 200.0 MB, past the end of the file "
        f"(file size {size_kb:.1f} KB)"
    )
    assert str(raised.value).startswith("bomb.mp3: tag bomb")


def test_id3_tag_over_the_block_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.mp3"
    with path.open("wb") as file:
        file.write(_id3_header(65 * 1024 * 1024))
        file.truncate(70 * 1024 * 1024)  # sparse: nothing is written

    with _peak_memory_below(2 * 1024 * 1024), pytest.raises(IngestError) as raised:
        read_tags(path)

    assert raised.value.reason == "tag bomb: ID3v2 tag of 68.2 MB is over the 67.1 MB limit"


def test_flac_block_claiming_past_the_end_is_a_tag_bomb(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "flac", tags={"title": "x"})
    data = bytearray(path.read_bytes())
    offset = 4
    while data[offset] & 0x7F != 4:  # the VORBIS_COMMENT block
        offset += 4 + int.from_bytes(data[offset + 1 : offset + 4], "big")
    data[offset + 1 : offset + 4] = b"\xff\xff\xff"
    path.write_bytes(bytes(data))

    with pytest.raises(IngestError, match=r"FLAC metadata block claims 16\.8 MB, past the end"):
        read_tags(path)


@pytest.mark.parametrize(
    ("fmt", "tag_format", "marker", "shift", "size_field", "reason"),
    [
        ("wav", None, b"id3 ", 4, b"\x7f\xff\xff\x7f", "WAV ID3 chunk claims 2.1 GB"),
        ("aiff", None, b"ID3 ", 4, b"\x7f\xff\xff\x7f", "AIFF ID3 chunk claims 2.1 GB"),
        ("wav", "riff-info", b"LIST", 4, (300_000_000).to_bytes(4, "little"),
         "WAV LIST chunk claims 300.0 MB"),
        ("m4a", None, b"ilst", -4, (0x7FFFFFFF).to_bytes(4, "big"),
         "MP4 'ilst' atom claims 2.1 GB"),
        ("mp3", "apev2", b"APETAGEX", 12, (500_000_000).to_bytes(4, "little"),
         "APEv2 tag claims 500.0 MB"),
        # The ID3 tag inside a WAV chunk may not reach past its chunk, though it stays in
        # the file.
        ("wav", None, b"ID3\x04", 6, b"\x00\x00\x7f\x7f",
         "ID3v2 tag claims 16.4 KB, past the end of its container"),
    ],
)  # fmt: skip
def test_size_field_claiming_too_much_is_a_tag_bomb(
    tmp_path: Path,
    fmt: AudioFormat,
    tag_format: TagFormat | None,
    marker: bytes,
    shift: int,
    size_field: bytes,
    reason: str,
) -> None:
    path = make_audio_file(tmp_path, fmt, tag_format=tag_format, tags={"title": "x"})
    data = bytearray(path.read_bytes())
    at = data.rindex(marker) + shift  # the last: an APEv2 footer, not its header
    data[at : at + 4] = size_field
    path.write_bytes(bytes(data))

    with pytest.raises(IngestError) as raised:
        read_tags(path)

    assert raised.value.reason.startswith(f"tag bomb: {reason}")


@pytest.mark.parametrize("fmt", ["ogg", "opus"])
def test_ogg_comment_packet_over_the_limit_is_a_tag_bomb(
    tmp_path: Path, fmt: AudioFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_audio_file(tmp_path, fmt, tags={"lyrics": "la " * 30_000})
    monkeypatch.setattr(tag_sizes_module, "MAX_TAG_BLOCK_BYTES", 50_000)

    with pytest.raises(IngestError, match=r"Ogg comment header of .* is over the 50\.0 KB limit"):
        read_tags(path)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a", "wav"])
def test_picture_over_the_limit_is_a_tag_bomb(
    tmp_path: Path, fmt: AudioFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit is lowered rather than a 20 MiB picture written for every container.
    path = make_audio_file(tmp_path, fmt, picture=make_image_bytes("png", size_px=64))
    monkeypatch.setattr(tags_module, "MAX_PICTURE_BYTES", 100)

    with pytest.raises(IngestError, match=r"picture of .* is over the 100 bytes limit"):
        read_tags(path)


def test_real_picture_over_20_mib_is_a_tag_bomb(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "mp3", tags={"title": "x"})
    id3 = mutagen.id3.ID3(path)
    huge = b"\xff\xd8\xff" + bytes(21 * 1024 * 1024)
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=huge))
    id3.save(path)

    with pytest.raises(
        IngestError, match=r"tag bomb: APIC picture of 22\.0 MB is over the 21\.0 MB"
    ):
        read_tags(path)


# Helpers


def _id3_header(body_size: int) -> bytes:
    synchsafe = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + synchsafe


def _id3_body_size(data: bytes) -> int:
    size = 0
    for byte in data[6:10]:
        size = size << 7 | byte
    return size


@contextlib.contextmanager
def _peak_memory_below(limit_bytes: int) -> Iterator[None]:
    """Fail when the Python allocations inside the block peak above `limit_bytes`."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_bytes, f"peak {peak} bytes"


@pytest.mark.parametrize(
    ("fmt", "tag_format"),
    [
        ("mp3", "id3v2.4"),
        ("mp3", "id3v2.3"),
        ("mp3", "apev2"),
        ("flac", None),
        ("ogg", None),
        ("opus", None),
        ("m4a", None),
        ("alac", None),
        ("wav", "id3v2.4"),
    ],
)
def test_the_compilation_flag_is_read(
    tmp_path: Path, fmt: AudioFormat, tag_format: TagFormat | None
) -> None:
    flagged = make_audio_file(
        tmp_path / "flagged",
        fmt,
        tags={"title": "On a compilation", "compilation": True},
        tag_format=tag_format,
    )
    plain = make_audio_file(tmp_path / "plain", fmt, tags={"title": "Not"}, tag_format=tag_format)

    assert read_tags(flagged).compilation is True
    assert read_tags(flagged).title == "On a compilation"  # an MP4 cpil atom is no obstacle
    assert read_tags(plain).compilation is False


@pytest.mark.parametrize(
    ("fmt", "key", "value"), [("mp3", "TXXX:COMPILATION", "1"), ("flac", "COMPILATION", "0")]
)
def test_compilation_written_as_text(
    tmp_path: Path, fmt: AudioFormat, key: str, value: str
) -> None:
    path = make_audio_file(tmp_path, fmt, raw_tags={key: value})
    assert read_tags(path).compilation is (value == "1")
