"""ReplayGain from loudness: track gain, and album gain only once the album is complete."""

from __future__ import annotations

import pytest

from tonearm.library.replaygain import AlbumTrack, album_gain, track_gain_db


def test_track_gain_brings_a_track_to_minus_18_lufs() -> None:
    assert track_gain_db(-23.0) == 5.0
    assert track_gain_db(-9.5) == -8.5


def test_album_gain_waits_for_every_track() -> None:
    two_of_three = [AlbumTrack(60_000, -20.0, 0.5, 3), AlbumTrack(60_000, -20.0, 0.7, 3)]
    assert album_gain(two_of_three) is None
    complete = [*two_of_three, AlbumTrack(60_000, -20.0, 0.9, 3)]
    assert album_gain(complete) == (2.0, 0.9)


def test_album_loudness_is_the_energy_mean_weighted_by_duration() -> None:
    tracks = [AlbumTrack(120_000, -10.0, None, 2), AlbumTrack(60_000, -30.0, None, 2)]
    gain, peak = album_gain(tracks) or (None, None)
    # 10·log10((2·10^-1 + 10^-3) / 3) = -11.74 LUFS → gain -6.26 dB
    assert gain == pytest.approx(-6.26, abs=0.01)
    assert peak is None


def test_an_album_without_track_totals_or_loudness_gets_no_gain() -> None:
    assert album_gain([AlbumTrack(1000, -20.0, None, None)]) is None
    assert album_gain([AlbumTrack(1000, None, None, 1)]) is None
    assert album_gain([]) is None
