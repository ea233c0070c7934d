"""Folder paths and page cursors: the pure parts of browsing."""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime

import pytest

from tonearm.library.catalog import InvalidCursor, InvalidSort, Order, SongSort, parse_order
from tonearm.library.cursors import CursorCodec
from tonearm.library.folders import music_roots, normalized_folder, subfolders


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/music/A", "/music/A"),
        ("/music/A/", "/music/A"),
        ("/", "/"),
        ("/music/../etc", None),
        ("/music/./A", None),
        ("//music", None),
        ("/music//A", None),
        ("music/A", None),
        ("", None),
        ("/music/A\x00", None),
    ],
)
def test_only_plain_absolute_paths_are_folders(path: str, expected: str | None) -> None:
    assert normalized_folder(path) == expected


def test_roots_are_the_configured_folders_then_the_outermost_others() -> None:
    folders = ["/music/A", "/music/B/C", "/other/x", "/other/x/y", "/other/z", "/musicx"]
    assert music_roots(["/music/"], folders) == ["/music", "/musicx", "/other/x", "/other/z"]


def test_subfolders_sum_the_songs_below_each_child() -> None:
    counts = {"/m": 1, "/m/A": 2, "/m/A/B": 3, "/m/b": 4, "/mx/C": 5}
    children = subfolders("/m", counts)
    assert [(c.path, c.name, c.song_count) for c in children] == [
        ("/m/A", "A", 5),
        ("/m/b", "b", 4),
    ]


def test_a_cursor_round_trips_its_key_types() -> None:
    codec = CursorCodec(b"secret")
    key = ("abc", 3, datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid.uuid4())
    token = codec.encode("songs:title", key)
    assert token.isascii() and "=" not in token
    assert codec.decode("songs:title", token) == key


def test_every_single_character_change_to_a_cursor_is_refused() -> None:
    codec = CursorCodec(b"secret")
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    # A token whose last character has unused low bits that a lenient decoder ignores.
    token = next(
        t
        for t in (codec.encode("songs:title", ("a" * n, uuid.uuid4())) for n in range(1, 4))
        if (len(t) * 6) % 8 != 0
    )
    for position in range(len(token)):
        # Flip the lowest of the character's six bits: the subtlest change there is.
        flipped = alphabet[alphabet.index(token[position]) ^ 1]
        with pytest.raises(InvalidCursor):
            codec.decode("songs:title", token[:position] + flipped + token[position + 1 :])
    with pytest.raises(InvalidCursor):
        codec.decode("songs:-title", token)


def test_sorts_parse_with_an_optional_minus() -> None:
    assert parse_order("-added", SongSort) == Order(SongSort.ADDED, descending=True)
    assert parse_order("play_count", SongSort).token == "play_count"
    with pytest.raises(InvalidSort):
        parse_order("--added", SongSort)
