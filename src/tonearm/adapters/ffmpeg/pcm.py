"""Reduce decoded PCM as it streams in: identity hash, length, waveform peaks, loudest part.

PcmAnalysis reads the WAV (s16le) that the analysis ffmpeg writes on stdout, chunk by chunk,
in bounded memory whatever the length: a sha256 of the sample bytes, the frame count, min and
max per waveform point and the energy of each second, both of a mono mix. numpy does the
arithmetic; pure Python needed ~3.5 s for a 3-minute stereo track, numpy ~0.1 s.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

PREVIEW_SECONDS = 30
PREVIEW_EDGE_SECONDS = 5  # intros and fade-outs are rarely what represents a song
PREVIEW_TIE_DB = 0.25  # windows whose mean level is this close count as equally loud
WAVEFORM_TARGET_POINTS = 1500
WAVEFORM_MAX_POINTS = 2000
_SILENCE_ENERGY = 1e-9  # -90 dBFS: the floor under per-second energy in decibels

Int32Array = npt.NDArray[np.int32]


class PcmFormatError(Exception):
    """ffmpeg's output is not the WAV stream PcmAnalysis expects."""


def choose_preview_start_seconds(second_energies: npt.NDArray[np.float64]) -> int:
    """The start of the 30 s window with the highest sustained energy, in whole seconds.

    `second_energies` holds the mean square of each full second. A window scores the mean of
    its seconds in decibels, so a sustained loud section beats a short burst. Windows that
    would start in the first or end in the last PREVIEW_EDGE_SECONDS are avoided while the
    track is long enough; of windows within PREVIEW_TIE_DB of the best, the earliest wins.
    A track of 30 s or less starts at 0.
    """
    seconds = len(second_energies)
    if seconds <= PREVIEW_SECONDS:
        return 0
    decibels = 10 * np.log10(np.maximum(second_energies, _SILENCE_ENERGY))
    running = np.concatenate(([0.0], np.cumsum(decibels)))
    scores = running[PREVIEW_SECONDS:] - running[:-PREVIEW_SECONDS]  # index = start second
    slack = seconds - PREVIEW_SECONDS
    edge = min(PREVIEW_EDGE_SECONDS, slack // 2)
    allowed = scores[edge : slack - edge + 1]
    # Near-equal windows (a steady signal, a repeated chorus) go to the earliest.
    good_enough = allowed >= allowed.max() - PREVIEW_TIE_DB * PREVIEW_SECONDS
    return edge + int(np.argmax(good_enough))


class PcmAnalysis:
    """Streams the decoded WAV: hash, frame count, waveform peaks and per-second energy."""

    def __init__(self, declared_seconds: Callable[[], float | None]) -> None:
        self._declared_seconds = declared_seconds
        self._header = bytearray()
        self._in_data = False
        self._leftover = b""  # bytes of an incomplete frame, joined to the next chunk
        self._hash = hashlib.sha256()
        self.channels = 0
        self.sample_rate = 0
        self.frames = 0
        self._peaks = _MinMaxBuckets(1)
        self._energy = _EnergyBuckets(1)

    @property
    def seconds(self) -> float:
        """How much audio has been decoded so far."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of ffmpeg's WAV output (blocking: run it in a thread).

        Raises PcmFormatError when the stream is not the WAV this expects.
        """
        if not self._in_data:
            self._header += chunk
            chunk = self._parse_header()
            if not self._in_data:
                return
        self._hash.update(chunk)
        data = self._leftover + chunk
        usable = len(data) - len(data) % (2 * self.channels)
        self._leftover = data[usable:]
        samples = np.frombuffer(data[:usable], dtype="<i2").reshape(-1, self.channels)
        self.frames += len(samples)
        # The mix, scaled by the channel count. Column by column: numpy's sum over a short
        # axis is several times slower than these whole-array additions.
        mono = samples[:, 0].astype(np.int32)
        for channel in range(1, self.channels):
            mono += samples[:, channel]
        self._peaks.add(mono)
        self._energy.add(mono)

    def _parse_header(self) -> bytes:
        """Read RIFF chunks up to `data`; return the sample bytes after it, if any arrived."""
        header = bytes(self._header)
        if len(header) < 12:
            return b""
        if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            raise PcmFormatError("ffmpeg wrote no WAV header")
        position = 12
        while len(header) >= position + 8:
            kind = header[position : position + 4]
            size = int.from_bytes(header[position + 4 : position + 8], "little")
            if kind == b"data":
                self._start_data()
                return header[position + 8 :]
            if len(header) < position + 8 + size:
                return b""
            if kind == b"fmt ":
                fmt = header[position + 8 : position + 8 + size]
                self.channels = int.from_bytes(fmt[2:4], "little")
                self.sample_rate = int.from_bytes(fmt[4:8], "little")
            position += 8 + size + size % 2
        return b""

    def _start_data(self) -> None:
        if self.channels < 1 or self.sample_rate < 1:
            raise PcmFormatError("ffmpeg's WAV header states no channels or sample rate")
        self._in_data = True
        self._header.clear()
        declared = self._declared_seconds()
        expected_frames = declared * self.sample_rate if declared else None
        # Knowing the length, aim straight at the target; else start fine and coarsen.
        samples_per_point = (
            max(1, math.ceil(expected_frames / WAVEFORM_TARGET_POINTS))
            if expected_frames
            else max(1, self.sample_rate // 100)
        )
        self._peaks = _MinMaxBuckets(samples_per_point)
        self._energy = _EnergyBuckets(self.sample_rate)

    def hash_hex(self) -> str:
        """sha256 of the decoded sample bytes, hex."""
        return self._hash.hexdigest()

    def second_energies(self) -> npt.NDArray[np.float64]:
        """Mean square of the mono mix for each full second, full scale = 1.0."""
        scale = float(self.channels * 32768) ** 2
        return self._energy.mean_squares() / scale

    def waveform(self) -> dict[str, object]:
        """Peaks of the mono mix in the audiowaveform JSON format (version 2, 8 bits)."""
        mins, maxs, samples_per_point = self._peaks.result(WAVEFORM_MAX_POINTS)
        divisor = self.channels * 256  # channel average, then 16 bits down to 8
        pairs = np.empty(2 * len(mins), dtype=np.int64)
        pairs[0::2] = np.floor_divide(mins, divisor)
        pairs[1::2] = np.floor_divide(maxs, divisor)
        return {
            "version": 2,
            "channels": 1,
            "sample_rate": self.sample_rate,
            "samples_per_pixel": samples_per_point,
            "bits": 8,
            "length": len(mins),
            "data": np.clip(pairs, -128, 127).tolist(),
        }


class _MinMaxBuckets:
    """Min and max per bucket of samples; halves its resolution when it grows too long."""

    _COARSEN_AT = 2 * WAVEFORM_MAX_POINTS

    def __init__(self, size: int) -> None:
        self.size = size
        self._mins: list[Int32Array] = []
        self._maxs: list[Int32Array] = []
        self._count = 0
        self._partial: Int32Array = np.empty(0, dtype=np.int32)  # samples of an open bucket

    def add(self, samples: Int32Array) -> None:
        """Take the next samples."""
        data = np.concatenate((self._partial, samples)) if len(self._partial) else samples
        whole = len(data) // self.size * self.size
        if whole:
            buckets = data[:whole].reshape(-1, self.size)
            self._mins.append(buckets.min(axis=1))
            self._maxs.append(buckets.max(axis=1))
            self._count += len(buckets)
        self._partial = data[whole:].copy()
        while self._count > self._COARSEN_AT:
            self._coarsen()

    def _coarsen(self) -> None:
        mins, maxs = np.concatenate(self._mins), np.concatenate(self._maxs)
        if len(mins) % 2:
            # The odd last bucket goes back to being open. Its samples are gone, so a
            # stand-in of the same length holding its min and max takes their place: the
            # wider bucket it ends up in gets the same extremes and the same alignment.
            stand_in = np.full(self.size, maxs[-1], dtype=np.int32)
            stand_in[0] = mins[-1]
            self._partial = np.concatenate((stand_in, self._partial))
            mins, maxs = mins[:-1], maxs[:-1]
        self._mins = [np.minimum(mins[0::2], mins[1::2])]
        self._maxs = [np.maximum(maxs[0::2], maxs[1::2])]
        self._count = len(self._mins[0])
        self.size *= 2

    def result(self, max_points: int) -> tuple[Int32Array, Int32Array, int]:
        """(mins, maxs, samples per point) with at most `max_points` points."""
        mins = np.concatenate([*self._mins, np.empty(0, dtype=np.int32)])
        maxs = np.concatenate([*self._maxs, np.empty(0, dtype=np.int32)])
        if len(self._partial):
            mins = np.append(mins, self._partial.min()).astype(np.int32)
            maxs = np.append(maxs, self._partial.max()).astype(np.int32)
        size = self.size
        while len(mins) > max_points:
            if len(mins) % 2:
                mins, maxs = np.append(mins, mins[-1]), np.append(maxs, maxs[-1])
            mins = np.minimum(mins[0::2], mins[1::2])
            maxs = np.maximum(maxs[0::2], maxs[1::2])
            size *= 2
        return mins, maxs, size


class _EnergyBuckets:
    """Sum of squares per bucket of `size` samples (one second)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._sums: list[npt.NDArray[np.float64]] = []
        self._partial: Int32Array = np.empty(0, dtype=np.int32)

    def add(self, samples: Int32Array) -> None:
        """Take the next samples."""
        data = np.concatenate((self._partial, samples)) if len(self._partial) else samples
        whole = len(data) // self.size * self.size
        if whole:
            buckets = data[:whole].reshape(-1, self.size).astype(np.float64)
            self._sums.append(np.einsum("ij,ij->i", buckets, buckets))
        self._partial = data[whole:].copy()

    def mean_squares(self) -> npt.NDArray[np.float64]:
        """Mean square of each full bucket; an unfinished last one is left out."""
        if not self._sums:
            return np.empty(0, dtype=np.float64)
        return np.concatenate(self._sums) / self.size
