"""Content-Disposition for downloads: an ASCII fallback and the real UTF-8 name (RFC 6266)."""

from __future__ import annotations

import re

from tonearm.api.attachment import ascii_filename, attachment_disposition, song_filename

TOKEN = re.compile(r'^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8\'\'([^\s;"]+)$')


def test_a_plain_name_has_both_forms() -> None:
    name = song_filename(["Artist"], "Title", ".flac", fallback="x")
    assert name == "Artist - Title.flac"
    assert attachment_disposition(name) == (
        "attachment; filename=\"Artist - Title.flac\"; filename*=UTF-8''Artist%20-%20Title.flac"
    )


def test_non_ascii_is_folded_and_quotes_and_control_characters_are_dropped() -> None:
    name = song_filename(
        ["Sólveig Ólafsdóttir", "Dvořák"], 'Été "à" Montréal\x01/Live', "mp3", fallback="x"
    )
    assert name == 'Sólveig Ólafsdóttir, Dvořák - Été "à" Montréal -Live.mp3'
    header = attachment_disposition(name)
    match = TOKEN.match(header)
    assert match is not None, header
    assert match.group(1) == "Solveig Olafsdottir, Dvorak - Ete a Montreal -Live.mp3"
    assert "%C3%89t%C3%A9%20%22%C3%A0%22" in match.group(2)
    assert ascii_filename("東京 Straße – Ærø’s") == "__ Strasse - AEro's"
    assert "\r" not in attachment_disposition("a\r\nSet-Cookie: x")


def test_missing_parts_fall_back() -> None:
    assert song_filename([], "Title", "flac", fallback="x") == "Title.flac"
    assert song_filename(["A"], "  ", "flac", fallback="track01") == "A - track01.flac"
    assert song_filename([], "", "", fallback="") == "download"
