"""LRC lyrics: parse_lrc on text and read_lrc_file on files."""

from __future__ import annotations

from pathlib import Path

from tonearm.adapters.media.tags import MAX_LRC_FILE_BYTES, parse_lrc, read_lrc_file
from tonearm.ingest.models import LyricsLine


def test_timed_lines_are_read_in_order() -> None:
    text = "[00:05.50]second\n[00:01.00]first\n[01:02.03]third\n"

    assert parse_lrc(text) == (
        LyricsLine(1_000, "first"),
        LyricsLine(5_500, "second"),
        LyricsLine(62_030, "third"),
    )


def test_fraction_digits_mean_tenths_hundredths_or_milliseconds() -> None:
    text = "[00:01.5]a\n[00:02.05]b\n[00:03.123]c\n[00:04]d\n[00:05:25]e"

    assert [line.time_ms for line in parse_lrc(text)] == [1_500, 2_050, 3_123, 4_000, 5_250]


def test_several_timestamps_repeat_one_line() -> None:
    text = "[00:10.00][01:10.00]chorus\n[00:20.00]verse"

    assert parse_lrc(text) == (
        LyricsLine(10_000, "chorus"),
        LyricsLine(20_000, "verse"),
        LyricsLine(70_000, "chorus"),
    )


def test_id_tags_and_untimed_lines_are_ignored() -> None:
    text = "[ar:Someone]\n[ti:Song]\n[al:Album]\n[by:me]\n[length:03:00]\nplain\n[00:01.00]sung"

    assert parse_lrc(text) == (LyricsLine(1_000, "sung"),)


def test_positive_offset_shows_lines_earlier_and_never_before_zero() -> None:
    text = "[00:00.20]a\n[00:03.00]b\n[offset:+500]"

    assert parse_lrc(text) == (LyricsLine(0, "a"), LyricsLine(2_500, "b"))


def test_negative_offset_shows_lines_later() -> None:
    assert parse_lrc("[offset:-250]\n[00:01.00]a") == (LyricsLine(1_250, "a"),)


def test_enhanced_lrc_word_times_are_dropped() -> None:
    text = "[00:01.00]<00:01.00>word <00:01.50>by <00:02.00>word"

    assert parse_lrc(text) == (LyricsLine(1_000, "word by word"),)


def test_empty_timed_line_is_kept_as_a_pause() -> None:
    assert parse_lrc("[00:01.00]sing\n[00:04.00]\n") == (
        LyricsLine(1_000, "sing"),
        LyricsLine(4_000, ""),
    )


def test_text_is_cleaned_and_bounded() -> None:
    (line,) = parse_lrc("[00:01.00]  a\x00b\x1bc " + "x" * 1_000)

    assert line.text.startswith("abc x")
    assert len(line.text) == 500


def test_at_most_10_000_lines() -> None:
    text = "\n".join(f"[{n // 60:02d}:{n % 60:02d}.00]line {n}" for n in range(12_000))

    lines = parse_lrc(text)

    assert len(lines) == 10_000
    assert lines[-1] == LyricsLine(9_999_000, "line 9999")


def test_text_without_timestamps_gives_nothing() -> None:
    assert parse_lrc("Just lyrics\n[Chorus]\nmore words") == ()


def test_file_in_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "song.lrc"
    path.write_bytes("\ufeff[00:01.00]Grüße\r\n[00:02.00]日本語\r\n".encode())

    assert read_lrc_file(path) == (LyricsLine(1_000, "Grüße"), LyricsLine(2_000, "日本語"))


def test_file_in_latin1_is_read(tmp_path: Path) -> None:
    path = tmp_path / "song.lrc"
    path.write_bytes("[00:01.00]café".encode("latin-1"))

    assert read_lrc_file(path) == (LyricsLine(1_000, "café"),)


def test_missing_file_gives_nothing(tmp_path: Path) -> None:
    assert read_lrc_file(tmp_path / "absent.lrc") == ()


def test_only_the_first_mib_of_a_huge_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.lrc"
    line = "[00:01.00]" + "é" * 100 + "\n"  # multi-byte characters around the cut
    count = MAX_LRC_FILE_BYTES // len(line.encode()) + 50
    path.write_text(line * count + "[00:09.00]past the limit\n", encoding="utf-8")

    lines = read_lrc_file(path)

    assert 0 < len(lines) < count
    assert all(entry.text == "é" * 100 for entry in lines)
