"""The audio analyser: decoded mono PCM in, `SongFeatures` out (tempo and beat grid, metre,
key, loudness contour, energy/danceability/valence, intro/outro, silences, embedding).

Pure CPU and blocking (run it in a worker thread). numpy only: librosa's primitives were the
starting point, but its numba-jitted functions cost ~23 s to compile on first use, and the
parts we need (framed FFTs, mel and chroma filter banks, autocorrelation, a dynamic-
programming beat tracker) are short in numpy. Memory stays bounded on long files: the
spectrum is computed block by block and only small per-frame summaries are kept (a 20-minute
song keeps about 100,000 frames x 40 mel bands).

How each feature is found:
- Onsets: spectral flux of the log-mel spectrum (hop 256 at 22050 Hz, ~86 frames/s), in a
  low band and the kick band as well as overall; the kick band puts the grid on the beat.
- Tempo: the autocorrelation of the onset envelope is read as a comb (a period scores by its
  autocorrelation at 1..4 periods), which gives a precise period for every metrical level.
  The fast level is the most salient period in 100-200 BPM (periods in 3:2, 4:3, 5:4
  relation are tracked too; the grid whose beats land on the strongest onsets wins); the
  notated beat is half of it when nothing sounds between its beats and they do not group in
  threes. Beats come from a dynamic-programming tracker around that period (it follows tempo
  changes), moved half a beat when the kick band sounds between them; the tempo is the
  median of local ±4-beat slopes. Metre: beat strengths repeating every 3/6/12 vs 4/8/16.
- Key: a chroma profile (log-frequency mapping of the spectrum, 55-2000 Hz, the first and
  last tenth weighted more) correlated with the 24 rotated Albrecht-Shanahan key profiles.
- Intro/outro: a smoothed loudness curve against the body's level (its upper quantile).
- Embedding: timbre (band levels and their motion, MFCCs), groove (off-beat and low-band
  onset ratios), tempo, metre, loudness, brightness and noisiness, standardised with fixed
  constants and L2-normalised.
- Cost: ~0.01x real time on one core (a 4-minute song in ~1.7 s); no numba, so no compile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tonearm.analysis.models import (
    ANALYSIS_SAMPLE_RATE,
    EMBEDDING_DIMS,
    Mode,
    MusicalKey,
    SongFeatures,
)

# Bumped whenever the output can change: stored features of an older version are redone.
ANALYZER_VERSION = "2"

Array = npt.NDArray[np.float64]

_SR = ANALYSIS_SAMPLE_RATE
_HOP = 256  # onset frames: ~86 per second
_N_FFT = 1024
_KEY_HOP = 2048  # chroma frames: ~11 per second
_KEY_N_FFT = 4096
_N_MELS = 40
_BLOCK_FRAMES = 2048  # frames per FFT block (bounded memory on long files)
_FPS = _SR / _HOP
_SILENCE_DB = -60.0
_MIN_BPM = 50.0
_MAX_BPM = 220.0


@dataclass(frozen=True)
class _Frames:
    """Per-frame summaries of the whole song (onset hop unless said otherwise)."""

    log_mel: Array  # (frames, _N_MELS), dB
    rms_db: Array  # (frames,)
    centroid: Array  # (frames,) Hz
    flatness: Array  # (frames,)
    chroma: Array  # (key frames, 12)


def analyse_pcm(
    samples: npt.NDArray[np.floating] | npt.NDArray[np.integer],
    sample_rate: int = ANALYSIS_SAMPLE_RATE,
) -> SongFeatures:
    """Analyse mono PCM (float in [-1, 1]; any finite-or-not garbage is tolerated)."""
    x, length = _prepare(samples, sample_rate)
    duration = length / _SR
    frames = _frames(x)
    loudness = _loudness_per_second(x[_PAD : _PAD + length])
    leading, trailing = _silences(frames.rms_db, duration)
    onset, onset_low, onset_kick = _onset_envelopes(frames.log_mel)
    tempo_result = _tempo_and_beats(onset, onset_low, onset_kick, leading, duration - trailing)
    key, key_confidence, major_score = _key(frames.chroma)
    intro_end, outro_start = _intro_outro(frames.rms_db, leading, duration, trailing)
    descriptors = _descriptors(
        frames, onset, tempo_result, major_score, leading, duration - trailing
    )
    energy, danceability, valence = _moods(descriptors, tempo_result, key)
    embedding = _embedding(descriptors)
    return SongFeatures(
        analyzer_version=ANALYZER_VERSION,
        duration=round(duration, 3),
        tempo_bpm=None if tempo_result.tempo is None else round(tempo_result.tempo, 2),
        tempo_confidence=round(tempo_result.confidence, 3),
        beats=tuple(round(b, 3) for b in tempo_result.beats),
        meter=tempo_result.meter,
        key=key,
        key_confidence=round(key_confidence, 3),
        loudness=tuple(round(v, 1) for v in loudness),
        energy=round(energy, 3),
        danceability=round(danceability, 3),
        valence=round(valence, 3),
        intro_end=round(intro_end, 2),
        outro_start=round(outro_start, 2),
        leading_silence=round(leading, 2),
        trailing_silence=round(trailing, 2),
        embedding=tuple(float(v) for v in embedding),
    )


# --- input ---------------------------------------------------------------------------------


# Zeros on each side of the prepared signal: the widest window's half, so every frame
# (centred on its hop) is a view into one array.
_PAD = _KEY_N_FFT // 2


def _prepare(
    samples: npt.NDArray[np.floating] | npt.NDArray[np.integer], sample_rate: int
) -> tuple[npt.NDArray[np.float32], int]:
    """Finite float32 mono at the analysis rate in [-1, 1], with _PAD zeros on each side (one
    copy: a 20-minute song is ~110 MB); and the real length."""
    x = np.asarray(samples)
    if x.ndim > 1:  # tolerate (n, channels) or (channels, n): mix down
        x = x.mean(axis=int(np.argmin(x.shape)))
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / np.float32(np.iinfo(x.dtype).max)
    if sample_rate != _SR and len(x):
        x = _resample(
            np.nan_to_num(x.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0), sample_rate, _SR
        )
    length = len(x)
    out = np.zeros(length + 2 * _PAD, dtype=np.float32)
    out[_PAD : _PAD + length] = x
    # A non-finite sample is garbage, not a full-scale peak: silence it.
    np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    np.clip(out, -1.0, 1.0, out=out)
    return out, length


def _resample(x: Array, source: int, target: int) -> Array:
    """Band-limited resampling by the FFT (numpy only: the service's decode already gives
    ANALYSIS_SAMPLE_RATE; this is for callers with PCM at another rate)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.float64)
    length = max(1, round(len(x) * target / source))
    spectrum = np.fft.rfft(x)
    kept = min(len(spectrum), length // 2 + 1)
    return np.fft.irfft(spectrum[:kept], n=length) * (length / len(x))


# --- spectra ---------------------------------------------------------------------------------


def _hz_to_mel(f: Array) -> Array:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _mel_filters(n_fft: int, n_mels: int, fmin: float = 30.0, fmax: float = 8000.0) -> Array:
    freqs = np.fft.rfftfreq(n_fft, 1.0 / _SR)
    edges = 700.0 * (
        10
        ** (
            np.linspace(_hz_to_mel(np.array(fmin)), _hz_to_mel(np.array(fmax)), n_mels + 2) / 2595.0
        )
        - 1
    )
    filters = np.zeros((len(freqs), n_mels))
    for m in range(n_mels):
        lo, centre, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / (centre - lo)
        down = (hi - freqs) / (hi - centre)
        filters[:, m] = np.maximum(0.0, np.minimum(up, down)) * 2.0 / (hi - lo)
    return filters


def _chroma_filters(n_fft: int) -> Array:
    """Spectrum bin -> pitch class weights (55-2000 Hz)."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / _SR)
    filters = np.zeros((len(freqs), 12))
    valid = (freqs >= 55.0) & (freqs <= 2000.0)
    midi = 69 + 12 * np.log2(np.maximum(freqs, 1.0) / 440.0)
    nearest = np.round(midi)
    # Weight a bin by how close it is to a semitone centre (Gaussian, ~0.3 semitone wide).
    closeness = np.exp(-0.5 * ((midi - nearest) / 0.3) ** 2)
    for i in np.nonzero(valid)[0]:
        pc = int(nearest[i]) % 12
        filters[i, pc] = closeness[i]
    return filters


_FILTERS: dict[str, Array] = {}


def _filters() -> dict[str, Array]:
    if not _FILTERS:
        _FILTERS["mel"] = _mel_filters(_N_FFT, _N_MELS)
        _FILTERS["chroma"] = _chroma_filters(_KEY_N_FFT)
        _FILTERS["window"] = np.hanning(_N_FFT + 1)[:-1]
        _FILTERS["key_window"] = np.hanning(_KEY_N_FFT + 1)[:-1]
        _FILTERS["freqs"] = np.asarray(np.fft.rfftfreq(_N_FFT, 1.0 / _SR), dtype=np.float64)
    return _FILTERS


def _framed(x: npt.NDArray[np.float32], n_fft: int, hop: int) -> npt.NDArray[np.float32]:
    """Frames as a strided view (no copy) of the prepared signal, centred: frame i covers
    i*hop - n_fft/2 .. i*hop + n_fft/2 of the music."""
    offset = _PAD - n_fft // 2
    usable = len(x) - 2 * _PAD
    count = 1 + usable // hop
    view = x[offset:]
    return np.lib.stride_tricks.as_strided(
        view,
        shape=(count, n_fft),
        strides=(view.strides[0] * hop, view.strides[0]),
        writeable=False,
    )


def _frames(x: npt.NDArray[np.float32]) -> _Frames:
    f = _filters()
    frames = _framed(x, _N_FFT, _HOP)
    count = len(frames)
    log_mel = np.empty((count, _N_MELS))
    rms_db = np.empty(count)
    centroid = np.empty(count)
    flatness = np.empty(count)
    freqs = f["freqs"]
    for start in range(0, count, _BLOCK_FRAMES):
        block = frames[start : start + _BLOCK_FRAMES]
        spectrum = np.abs(np.fft.rfft(block * f["window"], axis=1)) ** 2
        power = spectrum.sum(axis=1)
        stop = start + len(block)
        log_mel[start:stop] = 10 * np.log10(spectrum @ f["mel"] + 1e-10)
        rms_db[start:stop] = 10 * np.log10(np.mean(block**2, axis=1) + 1e-10)
        centroid[start:stop] = (spectrum @ freqs) / (power + 1e-12)
        log_spec = np.log(spectrum[:, 1:] + 1e-12)
        flatness[start:stop] = np.exp(log_spec.mean(axis=1)) / (
            spectrum[:, 1:].mean(axis=1) + 1e-12
        )
    key_frames = _framed(x, _KEY_N_FFT, _KEY_HOP)
    chroma = np.empty((len(key_frames), 12))
    for start in range(0, len(key_frames), _BLOCK_FRAMES // 4):
        block = key_frames[start : start + _BLOCK_FRAMES // 4]
        magnitude = np.abs(np.fft.rfft(block * f["key_window"], axis=1))
        stop = start + len(block)
        # Compressed magnitude: a loud bass note should not drown the chord above it.
        compressed = np.sqrt(magnitude)
        chroma[start:stop] = compressed @ f["chroma"]
    return _Frames(log_mel, rms_db, centroid, flatness, chroma)


def _loudness_per_second(x: npt.NDArray[np.float32]) -> list[float]:
    """Mean-square level in dB of each second (the last one partial), floored at -90."""
    seconds = max(1, math.ceil(len(x) / _SR))
    levels = []
    for second in range(seconds):
        chunk = x[second * _SR : (second + 1) * _SR].astype(np.float64)
        ms = float(np.mean(chunk**2)) if len(chunk) else 0.0
        levels.append(max(-90.0, 10 * math.log10(ms + 1e-12)))
    return levels


def _silences(rms_db: Array, duration: float) -> tuple[float, float]:
    loud = np.nonzero(rms_db > _SILENCE_DB)[0]
    if len(loud) == 0:
        return duration, 0.0
    leading = max(0.0, (loud[0] * _HOP) / _SR)
    trailing = max(0.0, duration - (loud[-1] * _HOP) / _SR)
    return min(leading, duration), min(trailing, duration - leading)


# --- onsets and tempo ----------------------------------------------------------------------


def _onset_envelopes(log_mel: Array) -> tuple[Array, Array, Array]:
    """Spectral flux (half-wave rectified increase of log-mel): all bands, the low ones
    (up to ~900 Hz) and the lowest (~30-120 Hz: the kick drum's)."""
    if len(log_mel) < 2:
        z = np.zeros(len(log_mel))
        return z, z, z
    floor = log_mel.max() - 80.0
    mel = np.maximum(log_mel, floor)
    diff = np.maximum(0.0, np.diff(mel, axis=0, prepend=mel[:1]))
    low = diff[:, :10].mean(axis=1)
    kick = diff[:, 0]
    full = diff.mean(axis=1)
    if float(np.percentile(full, 99)) < _MIN_FLUX_DB:
        # A steady tone or hum: nothing starts, so no rhythm to find.
        z = np.zeros(len(full))
        return z, z, z
    return _detrend(full), _detrend(low), _detrend(kick)


# Smallest loudness increase (dB, averaged over the mel bands) that counts as an onset.
_MIN_FLUX_DB = 0.3


def _detrend(env: Array) -> Array:
    """Remove the slowly varying part (local mean over ~1 s) and normalise."""
    width = int(_FPS)
    if len(env) > width:
        kernel = np.ones(width) / width
        local = np.convolve(env, kernel, mode="same")
        env = np.maximum(0.0, env - local)
    peak = np.percentile(env, 99) if len(env) else 0.0
    return env / peak if peak > 0 else env


@dataclass(frozen=True)
class _Tempo:
    tempo: float | None
    confidence: float
    beats: list[float]
    meter: int | None
    pulse_clarity: float
    # Off-beat / on-beat onset strength (all bands, low band), and the low band's share of
    # the on-beat onsets: how the groove is built, for the embedding.
    rhythm: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _autocorrelation(env: Array, max_lag: int) -> Array:
    n = len(env)
    size = 1 << math.ceil(math.log2(2 * n))
    spectrum = np.fft.rfft(env - env.mean(), size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    # Unbiased: a lag sees fewer overlapping frames.
    ac = ac / np.maximum(1, n - np.arange(len(ac)))
    return ac / ac[0] if ac[0] > 0 else ac


def _interp(values: Array, position: Array) -> Array:
    return np.interp(position, np.arange(len(values)), values)


def _comb_salience(ac: Array, periods: Array) -> Array:
    """A period's salience: its autocorrelation at 1..4 periods (weighted to the first)."""
    total = np.zeros(len(periods))
    for k, weight in ((1, 1.0), (2, 0.6), (3, 0.4), (4, 0.3)):
        lags = periods * k
        inside = lags < len(ac) - 1
        total[inside] += weight * _interp(ac, lags[inside])
    return total


def _tempo_and_beats(onset: Array, low: Array, kick: Array, start: float, end: float) -> _Tempo:
    first = int(start * _FPS)
    last = max(first, int(end * _FPS))
    env = onset[first:last]
    low_env = low[first:last]
    if len(env) < _FPS * 2 or float(env.std()) < 1e-6:
        return _Tempo(None, 0.0, [], None, 0.0)
    max_lag = min(len(env) - 1, int(_FPS * 60.0 / _MIN_BPM * 4) + 2)
    ac = _autocorrelation(env, max_lag)
    bpms = np.exp(np.linspace(np.log(_MIN_BPM), np.log(_MAX_BPM), 600))
    salience = _comb_salience(ac, _FPS * 60.0 / bpms)
    clarity = float(max(0.0, min(1.0, float(salience.max()) / 2.3)))
    if clarity < _MIN_PULSE_CLARITY:
        return _Tempo(None, clarity, [], None, clarity)
    # The fast level: the most salient period between 100 and 200 BPM (the 8th-note pulse of
    # a slow song, the beat of a fast one); the notated beat is it or half of it.
    fast = (bpms >= _FAST_LEVEL[0]) & (bpms < _FAST_LEVEL[1])
    fast_tempo = float(bpms[fast][int(np.argmax(salience[fast]))])
    beats = _fast_level_beats(env, bpms, salience, fast_tempo)
    if _is_subdivision(env, low_env, beats):
        beats = _half_beats(env, low_env, beats)
    beats = _on_the_beat(kick[first:last], beats)
    if len(beats) < 2:
        return _Tempo(None, clarity, [], None, clarity)
    tempo = _steady_tempo(beats)
    meter = _meter(low_env, beats)
    beat_times = [(first + b) / _FPS for b in beats]
    return _Tempo(tempo, clarity, beat_times, meter, clarity, _rhythm(env, low_env, beats))


# Below this pulse clarity (noise scores ~0.03, the corpus's sparsest songs ~0.4) there is
# no steady beat: tempo None.
_MIN_PULSE_CLARITY = 0.15
# Tempo range of the fast metrical level, BPM.
_FAST_LEVEL = (100.0, 200.0)
# Below this off-beat/on-beat onset ratio the fast level has no subdivisions of its own: it is
# the subdivision of a slower beat (tuned on the corpus's tune seed).
_SUBDIVISION_RATIO = 0.24


def _fast_level_beats(env: Array, bpms: Array, salience: Array, fast_tempo: float) -> list[int]:
    """Beats of the fast level. A syncopated pattern (a kick on the 'and' of 3) can make 2/3,
    3/4 or 4/5 of the pulse the most salient period: the other salient periods in 3:2, 4:3 and
    5:4 relation are tracked too, and the grid whose beats land on the strongest onsets wins."""
    fast = (bpms >= _FAST_LEVEL[0]) & (bpms < _FAST_LEVEL[1])
    best_salience = float(salience[fast].max())
    candidates = [fast_tempo]
    for ratio in (1.5, 4 / 3, 1.25, 2 / 3, 0.75, 0.8):
        target = fast_tempo * ratio
        if not _FAST_LEVEL[0] <= target < _FAST_LEVEL[1]:
            continue
        near = fast & (np.abs(np.log(bpms / target)) < 0.02)
        if near.any() and float(salience[near].max()) >= _ALTERNATIVE_SALIENCE * best_salience:
            candidates.append(float(bpms[near][int(np.argmax(salience[near]))]))
    best: list[int] = []
    best_fit = -1.0
    for tempo in candidates:
        beats = _track_beats(env, _FPS * 60.0 / tempo)
        fit = float(_strength(env, np.asarray(beats)).mean()) if beats else 0.0
        if fit > best_fit * _FIT_MARGIN:
            best, best_fit = beats, fit
    return best


# Another fast period is considered when its salience is this close to the best one's, and
# wins when its beats carry this much more onset strength.
_ALTERNATIVE_SALIENCE = 0.5
_FIT_MARGIN = 1.1


def _rhythm(env: Array, low_env: Array, beats: list[int]) -> tuple[float, float, float]:
    if len(beats) < 3:
        return 0.0, 0.0, 0.0
    b = np.asarray(beats)
    mids = (b[:-1] + b[1:]) // 2
    on, low_on = _strength(env, b[:-1]).mean(), _strength(low_env, b[:-1]).mean()
    off = float(_strength(env, mids).mean() / (on + 1e-9))
    low_off = float(_strength(low_env, mids).mean() / (low_on + 1e-9))
    return off, low_off, float(low_on / (on + low_on + 1e-9))


def _strength(env: Array, positions: Array) -> Array:
    """The onset envelope's peak within ±2 frames of each position."""
    if len(positions) == 0:
        return np.zeros(0)
    windows = np.clip(positions[:, None] + np.arange(-2, 3)[None, :], 0, len(env) - 1)
    return np.asarray(env[windows].max(axis=1), dtype=np.float64)


def _is_subdivision(env: Array, low_env: Array, beats: list[int]) -> bool:
    """Whether the tracked fast beats are the 8th notes of a beat half as fast: nothing sounds
    between them (music divides its beat; an 8th-note level usually has no 16ths), unless the
    beats group in threes (a 3/4 bar: halving would not fit it)."""
    if len(beats) < 8:
        return False
    b = np.asarray(beats)
    mids = (b[:-1] + b[1:]) // 2
    ratio = float(_strength(env, mids).mean() / (_strength(env, b[:-1]).mean() + 1e-9))
    low_ratio = float(_strength(low_env, mids).mean() / (_strength(low_env, b[:-1]).mean() + 1e-9))
    if ratio + 0.3 * low_ratio >= _SUBDIVISION_RATIO:
        return False
    return _meter(low_env, beats) != 3


def _half_beats(env: Array, low_env: Array, beats: list[int]) -> list[int]:
    """Every other beat: the phase whose beats carry more (low-band weighted) onsets."""
    b = np.asarray(beats)
    strength = _strength(env, b) + _strength(low_env, b)
    even, odd = strength[0::2].mean(), strength[1::2].mean()
    return [int(v) for v in (b[0::2] if even >= odd else b[1::2])]


def _on_the_beat(kick: Array, beats: list[int]) -> list[int]:
    """The grid moved by half a beat when the kick drum's band sounds clearly more between
    the tracked beats than on them (the tracker locked onto off-beat hats or bass)."""
    if len(beats) < 4:
        return beats
    b = np.asarray(beats)
    mids = (b[:-1] + b[1:]) // 2
    if _strength(kick, mids).mean() > _OFFBEAT_SHIFT * _strength(kick, b[:-1]).mean():
        return [int(v) for v in mids]
    return beats


_OFFBEAT_SHIFT = 1.15


def _steady_tempo(beats: list[int]) -> float:
    """BPM of the beat grid: the median of local slopes over ±4 beats (sub-frame precise,
    and the majority tempo when it changes)."""
    b = np.asarray(beats, dtype=np.float64)
    span = min(4, (len(b) - 1) // 2)
    if span < 1:
        return 60.0 * _FPS / float(np.diff(b).mean())
    slopes = (b[2 * span :] - b[: -2 * span]) / (2 * span)
    return 60.0 * _FPS / float(np.median(slopes))


def _track_beats(env: Array, period: float, tightness: float = 100.0) -> list[int]:
    """Dynamic-programming beat tracking (Ellis 2007) around `period` frames."""
    n = len(env)
    if n == 0 or period <= 1:
        return []
    # Smooth the onsets a little so a beat can sit a frame off an onset peak.
    window = np.exp(
        -0.5 * (np.arange(-int(period / 16), int(period / 16) + 1) / max(1.0, period / 32)) ** 2
    )
    local = np.convolve(env, window, mode="same")
    lo, hi = round(period / 2), round(period * 2)
    offsets = np.arange(lo, hi + 1)
    penalty = -tightness * np.log(offsets / period) ** 2
    score = local.copy()
    back = np.full(n, -1)
    for t in range(lo, n):
        prev = t - offsets
        valid = prev >= 0
        if not valid.any():
            continue
        candidates = score[prev[valid]] + penalty[valid]
        k = int(np.argmax(candidates))
        if candidates[k] > 0:
            score[t] = local[t] + candidates[k]
            back[t] = prev[valid][k]
    # End on the best-scoring frame in the last period.
    tail = max(0, n - int(period))
    t = tail + int(np.argmax(score[tail:]))
    beats = []
    while t >= 0:
        beats.append(t)
        t = int(back[t])
    return beats[::-1]


def _meter(env: Array, beats: list[int]) -> int | None:
    """3 or 4 beats per bar: whether the beats' onset strengths repeat every 3, 6 and 12
    beats clearly more than every 4, 8 and 16 (None when too few beats to tell)."""
    if len(beats) < 20:
        return None
    strength = _strength(env, np.asarray(beats))
    # Relative to the neighbourhood: fades and sparse intros must not look periodic.
    width = 9
    padded = np.pad(strength, width // 2, mode="edge")
    local = np.convolve(padded, np.ones(width) / width, mode="valid")
    strength = strength / (local + 1e-9) - 1.0
    if float(strength.std()) < 1e-6:
        return 4

    def ac(lag: int) -> float:
        if lag >= len(strength) - 4:
            return 0.0
        a, b = strength[:-lag], strength[lag:]
        return float(np.mean((a - a.mean()) * (b - b.mean())) / (a.std() * b.std() + 1e-12))

    triple = ac(3) + ac(6) + ac(12)
    duple = ac(4) + ac(8) + ac(16)
    return 3 if triple > duple + _METER_MARGIN else 4


_METER_MARGIN = 0.3


# --- key -------------------------------------------------------------------------------------

# Albrecht & Shanahan's key profiles (major, minor; tonic first), from pitch-class
# distributions of a common-practice corpus; on the tune seed they beat Krumhansl-Kessler,
# Temperley, Aarden and Sha'ath's profiles (88% vs 61-80% exact-or-relative).
_MAJOR_PROFILE = np.array(
    [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]
)
_MINOR_PROFILE = np.array(
    [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]
)
# Songs tend to begin and end in their key: the first and last tenth of the music count
# this many times more.
_KEY_EDGE_WEIGHT = 3.0


def _key(chroma: Array) -> tuple[MusicalKey | None, float, float]:
    """The best of the 24 keys by correlation with the song's chroma; (key, confidence, major
    score in 0-1)."""
    energy = chroma.sum(axis=1)
    if len(energy) == 0 or float(energy.max()) <= 1e-6:
        return None, 0.0, 0.5
    # Each sounding frame counts the same (quiet passages too); near-silent ones not at all.
    keep = np.nonzero(energy > energy.max() * 0.01)[0]
    frames = chroma[keep] / energy[keep, None]
    weights = np.ones(len(keep))
    edge = max(1, len(keep) // 10)
    weights[:edge] *= _KEY_EDGE_WEIGHT
    weights[-edge:] *= _KEY_EDGE_WEIGHT
    profile = (frames * weights[:, None]).sum(axis=0) / weights.sum()
    if float(profile.std()) < 1e-9:
        return None, 0.0, 0.5
    scores = np.empty(24)
    for pitch in range(12):
        rotated = np.roll(profile, -pitch)
        scores[pitch] = np.corrcoef(rotated, _MAJOR_PROFILE)[0, 1]
        scores[12 + pitch] = np.corrcoef(rotated, _MINOR_PROFILE)[0, 1]
    best = int(np.argmax(scores))
    ordered = np.sort(scores)[::-1]
    confidence = float(max(0.0, min(1.0, ordered[0] * 0.6 + (ordered[0] - ordered[1]) * 3)))
    mode = Mode.MAJOR if best < 12 else Mode.MINOR
    major_score = float(1.0 / (1.0 + math.exp(-10 * (scores[:12].max() - scores[12:].max()))))
    # A flat profile (noise, drums only) has no tonal centre.
    if ordered[0] < _MIN_KEY_CORRELATION:
        return None, confidence, major_score
    return MusicalKey(best % 12, mode), confidence, major_score


_MIN_KEY_CORRELATION = 0.3


# --- intro / outro -------------------------------------------------------------------------


def _intro_outro(
    rms_db: Array, leading: float, duration: float, trailing: float
) -> tuple[float, float]:
    end = duration - trailing
    if end - leading < 2.0:
        return leading, max(leading, end)
    # Loudness over 0.5 s windows every ~0.1 s.
    step = max(1, int(_FPS / 10))
    width = max(1, int(_FPS / 2))
    power = 10 ** (rms_db / 10)
    smooth = np.convolve(power, np.ones(width) / width, mode="same")[::step]
    level = 10 * np.log10(smooth + 1e-10)
    times = np.arange(len(level)) * step / _FPS
    inside = (times >= leading) & (times <= end)
    body = float(np.percentile(level[inside], 75)) if inside.any() else 0.0
    threshold = body - 4.0
    above = np.nonzero(inside & (level >= threshold))[0]
    if len(above) == 0:
        return leading, end
    intro_end = max(leading, float(times[above[0]]))
    outro_start = min(end, float(times[above[-1]]))
    if outro_start < intro_end:
        outro_start = intro_end
    return intro_end, outro_start


# --- descriptors, moods, embedding -----------------------------------------------------------


def _descriptors(
    frames: _Frames, onset: Array, tempo: _Tempo, major_score: float, start: float, end: float
) -> dict[str, float | Array]:
    first, last = int(start * _FPS), max(int(start * _FPS) + 1, int(end * _FPS))
    mel = frames.log_mel[first:last]
    if len(mel) == 0:
        mel = frames.log_mel
    rms = frames.rms_db[first:last] if last > first else frames.rms_db
    mfcc = _dct(mel)[:, :13]
    active = onset[first:last]
    onset_rate = float(np.mean(active > 0.3)) * _FPS if len(active) else 0.0
    bands = mel.reshape(len(mel), 8, _N_MELS // 8).mean(axis=2).mean(axis=0)
    return {
        "bands": bands - bands.mean(),
        "band_motion": np.abs(np.diff(mel.reshape(len(mel), 8, -1).mean(axis=2), axis=0)).mean(
            axis=0
        )
        if len(mel) > 1
        else np.zeros(8),
        "rhythm": np.asarray(tempo.rhythm),
        "meter": 1.0 if tempo.meter == 3 else 0.0,
        "mfcc_mean": mfcc.mean(axis=0),
        "mfcc_std": mfcc.std(axis=0),
        "loudness": float(np.percentile(rms, 90)) if len(rms) else -90.0,
        "loudness_range": float(np.percentile(rms, 90) - np.percentile(rms, 30))
        if len(rms)
        else 0.0,
        "centroid": float(np.median(frames.centroid[first:last])) if last > first else 0.0,
        "flatness": float(np.mean(frames.flatness[first:last])) if last > first else 0.0,
        "onset_rate": onset_rate,
        "pulse_clarity": tempo.pulse_clarity,
        "tempo": tempo.tempo or 0.0,
        "major": major_score,
    }


def _dct(x: Array) -> Array:
    n = x.shape[1]
    k = np.arange(n)
    basis = np.cos(np.pi / n * (k[:, None] + 0.5) * k[None, :])
    return np.asarray(x @ basis * math.sqrt(2.0 / n), dtype=np.float64)


def _squash(value: float, centre: float, scale: float) -> float:
    return 1.0 / (1.0 + math.exp(-(value - centre) / scale))


def _moods(
    d: dict[str, float | Array], tempo: _Tempo, key: MusicalKey | None
) -> tuple[float, float, float]:
    """Heuristic descriptors, 0-1.
    - energy: loudness (90th percentile of frame RMS), onset rate and brightness together;
    - danceability: pulse clarity, tempo near 90-135 BPM and a steady grid;
    - valence: major mode, brightness and tempo (faster and brighter reads happier)."""
    loud = _squash(float(d["loudness"]), -18.0, 4.0)
    onsets = _squash(float(d["onset_rate"]), 4.0, 2.0)
    bright = _squash(float(d["centroid"]), 2000.0, 700.0)
    energy = 0.45 * loud + 0.35 * onsets + 0.2 * bright
    bpm = tempo.tempo or 0.0
    tempo_fit = math.exp(-0.5 * (math.log2(max(bpm, 1.0) / 118.0) / 0.35) ** 2) if bpm else 0.0
    danceability = 0.55 * tempo.pulse_clarity + 0.3 * tempo_fit + 0.15 * onsets
    major = float(d["major"])
    speed = _squash(bpm, 110.0, 25.0) if bpm else 0.3
    valence = 0.5 * major + 0.25 * bright + 0.25 * speed
    return (
        float(min(1.0, max(0.0, energy))),
        float(min(1.0, max(0.0, danceability))),
        float(min(1.0, max(0.0, valence))),
    )


# The embedding: (descriptor, centre, scale) for each of its EMBEDDING_DIMS values. Fixed
# constants so a song's embedding depends on nothing else (not the library, not a library
# version): the centre is the mean over the generated corpus's tune seed; the scale is the
# standard deviation divided by the square root of the descriptor's between-style /
# within-style variance ratio there, so the descriptors that tell styles apart weigh more.
# The 32 kept were the most discriminating of 46 candidates (band levels and their motion,
# MFCC means and spreads, groove, tempo, metre, loudness, brightness, noisiness).
_EMBED_FEATURES = (
    ("band1", 15.5911, 9.13573),
    ("band2", 7.39945, 7.08852),
    ("band3", 1.3288, 4.5849),
    ("band4", -4.70946, 4.10133),
    ("band5", -10.8446, 9.24537),
    ("band6", -15.7507, 12.0951),
    ("band7", -19.1924, 9.40333),
    ("motion0", 1.1683, 0.323188),
    ("motion1", 1.21376, 0.912448),
    ("motion2", 1.47198, 1.51726),
    ("motion3", 2.03753, 2.05431),
    ("motion4", 2.81949, 2.52971),
    ("mfcc1", 92.0141, 50.908),
    ("mfcc2", 12.2825, 14.3984),
    ("mfcc3", 12.2931, 11.7862),
    ("mfcc5", 4.36609, 7.38983),
    ("mfcc6", 0.61799, 3.99596),
    ("mfcc7", 1.8848, 2.79851),
    ("mfcc8", -1.02521, 2.93567),
    ("mfcc9", 0.880928, 2.91443),
    ("mfcc10", -0.981903, 2.53939),
    ("mfcc11", 0.673091, 2.8077),
    ("mfcc12", 1.01301, 2.95192),
    ("mfccsd5", 10.9203, 7.74111),
    ("off", 0.635162, 0.223528),
    ("lowoff", 0.483269, 0.161391),
    ("lowshare", 0.489805, 0.0401479),
    ("meter", 0.166667, 0.152145),
    ("logtempo", 0.0173188, 0.193128),
    ("loud", -18.1862, 2.10931),
    ("centroid", -1.65203, 0.744692),
    ("flat", 0.0485254, 0.0293391),
)


def _named_descriptors(d: dict[str, float | Array]) -> dict[str, float]:
    tempo = float(d["tempo"])
    named: dict[str, float] = {}
    for prefix, values in (
        ("band", d["bands"]),
        ("motion", d["band_motion"]),
        ("mfcc", d["mfcc_mean"]),
        ("mfccsd", d["mfcc_std"]),
    ):
        for i, value in enumerate(np.asarray(values)):
            named[f"{prefix}{i}"] = float(value)
    rhythm = np.asarray(d["rhythm"])
    named |= {
        "off": float(rhythm[0]),
        "lowoff": float(rhythm[1]),
        "lowshare": float(rhythm[2]),
        "meter": float(d["meter"]),
        "logtempo": math.log2(tempo / 110.0) if tempo else 0.0,
        "loud": float(d["loudness"]),
        "centroid": math.log2(max(float(d["centroid"]), 50.0) / 1000.0),
        "flat": float(d["flatness"]),
    }
    return named


def _embedding(d: dict[str, float | Array]) -> Array:
    named = _named_descriptors(d)
    z = np.array([(named[name] - centre) / scale for name, centre, scale in _EMBED_FEATURES])
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    norm = float(np.linalg.norm(z))
    if norm <= 1e-12:
        z = np.zeros(EMBEDDING_DIMS)
        z[0] = 1.0
        return z
    return np.asarray(z / norm, dtype=np.float64)
