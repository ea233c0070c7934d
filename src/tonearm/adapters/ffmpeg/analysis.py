"""Decode a file once and learn what ingest needs from it: identity, length, loudness, shape.

One ffmpeg process decodes the first audio stream once; `asplit` feeds three outputs:

1. the PCM as WAV on stdout: s16le at the source's own sample rate and channel count. Python
   hashes the sample bytes (the audio identity: a retagged or moved copy, or a FLAC and its
   16-bit WAV, hash alike), counts them (the duration) and reduces a mono mix of them to
   waveform peaks and per-second energy (numpy: pure Python took ~3.5 s for a 3-minute track);
2. the `ebur128` filter into the null muxer: integrated loudness, true peak and sample peak,
   read from the summary it prints on stderr;
3. the `chromaprint` muxer over the first 120 s (what AcoustID's fpcalc hashes) into a file.

Codec and bitrate come from ffmpeg's description of the input on stderr; no ffprobe is needed,
so the imageio-ffmpeg binary works as well as the system one.

Bad files become IngestError with a reason a person can act on. A truncated file whose header
declares its length (FLAC, WAV, MP4, Ogg, MP3 with a Xing header) is rejected when the decode
comes up more than a second short: importing the part that decodes would keep a song that stops
mid-way. A file without such a header (a raw MP3 stream) keeps what decodes, since nothing
tells how long it was meant to be.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.run import (
    FFmpegFailed,
    FFmpegOutOfMemory,
    FFmpegTimeout,
    stream_ffmpeg,
)
from tonearm.ingest.models import AudioAnalysis, IngestError

FINGERPRINT_SECONDS = 120
PREVIEW_SECONDS = 30
PREVIEW_EDGE_SECONDS = 5  # intros and fade-outs are rarely what represents a song
PREVIEW_TIE_DB = 0.25  # windows whose mean level is this close count as equally loud
WAVEFORM_TARGET_POINTS = 1500
WAVEFORM_MAX_POINTS = 2000
# A header-declared length this much longer than what decodes means a truncated file.
TRUNCATION_TOLERANCE_SECONDS = 1.0
TRUNCATION_TOLERANCE_RATIO = 0.01
_MP4_MOOV_MAX_BYTES = 64 << 20
_SILENCE_ENERGY = 1e-9  # -90 dBFS: the floor under per-second energy in decibels

Int32Array = npt.NDArray[np.int32]


async def analyse_audio(
    tool: FFmpegTool,
    source: Path,
    *,
    max_duration_seconds: float,
    limit_seconds: float,
    memory_limit_bytes: int | None,
) -> AudioAnalysis:
    """Decode `source` once: audio hash, duration, loudness, waveform, fingerprint, preview.

    Raises IngestError for an empty, non-audio, DRM-protected, truncated or corrupt file, one
    longer than `max_duration_seconds` (stopped as soon as that shows, usually from the
    header), and when ffmpeg runs past `limit_seconds` or out of `memory_limit_bytes`.
    """
    await asyncio.to_thread(_check_container, source)
    report = _DecodeReport(source, max_duration_seconds)
    pcm = _PcmAnalysis(max_duration_seconds, report.header_duration_seconds)
    with tempfile.TemporaryDirectory(prefix="tonearm-analysis-") as tmp:
        fingerprint_path = Path(tmp) / "fingerprint.txt"
        try:
            await stream_ffmpeg(
                tool.ffmpeg,
                _analysis_args(source, fingerprint_path),
                limit_seconds,
                on_stdout=pcm.feed_in_thread,
                on_stderr_line=report.add_line,
                memory_limit_bytes=memory_limit_bytes,
            )
        except _TooLong as error:
            raise IngestError(source, error.reason) from None
        except FFmpegTimeout:
            raise IngestError(source, f"ffmpeg took longer than {limit_seconds:g} s") from None
        except FFmpegOutOfMemory as error:
            raise IngestError(source, str(error)) from None
        except FFmpegFailed:
            raise IngestError(source, report.failure_reason()) from None
        fingerprint = await asyncio.to_thread(_read_fingerprint, fingerprint_path)
    if report.drm_evidence is not None or pcm.frames == 0:
        raise IngestError(source, report.failure_reason())
    duration_seconds = pcm.frames / pcm.sample_rate
    _check_complete(source, report, duration_seconds)
    return AudioAnalysis(
        audio_hash=pcm.hash_hex(),
        duration_ms=round(duration_seconds * 1000),
        codec=report.codec or "unknown",
        sample_rate=pcm.sample_rate,
        channels=pcm.channels,
        bitrate_kbps=report.bitrate_kbps,
        loudness_lufs=report.loudness_lufs,
        true_peak_dbfs=report.true_peak_dbfs,
        sample_peak=report.sample_peak,
        preview_start_ms=choose_preview_start_seconds(pcm.second_energies()) * 1000,
        waveform=pcm.waveform(),
        fingerprint=fingerprint,
    )


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


def _analysis_args(source: Path, fingerprint_path: Path) -> list[str]:
    graph = (
        "[0:a:0]asplit=3[pcm][loudness][print];"
        # framelog=verbose keeps the ten-a-second measurement lines off stderr.
        "[loudness]ebur128=peak=true+sample:framelog=verbose[measured];"
        f"[print]atrim=end={FINGERPRINT_SECONDS},"
        "aformat=sample_fmts=s16:channel_layouts=mono|stereo[fingerprint]"
    )
    return [
        "-nostats",
        "-i", str(source),
        "-filter_complex", graph,
        "-map_metadata", "-1",
        # WAV rather than bare s16le: its header states the rate and channel count exactly.
        "-map", "[pcm]", "-c:a", "pcm_s16le", "-flags", "+bitexact", "-fflags", "+bitexact",
        "-f", "wav", "pipe:1",
        "-map", "[measured]", "-f", "null", "-",
        "-map", "[fingerprint]", "-f", "chromaprint", "-fp_format", "base64",
        str(fingerprint_path),
    ]  # fmt: skip


def _read_fingerprint(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace").strip()
    except FileNotFoundError:
        return None
    return text or None


def _check_container(source: Path) -> None:
    """Reject an empty file, and an MP4 whose sample entries are encrypted (DRM)."""
    with source.open("rb") as file:
        head = file.read(12)
        if not head:
            raise IngestError(source, "empty file (0 bytes)")
        if head[4:8] == b"ftyp" and _mp4_is_protected(file):
            raise IngestError(source, "DRM-protected (encrypted MP4 audio)")


def _mp4_is_protected(file: BinaryIO) -> bool:
    """Whether the MP4's moov box holds a `sinf` box: protection info of a sample entry.

    ffmpeg unwraps `enca` to the plain codec name and then decodes noise, so look ourselves.
    """
    offset = 0
    for _ in range(1000):  # top-level boxes are few; a corrupt file must not loop forever
        file.seek(offset)
        header = file.read(16)
        if len(header) < 8:
            return False
        size = int.from_bytes(header[:4], "big")
        kind = header[4:8]
        body = 8
        if size == 1 and len(header) == 16:
            size, body = int.from_bytes(header[8:16], "big"), 16
        if kind == b"moov":
            file.seek(offset + body)
            length = _MP4_MOOV_MAX_BYTES if size == 0 else min(size - body, _MP4_MOOV_MAX_BYTES)
            return b"sinf" in file.read(length)
        if size < body:
            return False
        offset += size
    return False


def _check_complete(source: Path, report: _DecodeReport, decoded_seconds: float) -> None:
    declared = report.header_duration_seconds()
    if declared is None or report.duration_estimated:
        return
    tolerance = max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO)
    if decoded_seconds < declared - tolerance:
        raise IngestError(
            source,
            f"truncated or corrupt: {_describe_seconds(decoded_seconds)} of audio decode, "
            f"the header declares {_describe_seconds(declared)}",
        )


def _describe_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _describe_limit(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


class _TooLong(Exception):
    """Raised from a callback to stop ffmpeg as soon as a file shows it is over-long."""

    def __init__(self, max_duration_seconds: float, seen: str) -> None:
        super().__init__(seen)
        self.reason = f"longer than the {_describe_limit(max_duration_seconds)} maximum ({seen})"


_DURATION = re.compile(r"^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_CONTAINER_BITRATE = re.compile(r"bitrate: (\d+) kb/s")
_AUDIO_STREAM = re.compile(r"^\s+Stream #0:\d+\S*: Audio: (.+)$")
_ANY_STREAM = re.compile(r"^\s+Stream #0:\d+\S*: (\w+): ")
_STREAM_BITRATE = re.compile(r"(\d+) kb/s")
_INPUT = re.compile(r"^Input #0, (.+?), from ")
_LOG_PREFIX = re.compile(r"^(\[[^\]]+\]\s*)+")
_SUMMARY_VALUE = re.compile(r"^\s+(I|Peak):\s+(-?(?:\d+(?:\.\d+)?|inf))\s")
_DRM_WORDS = ("drm", "encrypt", "decrypt", "protected", "activation_bytes")
_DRM_CODEC_TAGS = ("drms", "drmi", "enca", "p608")
_INVALID_DATA = "Invalid data found when processing input"


class _DecodeReport:
    """What ffmpeg says on stderr: the input, its length, the loudness summary, the errors."""

    def __init__(self, source: Path, max_duration_seconds: float) -> None:
        self._source_text = str(source)
        self._max_duration_seconds = max_duration_seconds
        self._in_input = False
        self._duration: float | None = None
        self._container_bitrate: int | None = None
        self._stream_bitrate: int | None = None
        self._peak_kind = ""
        self.input_format: str | None = None
        self.codec: str | None = None
        self.stream_kinds: list[str] = []
        self.duration_estimated = False
        self.misdetection: str | None = None
        self.drm_evidence: str | None = None
        self.loudness_lufs: float | None = None
        self.true_peak_dbfs: float | None = None
        self.sample_peak: float | None = None
        self._messages: deque[str] = deque(maxlen=50)

    def header_duration_seconds(self) -> float | None:
        """The length the input's header declares, if ffmpeg printed one."""
        return self._duration

    @property
    def bitrate_kbps(self) -> int | None:
        """The audio stream's bitrate, else the whole file's (FLAC and WAV state only that)."""
        return self._stream_bitrate or self._container_bitrate

    def add_line(self, line: str) -> None:
        """Take one stderr line; raises _TooLong when the header shows an over-long file."""
        if not line.strip():
            return
        indented = line[0].isspace()
        if not indented:
            self._in_input = bool(_INPUT.match(line))
            self._add_message(line)
            return
        if self._in_input:
            self._add_input_line(line)
        else:
            self._add_summary_line(line)

    def _add_message(self, line: str) -> None:
        if match := _INPUT.match(line):
            self.input_format = match.group(1)
            return
        if "Summary:" in line and "ebur128" in line:
            # ffmpeg 5.1 prints an empty summary while it sets the graph up; the last counts.
            self.loudness_lufs = self.true_peak_dbfs = self.sample_peak = None
            return
        if "Estimating duration from bitrate" in line:
            self.duration_estimated = True
        text = _LOG_PREFIX.sub("", line.replace(self._source_text, "")).strip()
        if "detected only with low score" in line:
            # Only the file name made ffmpeg try this format: the likeliest cause of
            # whatever error follows, and the clearer one to report.
            self.misdetection = text
        lowered = text.lower()
        if self.drm_evidence is None and any(word in lowered for word in _DRM_WORDS):
            self.drm_evidence = text
        self._messages.append(text)

    def _add_input_line(self, line: str) -> None:
        if match := _DURATION.match(line):
            hours, minutes, seconds = match.groups()
            self._duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            if bitrate := _CONTAINER_BITRATE.search(line):
                self._container_bitrate = int(bitrate.group(1))
            if self._duration > self._max_duration_seconds and not self.duration_estimated:
                raise _TooLong(
                    self._max_duration_seconds, f"header: {_describe_seconds(self._duration)}"
                )
        elif match := _AUDIO_STREAM.match(line):
            details = match.group(1)
            if self.codec is None:
                self.codec = details.split(",")[0].split(" ")[0]
                if bitrate := _STREAM_BITRATE.search(details):
                    self._stream_bitrate = int(bitrate.group(1))
            if self.drm_evidence is None and any(
                f"({tag} " in details.lower() for tag in _DRM_CODEC_TAGS
            ):
                self.drm_evidence = f"stream {details.split(',')[0]}"
        if match := _ANY_STREAM.match(line):
            self.stream_kinds.append(match.group(1).lower())

    def _add_summary_line(self, line: str) -> None:
        stripped = line.strip()
        if stripped in ("True peak:", "Sample peak:"):
            self._peak_kind = stripped
            return
        match = _SUMMARY_VALUE.match(line)
        if match is None:
            return
        name, value = match.group(1), float(match.group(2))
        if name == "I":
            # -70 LUFS is the absolute gate: no block was loud enough to measure.
            self.loudness_lufs = value if value > -70.0 else None
        elif self._peak_kind == "True peak:":
            self.true_peak_dbfs = value if math.isfinite(value) else None
        elif self._peak_kind == "Sample peak:":
            self.sample_peak = 10 ** (value / 20) if math.isfinite(value) else 0.0

    def failure_reason(self) -> str:
        """Why the decode gave no usable audio, in words a person can act on."""
        if self.drm_evidence is not None:
            return f"DRM-protected (ffmpeg: {self.drm_evidence})"
        if self.input_format is None:
            return f"not audio (ffmpeg: {self._main_error()})"
        if "audio" not in self.stream_kinds:
            found = ", ".join(self.stream_kinds) or "no streams"
            return f"not audio (ffmpeg: no audio stream in {self.input_format} input: {found})"
        if self.misdetection is not None:
            return f"not audio (ffmpeg: {self._main_error()})"
        return f"no decodable audio: truncated or corrupt (ffmpeg: {self._main_error()})"

    def _main_error(self) -> str:
        messages = list(self._messages)
        if any(_INVALID_DATA in message for message in messages):
            return _INVALID_DATA
        if self.misdetection is not None:
            return self.misdetection
        for message in reversed(messages):
            lowered = message.lower()
            if any(word in lowered for word in ("error", "invalid", "fail", "missing", "no ")):
                return message.removeprefix(":").strip()
        return messages[-1] if messages else "no output"


