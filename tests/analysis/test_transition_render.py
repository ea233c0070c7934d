"""Rendered transitions on generated audio with known beats: the length, the loudness at
both joins and through the fade, and beat alignment of a beat-matched pair.

Two renders in all (one ffmpeg run each, plus one decode each), shared by the module.
"""

from __future__ import annotations

import asyncio
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.adapters.ffmpeg.transitions import SAMPLE_RATE, FFmpegTransitionRenderer
from tonearm.analysis.models import EMBEDDING_DIMS, Mode, MusicalKey, SongFeatures
from tonearm.analysis.transitions import TransitionPlan, plan_transition

RATE = 22050
SECONDS = 20.0


def _write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def _clicks(beats: list[float]) -> np.ndarray:
    """Short 2 kHz bursts (8 ms) at `beats` over silence."""
    signal = np.zeros(int(SECONDS * RATE), dtype=np.float64)
    burst_t = np.arange(int(0.008 * RATE)) / RATE
    burst = 0.8 * np.sin(2 * np.pi * 2000 * burst_t) * np.hanning(len(burst_t))
    for beat in beats:
        start = round(beat * RATE)
        signal[start : start + len(burst)] += burst[: len(signal) - start]
    return signal


def _tone(frequency: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(SECONDS * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * frequency * t)


def _features(
    beats: list[float],
    tempo: float | None,
    key: MusicalKey | None,
    *,
    leading: float = 0.0,
    outro_start: float = 14.0,
) -> SongFeatures:
    return SongFeatures(
        analyzer_version="test",
        duration=SECONDS,
        tempo_bpm=tempo,
        tempo_confidence=0.9 if tempo else 0.0,
        beats=tuple(beats),
        meter=4 if tempo else None,
        key=key,
        key_confidence=0.8,
        loudness=(),
        energy=0.5,
        danceability=0.5,
        valence=0.5,
        intro_end=leading + 1.0,
        outro_start=outro_start,
        leading_silence=leading,
        trailing_silence=0.0,
        embedding=(1.0,) + (0.0,) * (EMBEDDING_DIMS - 1),
    )


def _decode(path: Path) -> np.ndarray:
    raw = subprocess.run(
        [str(find_ffmpeg().ffmpeg), "-v", "error", "-i", str(path), "-ac", "1", "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4").astype(np.float64)


def _db(samples: np.ndarray) -> float:
    return 20 * float(np.log10(np.sqrt(np.mean(samples**2)) + 1e-12))


def _onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Times where the envelope rises over a fifth of its peak after 150 ms below it."""
    envelope = np.abs(samples)
    threshold = envelope.max() / 5
    onsets: list[float] = []
    last = -1.0
    for index in np.flatnonzero(envelope > threshold):
        t = index / rate
        if t - last > 0.15:
            onsets.append(t)
        last = t
    return onsets


@dataclass
class Rendered:
    plan: TransitionPlan
    audio: np.ndarray  # mono, SAMPLE_RATE
    from_source: np.ndarray
    to_source: np.ndarray


C_MAJOR = MusicalKey(0, Mode.MAJOR)
G_MAJOR = MusicalKey(7, Mode.MAJOR)  # a neighbour of C major on the Camelot wheel


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    directory = tmp_path_factory.mktemp("transitions")
    renderer = FFmpegTransitionRenderer(find_ffmpeg().ffmpeg, limit_seconds=60)
    a_beats = [0.25 + 0.5 * k for k in range(39)]  # 120 BPM
    b_period = 60 / 126  # 5 % faster than A: within ±8 %
    b_beats = [0.6 + b_period * k for k in range(int((SECONDS - 0.7) / b_period))]
    cases = {
        "matched": (
            _clicks(a_beats),
            _clicks(b_beats),
            _features(a_beats, 120.0, C_MAJOR),
            _features(b_beats, 126.0, G_MAJOR, leading=0.5),
        ),
        "crossfade": (
            _tone(440, 0.5),
            _tone(660, 0.15),
            _features([], None, None),
            _features([], None, None, leading=0.3),
        ),
    }
    out: dict[str, Rendered] = {}
    for name, (a, b, fa, fb) in cases.items():
        _write_wav(directory / f"{name}-a.wav", a)
        _write_wav(directory / f"{name}-b.wav", b)
        plan = plan_transition(fa, fb)
        target = directory / f"{name}.mp3"
        asyncio.run(
            renderer.render(
                str(directory / f"{name}-a.wav"), str(directory / f"{name}-b.wav"), plan, target
            )
        )
        out[name] = Rendered(plan, _decode(target), a, b)
    return out


def test_plan_beat_matches_close_tempos_in_compatible_keys(rendered: dict[str, Rendered]) -> None:
    matched, faded = rendered["matched"].plan, rendered["crossfade"].plan
    assert matched.beat_matched and matched.tempo_ratio == pytest.approx(120 / 126, abs=1e-4)
    assert matched.from_start == 13.75  # A's last beat at or before its outro (14 s)
    assert matched.to_start == pytest.approx(0.6)  # B's first beat after its silence
    assert matched.to_resume == pytest.approx(0.6 + 5 * 120 / 126, abs=1e-3)
    assert not faded.beat_matched and faded.tempo_ratio == 1.0
    assert (faded.from_start, faded.to_start, faded.to_resume) == (14.0, 0.3, 5.3)


def test_incompatible_keys_or_tempos_are_not_beat_matched() -> None:
    beats = [0.5 * k for k in range(40)]
    a = _features(beats, 120.0, C_MAJOR)
    far_key = _features(beats, 120.0, MusicalKey(6, Mode.MAJOR))  # F# major: across the wheel
    far_tempo = _features(beats, 132.0, C_MAJOR)  # 10 % faster
    assert not plan_transition(a, far_key).beat_matched
    assert not plan_transition(a, far_tempo).beat_matched


def test_transition_lasts_five_seconds(rendered: dict[str, Rendered]) -> None:
    for case in rendered.values():
        assert len(case.audio) / SAMPLE_RATE == pytest.approx(5.0, abs=0.03)


def test_loudness_is_continuous_at_both_joins_and_through_the_fade(
    rendered: dict[str, Rendered],
) -> None:
    case = rendered["crossfade"]
    window = int(0.4 * SAMPLE_RATE)
    source_window = int(0.4 * RATE)
    a_end = int(case.plan.from_start * RATE)
    b_start = int(case.plan.to_resume * RATE)
    # A where it stops against the transition's start; the transition's end against B
    # where it carries on.
    assert abs(_db(case.audio[:window]) - _db(case.from_source[a_end - source_window : a_end])) < 3
    assert (
        abs(_db(case.audio[-window:]) - _db(case.to_source[b_start : b_start + source_window])) < 3
    )
    levels = [
        _db(case.audio[start : start + window])
        for start in range(0, len(case.audio) - window, window // 4)
    ]
    assert max(abs(b - a) for a, b in zip(levels, levels[4:], strict=False)) < 3


def test_beat_matched_clicks_land_on_one_grid(rendered: dict[str, Rendered]) -> None:
    onsets = _onsets(rendered["matched"].audio, SAMPLE_RATE)
    assert len(onsets) >= 9
    # A's beats are every 0.5 s from the first sample; B's, stretched to A's tempo and
    # started on a beat, must fall on the same grid (unstretched, they drift 24 ms a beat).
    errors = [abs(t - round(t / 0.5) * 0.5) for t in onsets]
    assert max(errors) < 0.020, list(zip(onsets, errors, strict=True))
