"""Seeded test audio with known truth, for the audio analyser and everything built on it.

Every case is a short synthetic song (mono float32 at 22050 Hz) rendered with numpy from a
STYLE recipe (instruments, tempo range, metre, mode, density), with the truth it was built
from: the notated beat's tempo and beat grid, the metre, the key and mode, where the music
body starts (intro_end) and where the fade or ending starts (outro_start), the silent ends
and the style label.

What the cases cover (the accuracy targets of the analysis issue):
- drum patterns at tempos from 60 to 190 BPM, including the octave-ambiguous 70–90 and
  140–190 ranges, with swing, syncopation (off-beat kicks, ghost notes), 3/4 metre, timing
  jitter and added noise;
- chord progressions in all 24 keys (the key cycles through them, shuffled by the seed) with
  bass and percussion; minor progressions use the harmonic-minor V in some recipes;
- tempo changes (a step or a gradual ramp part-way through some songs);
- leading/trailing silence, fade-ins, quiet sparse intros, fade-outs and hard endings.

Truth conventions:
- tempo: 60 / median inter-beat interval of the notated beat (the quarter note; in 3/4 the
  quarter too); beats: every notated beat from the first to the last sounding bar.
- intro_end: the music start when there is no intro; the end of the fade-in; or the first
  beat of the full arrangement after a sparse intro.
- outro_start: the start of the fade-out; or the music's end (hard ending).

Cases are independent of `count`: case i of a seed is always the same song
(`generate(seed, 10)[3] == generate_case(seed, 3)`).

Use: `from bench.analysis_corpus import generate, write_audio` (PYTHONPATH = the checkout),
`generate(seed, count, duration=None) -> list[Case]`, `write_audio(case, path)` (.wav with
the standard library, .flac through soundfile). Run as a script to write a few cases:
`PYTHONPATH=. .venv/bin/python bench/analysis_corpus.py [--seed S] [--count N] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import math
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050
TUNE_SEED = 2101
REPORT_SEED = 2102

NDArray = np.ndarray


@dataclass(frozen=True)
class Case:
    """One generated song and the truth it was rendered from."""

    name: str
    samples: NDArray  # float32 mono in [-1, 1]
    sample_rate: int
    style: str
    tempo: float  # BPM of the notated beat (60 / median inter-beat interval)
    beats: tuple[float, ...]  # notated beats (seconds)
    meter: int  # beats per bar
    key_pitch: int  # 0-11, C = 0
    mode: str  # "major" | "minor"
    intro_end: float
    outro_start: float
    leading_silence: float
    trailing_silence: float
    tempo_change: str  # "none" | "step" | "ramp"
    swing: float  # 0 = straight; delay of the off 16th/8th as a fraction of its length
    noise_db: float | None  # signal-to-noise ratio of the added noise, None when clean
    intro: str  # "none" | "fade" | "sparse"
    outro: str  # "none" | "fade"

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def key_name(self) -> str:
        names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
        return f"{names[self.key_pitch]} {self.mode}"


# --- styles -----------------------------------------------------------------------------

# A drum pattern: per instrument, the 16th-note steps of one bar it plays on.
Pattern = dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class Style:
    name: str
    tempo_range: tuple[float, float]
    meter: int
    major_probability: float
    patterns: tuple[Pattern, ...]
    chord_timbre: str  # "piano" | "pad" | "power" | "organ" | "pluck" | "stab"
    chord_rhythm: str  # "sustain" | "arpeggio" | "stabs" | "offbeat" | "waltz"
    bass_timbre: str  # "sub" | "acid" | "picked" | "none"
    bass_rhythm: str  # "root" | "eighths" | "offbeat" | "waltz" | "syncopated"
    swing_range: tuple[float, float]
    ghost_probability: float  # chance per free 16th step of a quiet ghost hit
    drum_level: float
    chord_level: float
    kick_tone: float  # kick pitch multiplier (a timbre cue)
    brightness: float  # hat/snare high-pass amount 0-1


STYLES: tuple[Style, ...] = (
    Style(
        name="techno",
        tempo_range=(120.0, 140.0),
        meter=4,
        major_probability=0.2,
        patterns=(
            {"kick": (0, 4, 8, 12), "hat": (2, 6, 10, 14), "clap": (4, 12)},
            {"kick": (0, 4, 8, 12), "hat": (2, 6, 10, 14), "shaker": tuple(range(16))},
        ),
        chord_timbre="stab",
        chord_rhythm="offbeat",
        bass_timbre="acid",
        bass_rhythm="offbeat",
        swing_range=(0.0, 0.0),
        ghost_probability=0.0,
        drum_level=1.0,
        chord_level=0.35,
        kick_tone=1.0,
        brightness=0.9,
    ),
    Style(
        name="rock",
        tempo_range=(95.0, 175.0),
        meter=4,
        major_probability=0.6,
        patterns=(
            {"kick": (0, 8), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
            {"kick": (0, 6, 8), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
            {"kick": (0, 8, 10), "snare": (4, 12), "ride": (0, 4, 8, 12)},
        ),
        chord_timbre="power",
        chord_rhythm="eighths",
        bass_timbre="picked",
        bass_rhythm="eighths",
        swing_range=(0.0, 0.0),
        ghost_probability=0.03,
        drum_level=1.0,
        chord_level=0.45,
        kick_tone=1.2,
        brightness=0.6,
    ),
    Style(
        name="ballad",
        tempo_range=(60.0, 88.0),
        meter=4,
        major_probability=0.7,
        patterns=(
            {"kick": (0, 10), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
            {"kick": (0, 8), "rim": (4, 12)},
        ),
        chord_timbre="piano",
        chord_rhythm="arpeggio",
        bass_timbre="sub",
        bass_rhythm="root",
        swing_range=(0.0, 0.15),
        ghost_probability=0.0,
        drum_level=0.45,
        chord_level=0.6,
        kick_tone=0.9,
        brightness=0.3,
    ),
    Style(
        name="hiphop",
        tempo_range=(72.0, 100.0),
        meter=4,
        major_probability=0.25,
        patterns=(
            {"kick": (0, 7, 10), "snare": (4, 12), "hat": tuple(range(0, 16, 2))},
            {"kick": (0, 3, 10, 11), "snare": (4, 12), "hat": tuple(range(16))},
        ),
        chord_timbre="organ",
        chord_rhythm="sustain",
        bass_timbre="sub",
        bass_rhythm="syncopated",
        swing_range=(0.2, 0.5),
        ghost_probability=0.06,
        drum_level=1.0,
        chord_level=0.3,
        kick_tone=0.8,
        brightness=0.5,
    ),
    Style(
        name="dnb",
        tempo_range=(160.0, 190.0),
        meter=4,
        major_probability=0.3,
        patterns=(
            {"kick": (0, 10), "snare": (4, 12), "hat": tuple(range(0, 16, 2))},
            {"kick": (0, 6, 10), "snare": (4, 12), "hat": tuple(range(16))},
        ),
        chord_timbre="pad",
        chord_rhythm="sustain",
        bass_timbre="sub",
        bass_rhythm="root",
        swing_range=(0.0, 0.0),
        ghost_probability=0.05,
        drum_level=1.0,
        chord_level=0.3,
        kick_tone=1.1,
        brightness=1.0,
    ),
    Style(
        name="waltz",
        tempo_range=(84.0, 180.0),
        meter=3,
        major_probability=0.7,
        patterns=(
            {"kick": (0,), "hat": (4, 8)},
            {"kick": (0,), "rim": (4, 8), "shaker": (0, 2, 4, 6, 8, 10)},
        ),
        chord_timbre="piano",
        chord_rhythm="waltz",
        bass_timbre="picked",
        bass_rhythm="waltz",
        swing_range=(0.0, 0.0),
        ghost_probability=0.0,
        drum_level=0.5,
        chord_level=0.6,
        kick_tone=0.9,
        brightness=0.4,
    ),
    Style(
        name="ambient",
        tempo_range=(66.0, 96.0),
        meter=4,
        major_probability=0.5,
        patterns=({"shaker": (0, 2, 4, 6, 8, 10, 12, 14), "kick": (0,)},),
        chord_timbre="pad",
        chord_rhythm="pulse",
        bass_timbre="none",
        bass_rhythm="root",
        swing_range=(0.0, 0.0),
        ghost_probability=0.0,
        drum_level=0.25,
        chord_level=0.7,
        kick_tone=0.7,
        brightness=0.2,
    ),
)
STYLE_NAMES = tuple(style.name for style in STYLES)

# Chords as (semitones above the tonic, quality).
_MAJOR_PROGRESSIONS = (
    ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),  # I V vi IV
    ((0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")),  # I IV V I
    ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),  # I vi IV V
    ((0, "maj"), (2, "min"), (7, "maj"), (0, "maj")),  # I ii V I
)
_MINOR_PROGRESSIONS = (
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),  # i VI III VII
    ((0, "min"), (5, "min"), (7, "maj"), (0, "min")),  # i iv V i
    ((0, "min"), (10, "maj"), (8, "maj"), (7, "maj")),  # i VII VI V
    ((0, "min"), (5, "min"), (10, "maj"), (0, "min")),  # i iv VII i
)
_QUALITY = {"maj": (0, 4, 7), "min": (0, 3, 7)}


# --- instruments --------------------------------------------------------------------------


def _t(seconds: float) -> NDArray:
    return np.arange(int(seconds * SAMPLE_RATE), dtype=np.float64) / SAMPLE_RATE


def _highpass(x: NDArray, amount: float) -> NDArray:
    # First differences tilt white noise towards the highs; mixing them gives a cheap high-pass.
    d = np.diff(x, prepend=0.0)
    return (1 - amount) * x * 0.3 + amount * d


def _lowpass(x: NDArray, width: int) -> NDArray:
    kernel = np.ones(width) / width
    return np.convolve(x, kernel, mode="same")


def _drum_sounds(rng: np.random.Generator, style: Style) -> dict[str, NDArray]:
    sounds: dict[str, NDArray] = {}
    t = _t(0.4)
    freq = (45 + 120 * np.exp(-t * 28)) * style.kick_tone
    kick = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.exp(-t * 8)
    kick[:40] += rng.standard_normal(40) * 0.3  # beater click
    sounds["kick"] = kick
    t = _t(0.25)
    noise = rng.standard_normal(len(t))
    snare = _highpass(noise, 0.5 + 0.5 * style.brightness) * np.exp(-t * 18) * 0.8
    snare += 0.5 * np.sin(2 * np.pi * 185 * t) * np.exp(-t * 30)
    sounds["snare"] = snare
    clap = np.zeros(len(t))
    for offset in (0, 220, 440):
        clap[offset:] += _highpass(rng.standard_normal(len(t) - offset), 0.8) * np.exp(
            -t[: len(t) - offset] * 35
        )
    sounds["clap"] = clap * 0.5
    t = _t(0.08)
    sounds["hat"] = (
        _highpass(rng.standard_normal(len(t)), 0.7 + 0.3 * style.brightness) * np.exp(-t * 70) * 0.5
    )
    t = _t(0.06)
    sounds["shaker"] = _highpass(rng.standard_normal(len(t)), 0.9) * np.exp(-t * 50) * 0.25
    t = _t(0.5)
    ride = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (3100, 4370, 5210, 6330))
    sounds["ride"] = (ride * 0.15 + _highpass(rng.standard_normal(len(t)), 1.0) * 0.2) * np.exp(
        -t * 6
    )
    t = _t(0.05)
    sounds["rim"] = (
        (np.sin(2 * np.pi * 1700 * t) + 0.5 * rng.standard_normal(len(t))) * np.exp(-t * 90) * 0.4
    )
    return sounds


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _note(freq: float, seconds: float, timbre: str, rng: np.random.Generator) -> NDArray:
    """One pitched note: additive harmonics under an envelope, by timbre."""
    t = _t(seconds)
    n = len(t)
    if n == 0:
        return t
    nyquist_limit = 6000.0
    if timbre == "piano":
        partials = [(k, 1.0 / k**1.3) for k in range(1, 8)]
        env = np.exp(-t * 2.5) * np.minimum(1, t / 0.004)
    elif timbre == "pluck":
        partials = [(k, 1.0 / k**1.5) for k in range(1, 6)]
        env = np.exp(-t * 6) * np.minimum(1, t / 0.003)
    elif timbre == "pad":
        partials = [(k, 1.0 / k**2) for k in range(1, 5)]
        attack = min(0.6, seconds / 3)
        env = np.minimum(1, t / attack) * np.minimum(1, (seconds - t) / min(0.3, seconds / 4))
    elif timbre == "organ":
        partials = [(1, 1.0), (2, 0.6), (3, 0.35), (4, 0.3), (6, 0.15)]
        env = np.minimum(1, t / 0.01) * np.minimum(1, (seconds - t) / 0.05)
    elif timbre == "power":
        partials = [(k, 1.0 / k) for k in range(1, 12)]
        env = np.minimum(1, t / 0.003) * np.exp(-t * 1.5)
    elif timbre == "stab":
        partials = [(k, 1.0 / k) for k in range(1, 9)]
        env = np.minimum(1, t / 0.002) * np.exp(-t * 14)
    elif timbre == "sub":
        partials = [(1, 1.0), (2, 0.25)]
        env = np.minimum(1, t / 0.01) * np.minimum(1, (seconds - t) / 0.05)
    elif timbre == "acid":
        partials = [(k, 1.0 / k) for k in range(1, 10)]
        env = np.minimum(1, t / 0.003) * np.exp(-t * 9)
    else:  # picked bass
        partials = [(k, 1.0 / k**1.2) for k in range(1, 6)]
        env = np.minimum(1, t / 0.003) * np.exp(-t * 4)
    env = np.clip(env, 0, 1)
    out = np.zeros(n)
    for k, amp in partials:
        f = freq * k
        if f >= nyquist_limit:
            break
        if timbre == "acid":
            amp *= np.exp(-t * 6 * k / 3)  # a closing filter: the highs die first
        out += amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    out *= env
    if timbre == "power":
        out = np.tanh(2.5 * out) * 0.6
    return out


def _place(out: NDArray, sound: NDArray, at: float, gain: float) -> None:
    start = round(at * SAMPLE_RATE)
    if start >= len(out) or start + len(sound) <= 0:
        return
    if start < 0:
        sound = sound[-start:]
        start = 0
    end = min(len(out), start + len(sound))
    out[start:end] += gain * sound[: end - start]


# --- the song -------------------------------------------------------------------------------


def _beat_times(
    rng: np.random.Generator, tempo: float, bars: int, meter: int, change: str
) -> tuple[NDArray, NDArray]:
    """Beat times of the notated beat (one more than the beats, closing the last bar) and
    each beat's length."""
    count = bars * meter
    tempi = np.full(count, tempo)
    if change == "step":
        at = int(rng.integers(int(count * 0.6), int(count * 0.8))) // meter * meter
        tempi[at:] = tempo * rng.choice([0.9, 0.94, 1.06, 1.1])
    elif change == "ramp":
        start = count // 2
        tempi[start:] = tempo * np.linspace(1.0, rng.choice([0.93, 1.07]), count - start)
    lengths = 60.0 / tempi
    times = np.concatenate([[0.0], np.cumsum(lengths)])
    return times, lengths