class _PcmAnalysis:
    """Streams the decoded WAV: hash, frame count, waveform peaks and per-second energy."""

    def __init__(
        self, max_duration_seconds: float, declared_seconds: Callable[[], float | None]
    ) -> None:
        self._max_duration_seconds = max_duration_seconds
        self._declared_seconds = declared_seconds
        self._header = bytearray()
        self._in_data = False
        self._leftover = b""  # bytes of an incomplete frame, joined to the next chunk
        self._hash = hashlib.sha256()
        self.channels = 0
        self.sample_rate = 0
        self.frames = 0
        self._max_frames = 0
        self._peaks = _MinMaxBuckets(1)
        self._energy = _EnergyBuckets(1)

    async def feed_in_thread(self, chunk: bytes) -> None:
        """Take the next stdout chunk, off the event loop."""
        await asyncio.to_thread(self.feed, chunk)

    def feed(self, chunk: bytes) -> None:
        """Take the next stdout chunk; raises _TooLong past the maximum duration."""
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
        if self.frames > self._max_frames:
            raise _TooLong(
                self._max_duration_seconds,
                f"decoding passed {_describe_limit(self._max_duration_seconds)}",
            )
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
            raise FFmpegFailed(-1, "ffmpeg wrote no WAV header")
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
            raise FFmpegFailed(-1, "ffmpeg's WAV header states no channels or sample rate")
        self._in_data = True
        self._header.clear()
        self._max_frames = math.floor(self._max_duration_seconds * self.sample_rate)
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
