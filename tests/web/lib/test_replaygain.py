"""replaygain.js: the gain a song plays at, from its ReplayGain values or its loudness."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from tonearm.library.replaygain import REFERENCE_LUFS, track_gain_db

from .conftest import JsRunner

GAIN = "return m.gainFor(arg.song, arg.options);"


def gain(pure_js: JsRunner, song: Mapping[str, object] | None, **options: object) -> float:
    return float(pure_js("replaygain.js", GAIN, {"song": song, "options": options}))


def linear(db: float) -> float:
    return 10 ** (db / 20)


SONG = {"replaygain_track_gain_db": -6.0, "replaygain_album_gain_db": -8.0}


def test_track_mode_uses_the_track_gain(pure_js: JsRunner) -> None:
    assert gain(pure_js, SONG) == pytest.approx(linear(-6))
    assert gain(pure_js, SONG, mode="track") == pytest.approx(0.501187, rel=1e-5)


def test_album_mode_uses_the_album_gain_and_falls_back_to_the_track(pure_js: JsRunner) -> None:
    assert gain(pure_js, SONG, mode="album") == pytest.approx(linear(-8))
    no_album = {"replaygain_track_gain_db": -6.0, "replaygain_album_gain_db": None}
    assert gain(pure_js, no_album, mode="album") == pytest.approx(linear(-6))


def test_auto_mode_is_album_gain_only_in_album_order(pure_js: JsRunner) -> None:
    assert gain(pure_js, SONG, mode="auto", inAlbumOrder=True) == pytest.approx(linear(-8))
    assert gain(pure_js, SONG, mode="auto") == pytest.approx(linear(-6))


def test_off_and_unknown_songs_play_unchanged(pure_js: JsRunner) -> None:
    assert gain(pure_js, SONG, mode="off") == 1
    assert gain(pure_js, SONG, mode="off", preampDb=6) == 1
    assert gain(pure_js, {"replaygain_track_gain_db": None}) == 1
    assert gain(pure_js, {}, preampDb=6) == 1  # no gain at all: the pre-amp has nothing to adjust
    assert gain(pure_js, None) == 1


def test_preamp_adds_to_the_gain(pure_js: JsRunner) -> None:
    assert gain(pure_js, SONG, preampDb=3) == pytest.approx(linear(-3))
    assert gain(pure_js, SONG, mode="album", preampDb=-2) == pytest.approx(linear(-10))


def test_peak_protection_limits_the_gain_to_one_over_the_peak(pure_js: JsRunner) -> None:
    quiet = {"replaygain_track_gain_db": 9.0, "replaygain_track_peak": 0.5}
    assert gain(pure_js, quiet) == pytest.approx(2.0)  # +9 dB would be 2.82: clipped at 1/0.5
    assert gain(pure_js, quiet | {"replaygain_track_peak": 0.2}) == pytest.approx(linear(9))
    # The pre-amp cannot push past the peak either.
    loud = {"replaygain_track_gain_db": -3.0, "replaygain_track_peak": 0.9}
    assert gain(pure_js, loud, preampDb=6) == pytest.approx(1 / 0.9)
    # Album mode protects with the album peak, or the track's when the album's is unknown.
    album = {
        "replaygain_album_gain_db": 6.0,
        "replaygain_album_peak": 0.8,
        "replaygain_track_peak": 0.4,
    }
    assert gain(pure_js, album, mode="album") == pytest.approx(1 / 0.8)
    assert gain(pure_js, album | {"replaygain_album_peak": None}, mode="album") == pytest.approx(
        linear(6)
    )


def test_loudness_fallback_targets_the_same_reference_as_ingest(pure_js: JsRunner) -> None:
    assert pure_js("replaygain.js", "return m.REFERENCE_LUFS;") == REFERENCE_LUFS == -18
    song = {"replaygain_track_gain_db": None, "loudness_lufs": -9.0}
    # The same gain ingest would have tagged the song with: untagged and tagged songs match.
    assert gain(pure_js, song) == pytest.approx(linear(track_gain_db(-9.0)))
    assert gain(pure_js, song) == pytest.approx(linear(-9))
    assert gain(
        pure_js, song | {"replaygain_track_peak": 0.5, "loudness_lufs": -30.0}
    ) == pytest.approx(2)
    # A tag, when present, wins over the measured loudness.
    assert gain(pure_js, song | {"replaygain_track_gain_db": -2.0}) == pytest.approx(linear(-2))


def test_gain_source_says_where_the_gain_came_from(pure_js: JsRunner) -> None:
    body = "return arg.map(([song, options]) => m.gainSource(song, options));"
    cases = [
        [SONG, {"mode": "album"}],
        [{"replaygain_track_gain_db": -1.0}, {"mode": "album"}],
        [{"loudness_lufs": -20.0}, {"mode": "album"}],
        [{}, {"mode": "track"}],
    ]
    sources = pure_js("replaygain.js", body, cases)
    assert [s and s["source"] for s in sources] == ["album", "track", "loudness", None]
    assert sources[2]["gainDb"] == pytest.approx(2.0)


def test_db_conversions_are_inverse(pure_js: JsRunner) -> None:
    body = "return [m.dbToLinear(-6), m.linearToDb(0.5), m.linearToDb(m.dbToLinear(4.2))];"
    to_linear, to_db, round_trip = pure_js("replaygain.js", body)
    assert to_linear == pytest.approx(0.501187, rel=1e-5)
    assert to_db == pytest.approx(20 * math.log10(0.5))
    assert round_trip == pytest.approx(4.2)
