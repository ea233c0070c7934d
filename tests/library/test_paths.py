"""Stored path text: lossless for any bytes, unchanged for UTF-8, accepted by PostgreSQL."""

from __future__ import annotations

import os
import random

from tonearm.library.paths import display_path, path_to_text, text_to_bytes, text_to_path


def test_utf8_path_is_stored_unchanged() -> None:
    assert path_to_text("/music/Björk/Jóga.flac") == "/music/Björk/Jóga.flac"


def test_latin1_name_round_trips_and_reads_as_cp1252() -> None:
    raw = b"/music/caf\xe9.mp3"
    text = path_to_text(raw)
    assert "\udce9" not in text  # no lone surrogate: PostgreSQL would refuse it
    text.encode("utf-8")  # strict: storable as UTF-8
    assert text_to_bytes(text) == raw
    assert os.fsencode(text_to_path(text)) == raw
    assert display_path(text) == "/music/café.mp3"


def test_python_surrogateescape_str_is_the_same_as_its_bytes() -> None:
    assert path_to_text(os.fsdecode(b"/a/\xff\xfe.mp3")) == path_to_text(b"/a/\xff\xfe.mp3")


def test_a_real_reserved_character_is_escaped_so_decoding_is_unambiguous() -> None:
    real = "/a/\U0010ff81.mp3".encode()
    latin = b"/a/\x81.mp3"
    assert path_to_text(real) != path_to_text(latin)
    assert text_to_bytes(path_to_text(real)) == real
    assert text_to_bytes(path_to_text(latin)) == latin


def _random_names(count: int) -> list[bytes]:
    rng = random.Random(15)
    alphabet = [*range(1, 256)]
    pieces = ["é".encode(), "\U0010ff90".encode(), "日本".encode(), b"\xe9", b"\xc3", b"/"]
    names = []
    for _ in range(count):
        parts = [
            rng.choice(pieces) if rng.random() < 0.3 else bytes([rng.choice(alphabet)])
            for _ in range(rng.randint(1, 24))
        ]
        names.append(b"".join(parts))
    return names


def test_any_bytes_round_trip_as_strict_utf8() -> None:
    for raw in _random_names(3000):
        text = path_to_text(raw)
        text.encode("utf-8")
        assert text_to_bytes(text) == raw, raw


def test_text_order_follows_the_bytes_of_valid_utf8() -> None:
    # For valid UTF-8 names, code point order is byte order (what the scanner's merge needs).
    valid = [n for n in _random_names(3000) if _is_utf8(n)]
    assert len(valid) > 100
    assert sorted(valid) == sorted(valid, key=lambda n: path_to_text(n).encode("utf-8"))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) >= 0x10FF80 for c in raw.decode("utf-8"))