def generate_case(
    seed: int, index: int, style: str | None = None, duration: float | None = None
) -> Case:
    """Case `index` of `seed` (its style cycles through STYLES unless given)."""
    rng = np.random.default_rng([seed, index])
    recipe = STYLES[index % len(STYLES)] if style is None else _style(style)
    # All 24 keys: each seed walks them in its own order.
    key_order = np.random.default_rng([seed, 24]).permutation(24)
    key_code = int(key_order[(index * 7 + index // 24) % 24])
    key_pitch = key_code % 12
    major = bool(rng.random() < recipe.major_probability)
    mode = "major" if major else "minor"
    tempo = float(round(rng.uniform(*recipe.tempo_range), 1))
    meter = recipe.meter
    change = str(rng.choice(["none"] * 6 + ["step", "ramp"]))
    swing = float(rng.uniform(*recipe.swing_range)) if recipe.swing_range[1] > 0 else 0.0
    if recipe.name == "ballad" and rng.random() < 0.5:
        swing = 0.0
    target = float(duration if duration is not None else rng.uniform(30.0, 60.0))

    leading = 0.0 if rng.random() < 0.4 else float(rng.uniform(0.3, 3.0))
    trailing = 0.0 if rng.random() < 0.4 else float(rng.uniform(0.3, 3.0))
    intro = str(rng.choice(["none", "fade", "sparse"]))
    outro = str(rng.choice(["none", "fade", "fade"]))
    if target < 15:
        intro, outro, leading, trailing = "none", "none", min(leading, 0.5), min(trailing, 0.5)

    bar_seconds = meter * 60.0 / tempo
    music_seconds = max(bar_seconds, target - leading - trailing)
    bars = max(1, math.floor(music_seconds / bar_seconds))
    beats, lengths = _beat_times(rng, tempo, bars, meter, change)
    music_end = float(beats[-1])
    sparse_bars = int(rng.integers(2, 5)) if intro == "sparse" else 0
    sparse_bars = min(sparse_bars, bars // 3)
    if intro == "sparse" and sparse_bars == 0:
        intro = "none"
    fade_in = float(rng.uniform(2.0, 6.0)) if intro == "fade" else 0.0
    fade_out = float(rng.uniform(4.0, 10.0)) if outro == "fade" else 0.0
    fade_in = min(fade_in, music_end / 4)
    fade_out = min(fade_out, music_end / 4)

    sounds = _drum_sounds(rng, recipe)
    pattern = recipe.patterns[int(rng.integers(len(recipe.patterns)))]
    steps_per_bar = meter * 4
    drums = np.zeros(int(music_end * SAMPLE_RATE) + SAMPLE_RATE)
    tonal = np.zeros_like(drums)
    jitter = 0.004 if recipe.name in ("rock", "ballad", "waltz", "hiphop") else 0.001

    def step_time(bar: int, step: int) -> float:
        beat = bar * meter + step // 4
        sub = step % 4
        length = lengths[beat]
        offset = sub / 4
        if swing and sub % 2 == 1:
            offset += swing * 0.25  # the off 16th comes late
        elif swing and recipe.name == "ballad" and sub == 2:
            offset += swing * 0.5  # ballads swing the off 8th
        return float(beats[beat] + offset * length)

    # Drums.
    for bar in range(bars):
        sparse = bar < sparse_bars
        for instrument, steps in pattern.items():
            if sparse and instrument not in ("hat", "shaker", "ride"):
                continue
            for step in steps:
                if step >= steps_per_bar:
                    continue
                accent = 1.0 if step % 4 == 0 else 0.75
                at = step_time(bar, step) + rng.normal(0, jitter)
                _place(drums, sounds[instrument], at, accent * rng.uniform(0.85, 1.0))
        if recipe.ghost_probability and not sparse:
            for step in range(steps_per_bar):
                if rng.random() < recipe.ghost_probability:
                    name = "snare" if rng.random() < 0.6 else "kick"
                    _place(drums, sounds[name], step_time(bar, step), 0.3)

    # Harmony: one chord per bar, the progression repeated.
    progressions = _MAJOR_PROGRESSIONS if major else _MINOR_PROGRESSIONS
    progression = progressions[int(rng.integers(len(progressions)))]
    tonic_midi = 48 + key_pitch  # C3..B3
    for bar in range(bars):
        if bar == bars - 1:
            root, quality = progression[0]  # end on the tonic
        else:
            root, quality = progression[bar % len(progression)]
        chord = [tonic_midi + root + iv for iv in _QUALITY[quality]]
        chord = [n if n < 62 else n - 12 for n in chord]
        bar_start = float(beats[bar * meter])
        bar_end = float(beats[(bar + 1) * meter])
        bar_len = bar_end - bar_start
        voicing = [*chord, chord[0] + 12]
        rhythm = recipe.chord_rhythm
        timbre = recipe.chord_timbre
        level = recipe.chord_level * (0.5 if bar < sparse_bars else 1.0)
        if rhythm == "sustain" or (rhythm == "pulse" and bar < sparse_bars):
            for n in voicing:
                _place(
                    tonal, _note(_midi_hz(n), bar_len + 0.1, timbre, rng), bar_start, level * 0.3
                )
        elif rhythm == "pulse":
            for n in voicing:
                _place(
                    tonal, _note(_midi_hz(n), bar_len + 0.1, timbre, rng), bar_start, level * 0.3
                )
            for beat in range(meter * 2):
                n = voicing[beat % len(voicing)] + 12
                _place(
                    tonal,
                    _note(_midi_hz(n), 0.4, "pluck", rng),
                    step_time(bar, beat * 2),
                    level * 0.25,
                )
        elif rhythm == "arpeggio":
            for n in chord[:1]:
                _place(
                    tonal, _note(_midi_hz(n - 12), bar_len, timbre, rng), bar_start, level * 0.35
                )
            order = [0, 1, 2, 3, 2, 1, 0, 2]
            for i in range(meter * 2):
                n = voicing[order[i % len(order)]]
                _place(
                    tonal,
                    _note(_midi_hz(n + 12), 0.8, timbre, rng),
                    step_time(bar, i * 2),
                    level * 0.3,
                )
        elif rhythm == "waltz":
            for n in voicing[1:]:
                for beat in (1, 2):
                    _place(
                        tonal,
                        _note(_midi_hz(n), 0.5, timbre, rng),
                        step_time(bar, beat * 4),
                        level * 0.25,
                    )
        elif rhythm == "offbeat":
            for beat in range(meter):
                for n in voicing:
                    _place(
                        tonal,
                        _note(_midi_hz(n + 12), 0.2, timbre, rng),
                        step_time(bar, beat * 4 + 2),
                        level * 0.2,
                    )
        else:  # eighths (rock power chords)
            fifth = [chord[0], chord[0] + 7, chord[0] + 12]
            for i in range(meter * 2):
                for n in fifth:
                    _place(
                        tonal,
                        _note(_midi_hz(n), 0.3, timbre, rng),
                        step_time(bar, i * 2),
                        level * 0.3,
                    )
            # The third, quietly, so the mode is audible over the power chord.
            _place(
                tonal,
                _note(_midi_hz(chord[1] + 12), bar_len, "organ", rng),
                bar_start,
                level * 0.12,
            )

        # Bass.
        if recipe.bass_timbre != "none" and bar >= sparse_bars:
            bass_note = chord[0] - 12
            if bass_note < 36:
                bass_note += 12
            tonal_root = bass_note
            rhythm = recipe.bass_rhythm
            if rhythm == "root":
                hits = [(0, meter * 4)]
            elif rhythm == "eighths":
                hits = [(s, 2) for s in range(0, steps_per_bar, 2)]
            elif rhythm == "offbeat":
                hits = [(s, 2) for s in range(2, steps_per_bar, 4)]
            elif rhythm == "waltz":
                hits = [(0, 4)]
            else:  # syncopated
                hits = [(0, 6), (6, 4), (10, 6)]
            for step, span in hits:
                length = span / 4 * 60.0 / tempo
                note = _note(_midi_hz(tonal_root), length, recipe.bass_timbre, rng)
                _place(tonal, note, step_time(bar, step), 0.45)

    music = recipe.drum_level * drums + tonal
    music = music[: int(music_end * SAMPLE_RATE) + int(0.3 * SAMPLE_RATE)]
    # Let the last note ring a little past the last bar line, then stop.
    tail = int(0.3 * SAMPLE_RATE)
    music[-tail:] *= np.linspace(1, 0, tail)

    noise_db: float | None = None
    if rng.random() < 0.3:
        noise_db = float(rng.uniform(12.0, 30.0))
        body_rms = float(np.sqrt(np.mean(music**2)) + 1e-12)
        noise = _lowpass(rng.standard_normal(len(music)), 3)
        noise *= body_rms / (np.sqrt(np.mean(noise**2)) + 1e-12) * 10 ** (-noise_db / 20)
        music += noise

    times = np.arange(len(music)) / SAMPLE_RATE
    gain = np.ones(len(music))
    intro_end = 0.0
    if intro == "fade":
        gain *= np.where(times < fade_in, 10 ** (-40 * (1 - times / fade_in) / 20), 1.0)
        intro_end = fade_in
    elif intro == "sparse":
        intro_end = float(beats[sparse_bars * meter])
    outro_start = music_end
    if outro == "fade":
        outro_start = music_end - fade_out
        gain *= np.where(
            times > outro_start,
            10 ** (-45 * np.clip((times - outro_start) / fade_out, 0, 1) / 20),
            1.0,
        )
    music *= gain

    peak = float(np.max(np.abs(music)) + 1e-12)
    music *= float(rng.uniform(0.5, 0.95)) / peak
    audio = np.concatenate(
        [np.zeros(int(leading * SAMPLE_RATE)), music, np.zeros(int(trailing * SAMPLE_RATE))]
    ).astype(np.float32)

    beat_list = beats[: bars * meter + 1]
    tempo_truth = float(60.0 / np.median(np.diff(beat_list)))
    return Case(
        name=f"{seed}-{index:03d}-{recipe.name}",
        samples=audio,
        sample_rate=SAMPLE_RATE,
        style=recipe.name,
        tempo=tempo_truth,
        beats=tuple(float(b + leading) for b in beat_list[:-1]),
        meter=meter,
        key_pitch=key_pitch,
        mode=mode,
        intro_end=intro_end + leading,
        outro_start=outro_start + leading,
        leading_silence=leading,
        trailing_silence=len(audio) / SAMPLE_RATE - leading - len(music) / SAMPLE_RATE,
        tempo_change=change,
        swing=swing,
        noise_db=noise_db,
        intro=intro,
        outro=outro,
    )


def _style(name: str) -> Style:
    for style in STYLES:
        if style.name == name:
            return style
    raise ValueError(f"unknown style {name!r}; one of {', '.join(STYLE_NAMES)}")


def generate(
    seed: int,
    count: int,
    duration: float | None = None,
    styles: tuple[str, ...] | None = None,
    progress: Callable[[Case], None] | None = None,
) -> list[Case]:
    """`count` cases of `seed` (styles cycling through STYLES, or through `styles`)."""
    cases = []
    for index in range(count):
        style = None if styles is None else styles[index % len(styles)]
        case = generate_case(seed, index, style=style, duration=duration)
        if progress is not None:
            progress(case)
        cases.append(case)
    return cases


def write_audio(case: Case, path: str | Path) -> Path:
    """Write the case: 16-bit .wav with the standard library, anything else (.flac, .ogg)
    through soundfile."""
    path = Path(path)
    pcm = np.clip(case.samples, -1.0, 1.0)
    if path.suffix.lower() == ".wav":
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(case.sample_rate)
            out.writeframes((pcm * 32767).astype("<i2").tobytes())
    else:
        import soundfile

        soundfile.write(str(path), pcm, case.sample_rate)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=TUNE_SEED)
    parser.add_argument("--count", type=int, default=14)
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write each case as a .wav here")
    args = parser.parse_args()
    import time

    started = time.perf_counter()
    cases = generate(args.seed, args.count, duration=args.duration)
    elapsed = time.perf_counter() - started
    total = sum(case.duration for case in cases)
    for case in cases:
        print(
            f"{case.name:22s} {case.duration:5.1f}s {case.tempo:6.1f} BPM {case.meter}/4 "
            f"{case.key_name:9s} intro {case.intro:6s} {case.intro_end:5.1f}s "
            f"outro {case.outro:4s} {case.outro_start:5.1f}s change {case.tempo_change:4s} "
            f"swing {case.swing:.2f} noise {case.noise_db or 0:4.1f}"
        )
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            write_audio(case, args.out / f"{case.name}.wav")
    print(f"{len(cases)} cases, {total:.0f} s of audio generated in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
