"""read_tags for the fields issue 16 brought to the API: bpm, comment, contributors, sort
tags, original date, release types, record labels, moods, the album artist's MusicBrainz id,
and the stream's sample rate, bit depth and channels; multi-value genres and moods."""

from __future__ import annotations

from pathlib import Path

import mutagen.id3
import mutagen.mp4
import pytest

from tests.ingest.audio_factory import AudioFormat, make_audio_file
from tonearm.adapters.media.tags import read_tags
from tonearm.library.models import Contributor

ALBUM_ARTIST_ID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


def test_id3_frames_are_read(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path,
        "mp3",
        tags={"title": "T", "genres": "Classical;Ambient"},
        raw_tags={
            "TBPM": "121",
            "TCOM": "Ann/Bo",
            "TEXT": "Cy",
            "TPE3": "Di",
            "TPE4": "Ed",
            "TSOT": "T sorted",
            "TSOP": "Artist, The",
            "TSO2": "Album Artist, The",
            "TSOA": "Album, The",
            "TDOR": "1977-06",
            "TPUB": "Label One",
            "TMOO": "Calm/Warm",
            "TXXX:MusicBrainz Album Type": "album,live",
            "TXXX:MusicBrainz Album Artist Id": ALBUM_ARTIST_ID.upper(),
        },
    )
    tags = mutagen.id3.ID3(path)
    tags.add(mutagen.id3.COMM(encoding=3, lang="eng", desc="iTunSMPB", text=["000"]))
    tags.add(mutagen.id3.COMM(encoding=3, lang="eng", desc="", text=["A note"]))
    tags.add(mutagen.id3.TIPL(encoding=3, people=[["arranger", "Fay"], ["engineer", "Gus"]]))
    tags.add(mutagen.id3.TMCL(encoding=3, people=[["violin", "Hal"]]))
    tags.save(path)

    read = read_tags(path)

    assert read.genres == ("Classical", "Ambient")
    assert read.bpm == 121
    assert read.comment == "A note"
    assert read.contributors == (
        Contributor("composer", "Ann"),
        Contributor("composer", "Bo"),
        Contributor("lyricist", "Cy"),
        Contributor("conductor", "Di"),
        Contributor("arranger", "Fay"),
        Contributor("remixer", "Ed"),
        Contributor("performer", "Hal", "violin"),
    )
    assert (read.title_sort, read.artist_sort) == ("T sorted", "Artist, The")
    assert (read.album_artist_sort, read.album_sort) == ("Album Artist, The", "Album, The")
    assert read.original_date == "1977-06"
    assert read.record_labels == ("Label One",)
    assert read.moods == ("Calm", "Warm")
    assert read.release_types == ("album", "live")
    assert read.musicbrainz_album_artist_id == ALBUM_ARTIST_ID
    assert (read.sample_rate, read.bit_depth, read.channels) == (44100, None, 1)


@pytest.mark.parametrize("fmt", ["flac", "ogg"])
def test_vorbis_comments_are_read(tmp_path: Path, fmt: AudioFormat) -> None:
    path = make_audio_file(
        tmp_path,
        fmt,
        tags={"title": "T"},
        raw_tags={
            "GENRE": ["Rock/Pop", "Jazz"],
            "BPM": "98,5",
            "COMMENT": "Line one\nLine two",
            "COMPOSER": ["Ann", "Bo"],
            "PERFORMER": ["Cy (Cello)", "Di"],
            "ARTISTSORT": "Sorted",
            "ALBUMARTISTSORT": "Album Sorted",
            "ALBUMSORT": "Album, An",
            "TITLESORT": "Title, A",
            "ORIGINALDATE": "1970-02-30",  # no such day: the month is kept
            "LABEL": ["One", "Two"],
            "RELEASETYPE": "EP",
            "MOOD": "Dark;Slow",
            "MUSICBRAINZ_ALBUMARTISTID": ALBUM_ARTIST_ID,
        },
    )

    read = read_tags(path)

    assert read.genres == ("Rock", "Pop", "Jazz")
    assert read.bpm == 98.5
    assert read.comment == "Line one\nLine two"
    assert read.contributors == (
        Contributor("composer", "Ann"),
        Contributor("composer", "Bo"),
        Contributor("performer", "Cy", "cello"),
        Contributor("performer", "Di"),
    )
    assert (read.artist_sort, read.album_artist_sort) == ("Sorted", "Album Sorted")
    assert (read.album_sort, read.title_sort) == ("Album, An", "Title, A")
    assert read.original_date == "1970-02"
    assert read.record_labels == ("One", "Two")
    assert read.release_types == ("EP",)
    assert read.moods == ("Dark", "Slow")
    assert read.musicbrainz_album_artist_id == ALBUM_ARTIST_ID
    assert read.sample_rate == 44100 and read.channels == 1
    assert read.bit_depth == (16 if fmt == "flac" else None)  # Vorbis is lossy


def test_original_year_alone_is_a_date(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "flac", raw_tags={"ORIGINALYEAR": "1840"})
    assert read_tags(path).original_date == "1840"


@pytest.mark.parametrize(("fmt", "bit_depth", "channels"), [("m4a", None, None), ("alac", 16, 1)])
def test_mp4_atoms_are_read(
    tmp_path: Path, fmt: AudioFormat, bit_depth: int | None, channels: int | None
) -> None:
    path = make_audio_file(tmp_path, fmt, tags={"title": "T"})
    audio = mutagen.mp4.MP4(path)
    assert audio.tags is not None
    itunes = "----:com.apple.iTunes:"
    audio.tags["tmpo"] = [140]
    audio.tags["©cmt"] = ["Note"]
    audio.tags["©wrt"] = ["Ann"]
    audio.tags["soar"] = ["Artist, The"]
    audio.tags["soaa"] = ["Album Artist, The"]
    audio.tags["soal"] = ["Album, The"]
    audio.tags["sonm"] = ["Title, The"]
    audio.tags[itunes + "LABEL"] = [mutagen.mp4.MP4FreeForm(b"Label")]
    audio.tags[itunes + "MOOD"] = [mutagen.mp4.MP4FreeForm(b"Happy")]
    audio.tags[itunes + "MusicBrainz Album Type"] = [mutagen.mp4.MP4FreeForm(b"single")]
    audio.tags[itunes + "originaldate"] = [mutagen.mp4.MP4FreeForm(b"2001-09-11")]
    audio.tags[itunes + "CONDUCTOR"] = [mutagen.mp4.MP4FreeForm(b"Di")]
    audio.save()

    read = read_tags(path)

    assert (read.bpm, read.comment) == (140, "Note")
    assert read.contributors == (Contributor("composer", "Ann"), Contributor("conductor", "Di"))
    assert (read.artist_sort, read.album_artist_sort) == ("Artist, The", "Album Artist, The")
    assert (read.album_sort, read.title_sort) == ("Album, The", "Title, The")
    assert (read.record_labels, read.moods) == (("Label",), ("Happy",))
    assert (read.release_types, read.original_date) == (("single",), "2001-09-11")
    assert (read.sample_rate, read.bit_depth, read.channels) == (44100, bit_depth, channels)


def test_names_with_a_slash_stay_whole_outside_genres_moods_and_roles(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path, "flac", tags={"artists": ["AC/DC"]}, raw_tags={"LABEL": "Sony/ATV"}
    )
    read = read_tags(path)
    assert (read.artists, read.record_labels) == (("AC/DC",), ("Sony/ATV",))
