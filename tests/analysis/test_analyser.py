"""The audio analyser on a few short generated songs (bench/analysis_corpus.py) with loose
bounds, and on the inputs it must survive. The accuracy table is bench/bench_analysis.py's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bench.analysis_corpus import Case, generate_case

from tonearm.analysis import EMBEDDING_DIMS, Mode, SongFeatures
from tonearm.analysis.analyser import ANALYZER_VERSION, analyse_pcm

SEED = 21


@pytest.fixture(scope="module")
def songs() -> dict[str, tuple[Case, SongFeatures]]:
    """One analysed song per style the tests need (generated, 12-20 s each)."""
    wanted = {
        "techno": ("techno", 0, 20.0),
        "dnb": ("dnb", 0, 12.0),
        "ballad": ("ballad", 2, 12.0),
        "waltz": ("waltz", 0, 20.0),
        "hiphop": ("hiphop", 0, 12.0),
        "techno2": ("techno", 2, 12.0),
    }
    out = {}
    for name, (style, index, duration) in wanted.items():
        case = generate_case(SEED, index, style=style, duration=duration)
        out[name] = (case, analyse_pcm(case.samples, case.sample_rate))
    return out


def _assert_well_formed(features: SongFeatures, duration: float) -> None:
    assert features.analyzer_version == ANALYZER_VERSION
    assert features.duration == pytest.approx(duration, abs=0.01)
    assert len(features.embedding) == EMBEDDING_DIMS
    assert math.fsum(v * v for v in features.embedding) == pytest.approx(1.0, abs=1e-6)
    assert all(math.isfinite(v) for v in features.embedding)
    assert len(features.loudness) == max(1, math.ceil(duration - 1e-9))
    assert all(-90.0 <= v <= 0.5 for v in features.loudness)
    for value in (features.energy, features.danceability, features.valence):
        assert 0.0 <= value <= 1.0
    assert 0.0 <= features.tempo_confidence <= 1.0
    assert 0.0 <= features.key_confidence <= 1.0
    assert 0.0 <= features.leading_silence <= features.intro_end <= duration + 0.01
    assert features.intro_end <= features.outro_start <= duration - features.trailing_silence + 0.01
    assert list(features.beats) == sorted(features.beats)
    assert all(0.0 <= b <= duration for b in features.beats)


def test_every_field_is_filled_and_consistent(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    for case, features in songs.values():
        _assert_well_formed(features, case.duration)
        assert features.tempo_bpm is not None
        assert features.key is not None
        assert len(features.beats) > 10


@pytest.mark.parametrize("name", ["techno", "dnb", "ballad", "waltz", "hiphop"])
def test_tempo_is_the_notated_beat(songs: dict[str, tuple[Case, SongFeatures]], name: str) -> None:
    # Includes the octave traps: a 178 BPM drum-and-bass beat (not 89), a 81 BPM ballad with
    # 8th-note hats and an 89 BPM swung hip-hop groove (not 162 / 178).
    case, features = songs[name]
    assert features.tempo_bpm == pytest.approx(case.tempo, rel=0.03)


def test_beats_follow_the_notated_grid(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    case, features = songs["techno"]
    truth = np.asarray(case.beats)
    errors = [float(np.min(np.abs(truth - b))) for b in features.beats]
    assert np.median(errors) < 0.05


def test_metre(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    assert songs["waltz"][1].meter == 3
    assert songs["techno"][1].meter == 4


def test_key_is_exact_or_relative(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    for name in ("techno", "dnb", "ballad", "hiphop"):
        case, features = songs[name]
        assert features.key is not None
        relative = (case.key_pitch + (9 if case.mode == "major" else 3)) % 12
        assert (features.key.pitch, features.key.mode.value) in {
            (case.key_pitch, case.mode),
            (relative, "minor" if case.mode == "major" else "major"),
        }, name


def test_embedding_groups_a_style(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    def similarity(a: str, b: str) -> float:
        return float(np.dot(songs[a][1].embedding, songs[b][1].embedding))

    # Two techno songs (other tempo, key, length) are closer than techno and a ballad.
    assert similarity("techno", "techno2") > similarity("techno", "ballad")
    assert similarity("techno", "techno2") > similarity("techno2", "waltz")


def test_silence_fade_and_intro_boundaries(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    case, _ = songs["dnb"]
    music = case.samples
    rate = case.sample_rate
    fade_seconds = 4.0
    fade = np.ones(len(music), dtype=np.float32)
    fade_start = len(music) - int(fade_seconds * rate)
    fade[fade_start:] = np.power(10.0, -45.0 * np.linspace(0, 1, len(music) - fade_start) / 20)
    padded = np.concatenate(
        [np.zeros(2 * rate, np.float32), music * fade, np.zeros(rate, np.float32)]
    )
    features = analyse_pcm(padded, rate)
    duration = len(padded) / rate
    _assert_well_formed(features, duration)
    assert features.leading_silence == pytest.approx(2.0 + case.leading_silence, abs=0.2)
    assert features.trailing_silence == pytest.approx(1.0 + case.trailing_silence, abs=0.6)
    assert features.intro_end == pytest.approx(2.0 + case.intro_end, abs=1.0)
    assert features.outro_start == pytest.approx(2.0 + fade_start / rate, abs=1.0)
    # The loudness contour shows the silence and the fade.
    assert features.loudness[0] == -90.0
    assert features.loudness[-3] < features.loudness[5] - 20


def test_silence_has_no_tempo_or_key() -> None:
    features = analyse_pcm(np.zeros(5 * 22050, dtype=np.float32))
    _assert_well_formed(features, 5.0)
    assert features.tempo_bpm is None
    assert features.beats == ()
    assert features.key is None
    assert features.leading_silence == 5.0
    assert features.energy < 0.2


def test_noise_has_no_tempo_or_key() -> None:
    noise = np.random.default_rng(1).standard_normal(10 * 22050).astype(np.float32) * 0.3
    features = analyse_pcm(noise)
    _assert_well_formed(features, 10.0)
    assert features.tempo_bpm is None
    assert features.key is None


def test_steady_tone_is_tonal_without_a_beat() -> None:
    t = np.arange(6 * 22050) / 22050
    chord = sum(np.sin(2 * np.pi * 261.63 * r * t) for r in (1.0, 1.26, 1.498)) * 0.2
    features = analyse_pcm(chord.astype(np.float32))
    assert features.tempo_bpm is None
    assert features.key is not None
    assert features.key.pitch in (0, 9)  # C major or its relative
    assert features.key.mode in (Mode.MAJOR, Mode.MINOR)


@pytest.mark.parametrize("length", [0, 1, 100, 22050])
def test_tiny_inputs(length: int) -> None:
    samples = np.random.default_rng(2).uniform(-0.5, 0.5, length).astype(np.float32)
    features = analyse_pcm(samples)
    _assert_well_formed(features, length / 22050)


def test_nan_inf_and_clipping_are_tolerated(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    case, clean = songs["techno2"]
    damaged = np.clip(case.samples * 2.0, -1.2, 1.2)  # clipped, and beyond full scale
    bad = np.random.default_rng(3).choice(len(damaged), 60, replace=False)
    damaged[bad[:20]] = np.nan
    damaged[bad[20:40]] = np.inf
    damaged[bad[40:]] = -np.inf
    features = analyse_pcm(damaged)
    _assert_well_formed(features, case.duration)
    assert features.tempo_bpm == pytest.approx(case.tempo, rel=0.03)
    assert features.key == clean.key


def test_other_formats_and_rates(songs: dict[str, tuple[Case, SongFeatures]]) -> None:
    case, clean = songs["dnb"]
    stereo = np.stack([case.samples, case.samples], axis=1)
    assert analyse_pcm(stereo).tempo_bpm == pytest.approx(clean.tempo_bpm, rel=0.01)
    as_int16 = (case.samples * 32767).astype(np.int16)
    assert analyse_pcm(as_int16).tempo_bpm == pytest.approx(clean.tempo_bpm, rel=0.01)
    at_44k = np.repeat(case.samples, 2)  # 44.1 kHz (sample-and-hold is enough for onsets)
    resampled = analyse_pcm(at_44k, 44100)
    assert resampled.duration == pytest.approx(case.duration, abs=0.01)
    assert resampled.tempo_bpm == pytest.approx(case.tempo, rel=0.03)
