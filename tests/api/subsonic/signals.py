"""A test signal for `stream?timeOffset=`: audio in which every second says which second it is.

Second n of `write_numbered_beeps` is a sine at BASE_HZ + STEP_HZ × n (300 Hz, 350 Hz, …).
`detect_start_second` decodes the first two seconds of a stream, finds where the tone steps from
one second's frequency to the next, and returns the source time at which the stream begins: a
stream cut at 7.4 s steps from 700 Hz (second 8) 0.6 s in, so it began at 8 − 0.6 = 7.4 s.
Measured: within 2 ms on Opus streams and 26 ms on MP3 and AAC streams (their encoder delay).

Both run ffmpeg (the one tonearm's `find_ffmpeg` picks) as a blocking subprocess: from an async
test, call them through `asyncio.to_thread`.
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.ingest.audio_factory import make_signal
from tonearm.adapters.ffmpeg import find_ffmpeg

BASE_HZ = 300.0
STEP_HZ = 50.0
SAMPLE_RATE = 44100
MAX_TONE_HZ = 12000.0  # below every lossy codec's low-pass at the bitrates tonearm serves

_DECODE_SECONDS = 2.0  # two steps at least, whatever the start: one may be too close to the edge
_WINDOW_SECONDS = 0.04  # 25 Hz resolution, finer than the 50 Hz step
_HOP_SECONDS = 0.005
_FFT_SIZE = 16384  # zero-padded: about 2.7 Hz per bin
_STABLE_SECONDS = 0.1  # a tone shorter than this is a mixed window at a step, not a second
_MAX_GAP_SECONDS = 0.06  # unclassified windows allowed between two seconds' tones
_MIN_LEVEL = 0.01  # RMS of full scale; quieter windows are silence or a codec's priming

Samples = npt.NDArray[np.float64]


def write_numbered_beeps(path: Path, seconds: int = 20, *, ffmpeg: Path | None = None) -> Path:
    """Write `seconds` of the numbered-beeps signal to `path`, encoded as its suffix says.

    Mono, 44.1 kHz, half of full scale. Raises ValueError when the last second's tone would be
    above MAX_TONE_HZ, and RuntimeError when ffmpeg fails.
    """
    top_hz = BASE_HZ + STEP_HZ * (seconds - 1)
    if seconds < 1 or top_hz > MAX_TONE_HZ:
        raise ValueError(
            f"seconds={seconds}: the tones must fit between {BASE_HZ} and {MAX_TONE_HZ} Hz"
        )
    # Within second n the phase grows at (BASE_HZ + STEP_HZ·n)·2π per second: a pure tone; the
    # phase jumps at each step, which only blurs the windows that straddle it.
    expression = f"0.5*sin(2*PI*({BASE_HZ}+{STEP_HZ}*floor(t))*t)"
    source = f"aevalsrc={expression}:s={SAMPLE_RATE}:d={seconds}"
    return make_signal(path, source, channels=1, ffmpeg=find_ffmpeg(ffmpeg).ffmpeg)


def detect_start_second(audio: Path | bytes, *, ffmpeg: Path | None = None) -> float:
    """The source time, in seconds, at which a numbered-beeps stream (a file or its bytes) begins.

    Raises ValueError when the first two seconds hold no step between consecutive seconds' tones
    (not this signal, silent, or shorter than about 1.2 s), and RuntimeError when ffmpeg fails.
    """
    if isinstance(audio, bytes):
        # A file, not a pipe: ffmpeg cannot read an MP4 whose index is at the end from a pipe.
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "stream"
            path.write_bytes(audio)
            samples = _decode_head(path, ffmpeg)
    else:
        samples = _decode_head(audio, ffmpeg)
    tones = _stable_tones(samples)
    for before, after in itertools.pairwise(tones):
        if after.second == before.second + 1 and after.start - before.end <= _MAX_GAP_SECONDS:
            step_at = (before.end + after.start) / 2
            return after.second - step_at
    heard = ", ".join(
        f"second {tone.second} at {tone.start:.2f}-{tone.end:.2f} s" for tone in tones
    )
    raise ValueError(
        f"no step between numbered beeps in the first {_DECODE_SECONDS} s "
        f"(heard: {heard or 'no tone'})"
    )


@dataclass(frozen=True, slots=True)
class _Tone:
    """One second's tone, heard from `start` to `end` (window centres, stream time)."""

    second: int
    start: float
    end: float


def _stable_tones(samples: Samples) -> list[_Tone]:
    window = round(_WINDOW_SECONDS * SAMPLE_RATE)
    hop = round(_HOP_SECONDS * SAMPLE_RATE)
    if len(samples) < window:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(samples, window)[::hop]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(window), n=_FFT_SIZE, axis=1))
    peak_hz = np.fft.rfftfreq(_FFT_SIZE, 1 / SAMPLE_RATE)[np.argmax(spectrum, axis=1)]
    level = np.sqrt(np.mean(frames**2, axis=1))
    seconds = np.rint((peak_hz - BASE_HZ) / STEP_HZ).astype(int)
    on_grid = np.abs(peak_hz - (BASE_HZ + STEP_HZ * seconds)) < STEP_HZ / 4
    heard = on_grid & (level >= _MIN_LEVEL) & (seconds >= 0)
    centres = (np.arange(len(frames)) * hop + window / 2) / SAMPLE_RATE

    tones: list[_Tone] = []
    run_second, run_start, run_end = -1, 0.0, 0.0
    for second, is_heard, centre in zip(seconds, heard, centres, strict=True):
        if is_heard and second == run_second and centre - run_end <= _HOP_SECONDS * 1.5:
            run_end = centre
            continue
        if run_second >= 0 and run_end - run_start >= _STABLE_SECONDS:
            tones.append(_Tone(run_second, run_start, run_end))
        run_second, run_start, run_end = (int(second), centre, centre) if is_heard else (-1, 0, 0)
    if run_second >= 0 and run_end - run_start >= _STABLE_SECONDS:
        tones.append(_Tone(run_second, run_start, run_end))
    return tones


def _decode_head(path: Path, ffmpeg: Path | None) -> Samples:
    decode = ["-i", str(path), "-t", str(_DECODE_SECONDS), "-ac", "1", "-ar", str(SAMPLE_RATE)]
    pcm = _run_ffmpeg(ffmpeg, [*decode, "-f", "s16le", "-"])
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def _run_ffmpeg(ffmpeg: Path | None, arguments: list[str]) -> bytes:
    binary = find_ffmpeg(ffmpeg).ffmpeg
    command = [str(binary), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments]
    result = subprocess.run(command, capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"ffmpeg {' '.join(arguments)}: exit {result.returncode}: {stderr}")
    return result.stdout
