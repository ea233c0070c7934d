"""complete_tags fills gaps from the folder, the file name and a `.lrc` file; the value rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ingest.audio_factory import make_audio_file
from tonearm.adapters.media.tags import read_lrc_file, read_tags
from tonearm.ingest.models import LyricsLine, SongTags
from tonearm.ingest.tags import (
    canonical_isrc,
    canonical_mbid,
    clean_text,
    complete_tags,
    parse_number_pair,
    parse_year,
    sort_name,
)

MUSIC = Path("/music")


def _complete(relative: str, **tags: Any) -> SongTags:
    return complete_tags(SongTags(container="flac", **tags), MUSIC / relative)


def test_untagged_real_file_is_named_from_its_folders(tmp_path: Path) -> None:
    path = make_audio_file(
        tmp_path, "flac", name="Nina Simone/Pastel Blues/04 - Be My Husband.flac"
    )

    tags = complete_tags(read_tags(path), path)

    assert (tags.title, tags.artists, tags.album, tags.track_number) == (
        "Be My Husband",
        ("Nina Simone",),
        "Pastel Blues",
        4,
    )
    assert tags.container == "flac"


def test_lrc_beside_the_file_gives_synced_and_plain_lyrics(tmp_path: Path) -> None:
    path = make_audio_file(tmp_path, "mp3", tags={"title": "Song"})
    lrc_path = path.with_suffix(".lrc")
    lrc_path.write_text("[ar:x]\n[00:01.00]one\n[00:02.00]\n[00:03.00]two\n", encoding="utf-8")

    tags = complete_tags(read_tags(path), path, read_lrc_file(lrc_path))

    assert tags.synced_lyrics == (
        LyricsLine(1_000, "one"),
        LyricsLine(2_000, ""),
        LyricsLine(3_000, "two"),
    )
    assert tags.lyrics == "one\ntwo"


def test_synced_lyrics_in_tags_win_over_the_lrc_file() -> None:
    own = (LyricsLine(5, "tagged"),)

    tags = complete_tags(
        SongTags(container="mp3", title="t", synced_lyrics=own, lyrics="tagged"),
        MUSIC / "a.mp3",
        (LyricsLine(9, "from file"),),
    )

    assert (tags.synced_lyrics, tags.lyrics) == (own, "tagged")


def test_plain_lyrics_in_tags_are_kept_beside_lrc_lines() -> None:
    lrc = (LyricsLine(9, "from file"),)

    tags = complete_tags(SongTags(container="mp3", lyrics="tagged words"), MUSIC / "a.mp3", lrc)

    assert (tags.synced_lyrics, tags.lyrics) == (lrc, "tagged words")


def test_tags_that_are_present_are_not_touched() -> None:
    full = SongTags(
        container="mp3",
        title="Real Title",
        artists=("Real Artist",),
        album="Real Album",
        track_number=9,
    )

    assert complete_tags(full, MUSIC / "Other/Folder/01 - Wrong.mp3") == full


@pytest.mark.parametrize(
    ("name", "title", "track_number"),
    [
        ("01 - Title.flac", "Title", 1),
        ("02. Title.flac", "Title", 2),
        ("03_Some_Title.flac", "Some Title", 3),
        ("4 Title.flac", "Title", 4),
        ("12) Title.flac", "Title", 12),
        ("1979.flac", "1979", None),
        ("01.flac", "01", None),
        ("Plain Title.flac", "Plain Title", None),
        ("two__spaces_here.flac", "two spaces here", None),
    ],
)
def test_title_and_track_number_from_the_file_name(
    name: str, title: str, track_number: int | None
) -> None:
    tags = _complete(f"Artist/Album/{name}")

    assert (tags.title, tags.track_number) == (title, track_number)


def test_tagged_track_number_wins_over_the_file_name() -> None:
    assert _complete("A/B/07 - x.flac", track_number=3).track_number == 3


def test_artist_title_file_name_gives_the_artist() -> None:
    tags = _complete("Downloads/Misc/05 - The Band - Their Song.flac")

    assert (tags.title, tags.artists, tags.track_number) == ("Their Song", ("The Band",), 5)


def test_file_name_artist_is_not_used_when_the_title_is_tagged() -> None:
    tags = _complete("Folder Artist/Album/Song - Live.flac", title="Song - Live")

    assert tags.artists == ("Folder Artist",)


def test_artist_falls_back_to_the_grandparent_folder() -> None:
    tags = _complete("Grandparent Artist/Parent Album/track.flac", title="Tagged")

    assert (tags.artists, tags.album) == (("Grandparent Artist",), "Parent Album")


def test_file_without_folders_gets_no_artist_or_album() -> None:
    tags = complete_tags(SongTags(container="mp3"), Path("song.mp3"))

    assert (tags.title, tags.artists, tags.album) == ("song", (), None)


@pytest.mark.parametrize("name", ["___.mp3", " .mp3", "\x01\x02.mp3"])
def test_title_is_never_empty(name: str) -> None:
    assert _complete(f"A/B/{name}").title == "Untitled"


def test_control_characters_in_names_are_removed() -> None:
    tags = _complete("Art\x1bist/Al\x00bum/Ti\x07tle.mp3")

    assert (tags.title, tags.artists, tags.album) == ("Title", ("Artist",), "Album")


def test_long_file_and_folder_names_are_bounded() -> None:
    tags = _complete(f"{'a' * 800}/{'b' * 800}/{'c' * 800}.mp3")

    assert (len(tags.title or ""), len(tags.artists[0]), len(tags.album or "")) == (500, 500, 500)


def test_path_like_title_stays_exactly_that() -> None:
    tags = _complete("Artist/Album/x.flac", title="../../etc/passwd")

    assert tags.title == "../../etc/passwd"


# Value rules shared by every container


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  plain  ", "plain"),
        ("a\x00b\x1fc\x7fd\x9fe", "abcde"),
        ("tab\there", "tab here"),
        ("\ufeffbom", "bom"),
        ("lone \udc80surrogate", "lone surrogate"),
        ("\x00\x01 ", None),
        ("", None),
    ],
)
def test_clean_text(value: str, expected: str | None) -> None:
    assert clean_text(value) == expected


def test_clean_text_keeps_newlines_only_when_multiline() -> None:
    assert clean_text("a\r\nb\rc\u2028d", multiline=True) == "a\nb\nc\nd"
    assert clean_text("a\nb") == "a b"


def test_clean_text_cuts_at_the_limit() -> None:
    assert clean_text("x" * 600) == "x" * 500
    assert clean_text("abcdef", 3) == "abc"


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("3/12", (3, 12)),
        (" 03 / 12 ", (3, 12)),
        ("3 of 12", (3, 12)),
        ("7", (7, None)),
        ("0/10", (None, 10)),
        ("5/0", (5, None)),
        ("A1", (None, None)),
        ("123456", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_number_pair(text: str | None, pair: tuple[int | None, int | None]) -> None:
    assert parse_number_pair(text) == pair


@pytest.mark.parametrize(
    ("text", "year"),
    [("2019", 2019), ("2019-05-01", 2019), ("1999-12", 1999), ("0000", None), ("'99", None)],
)
def test_parse_year(text: str, year: int | None) -> None:
    assert parse_year(text) == year


def test_canonical_ids() -> None:
    assert (
        canonical_mbid("B1A9C0E9D9874042AE9178D6A3267D69") == "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
    )
    assert canonical_mbid("b1a9c0e9") is None
    assert canonical_isrc("gb-aye-07-00001") == "GBAYE0700001"
    assert canonical_isrc("not an isrc") is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("The Beatles", "beatles"),
        ("A Tribe Called Quest", "tribe called quest"),
        ("An Pierlé", "pierlé"),
        ("Theatre of Tragedy", "theatre of tragedy"),
        ("The", "the"),
        ("ABBA", "abba"),
    ],
)
def test_sort_name_drops_english_articles_and_folds_case(name: str, key: str) -> None:
    assert sort_name(name) == key


def test_clean_text_cuts_a_value_at_the_tag_limit() -> None:
    value = ("word\x01 " * 200_000)[: 1024 * 1024]

    assert clean_text(value) == ("word " * 100)[:500].strip()
