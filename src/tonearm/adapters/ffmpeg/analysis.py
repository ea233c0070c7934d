"""Decode a file once and learn what ingest needs from it: identity, length, loudness, shape.

One ffmpeg process decodes the first audio stream once; `asplit` feeds three outputs:

1. the PCM as WAV on stdout: s16le at the source's own sample rate and channel count, which
   PcmAnalysis (pcm.py) hashes (the audio identity: a retagged or moved copy, or a FLAC and
   its 16-bit WAV, hash alike), counts (the duration) and reduces to waveform peaks and the
   per-second energy that places the preview;
2. the `ebur128` filter into the null muxer: integrated loudness, true peak and sample peak,
   read from the summary it prints on stderr;
3. the `chromaprint` muxer over the first 120 s (what AcoustID's fpcalc hashes) into a file,
   when the ffmpeg build has that muxer (Debian's and the pip one do; else no fingerprint);
4. when the caller asks (`analysis_pcm`: audio analysis is on), mono float32 PCM at
   ANALYSIS_SAMPLE_RATE into that file, what the analyser reads: no second decode.

Codec and bitrate come from ffmpeg's description of the input on stderr (decode_report.py);
no ffprobe is needed, so the imageio-ffmpeg binary works as well as the system one.

Bad files become IngestError with a reason a person can act on. A truncated file whose header
declares its length (FLAC, WAV, MP4, Ogg, MP3 with a Xing header) is rejected when the decode
comes up more than a second short: importing the part that decodes would keep a song that stops
mid-way. A file without such a header (a raw MP3 stream) keeps what decodes, since nothing
tells how long it was meant to be.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import BinaryIO

from tonearm.adapters.ffmpeg.decode_report import DecodeReport
from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.mp3_frames import read_cbr_mp3_kbps
from tonearm.adapters.ffmpeg.pcm import PcmAnalysis, PcmFormatError, choose_preview_start_seconds
from tonearm.adapters.ffmpeg.run import (
    FFmpegFailed,
    FFmpegOutOfMemory,
    FFmpegTimeout,
    run_ffmpeg,
    stream_ffmpeg,
)
from tonearm.analysis.models import ANALYSIS_SAMPLE_RATE
from tonearm.ingest.models import AudioAnalysis, IngestError

FINGERPRINT_SECONDS = 120
# A header-declared length this much longer than what decodes means a truncated file.
TRUNCATION_TOLERANCE_SECONDS = 1.0
TRUNCATION_TOLERANCE_RATIO = 0.01
_MP4_MOOV_MAX_BYTES = 64 << 20

# Which ffmpeg binaries have the chromaprint muxer (Debian's and the pip one do; a build
# configured without it would otherwise fail every analysis). Asked once per binary.
_CHROMAPRINT_SUPPORT: dict[Path, bool] = {}


async def analyse_audio(
    tool: FFmpegTool,
    source: Path,
    *,
    max_duration_seconds: float,
    limit_seconds: float,
    memory_limit_bytes: int | None,
    niceness: int = 0,
    analysis_pcm: Path | None = None,
) -> AudioAnalysis:
    """Decode `source` once: audio hash, duration, loudness, waveform, fingerprint, preview;
    with `analysis_pcm`, the analyser's PCM (mono float32 little-endian at
    ANALYSIS_SAMPLE_RATE, headerless) is written to that file as well.

    Raises IngestError for an empty, non-audio, DRM-protected, truncated or corrupt file, one
    longer than `max_duration_seconds` (stopped as soon as that shows, usually from the
    header), and when ffmpeg runs past `limit_seconds` or out of `memory_limit_bytes`.
    """
    await asyncio.to_thread(_check_container, source)
    report = DecodeReport(source)
    pcm = PcmAnalysis(lambda: report.declared_seconds)

    def on_stderr_line(line: str) -> None:
        report.add_line(line)
        declared = report.declared_seconds
        if declared is not None and declared > max_duration_seconds:
            raise _TooLong(max_duration_seconds, f"header: {_describe_seconds(declared)}")

    async def on_stdout(chunk: bytes) -> None:
        await asyncio.to_thread(pcm.feed, chunk)
        if pcm.seconds > max_duration_seconds:
            raise _TooLong(
                max_duration_seconds, f"decoding passed {_describe_limit(max_duration_seconds)}"
            )

    fingerprints = await _supports_chromaprint(tool)
    with tempfile.TemporaryDirectory(prefix="tonearm-analysis-") as tmp:
        report.ignore_path(Path(tmp))
        fingerprint_path = Path(tmp) / "fingerprint.txt" if fingerprints else None
        try:
            await stream_ffmpeg(
                tool.ffmpeg,
                _analysis_args(source, fingerprint_path, analysis_pcm),
                limit_seconds,
                on_stdout=on_stdout,
                on_stderr_line=on_stderr_line,
                memory_limit_bytes=memory_limit_bytes,
                niceness=niceness,
            )
        except _TooLong as error:
            raise IngestError(source, error.reason) from None
        except FFmpegTimeout:
            raise IngestError(source, f"ffmpeg took longer than {limit_seconds:g} s") from None
        except FFmpegOutOfMemory as error:
            raise IngestError(source, str(error)) from None
        except (FFmpegFailed, PcmFormatError):
            raise IngestError(source, report.failure_reason()) from None
        fingerprint = (
            await asyncio.to_thread(_read_fingerprint, fingerprint_path)
            if fingerprint_path is not None
            else None
        )
    if pcm.frames == 0:
        raise IngestError(source, report.failure_reason())
    if report.drm_evidence is not None and (
        # An encrypted stream decodes to noise of full length: its codec tag decides. A
        # message decides only when audio is missing: a decode that gave it all is not DRM.
        report.drm_in_stream or not _is_complete(report.declared_seconds, pcm.seconds)
    ):
        raise IngestError(source, report.failure_reason())
    _check_complete(source, report.declared_seconds, pcm.seconds)
    cbr_kbps = None
    if (report.codec or "").startswith("mp3"):
        cbr_kbps = await asyncio.to_thread(read_cbr_mp3_kbps, source)
    return AudioAnalysis(
        audio_hash=pcm.hash_hex(),
        duration_ms=round(pcm.seconds * 1000),
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
        cbr_mp3_kbps=cbr_kbps,
    )


def _analysis_args(
    source: Path, fingerprint_path: Path | None, analysis_pcm: Path | None = None
) -> list[str]:
    branches = 2 + (fingerprint_path is not None) + (analysis_pcm is not None)
    graph = [
        f"[0:a:0]asplit={branches}[whole][loudness]"
        + ("[print]" if fingerprint_path else "")
        + ("[features]" if analysis_pcm else ""),
        # Frames of 64 Ki samples reach the pipe in big writes: Python's cost is per read,
        # and decoders' own frames (a few KiB) halved its speed. p=0: no padding at the end.
        "[whole]asetnsamples=n=65536:p=0[pcm]",
        # framelog=verbose keeps the ten-a-second measurement lines off stderr.
        "[loudness]ebur128=peak=true+sample:framelog=verbose[measured]",
    ]
    outputs = [
        # WAV rather than bare s16le: its header states the rate and channel count exactly.
        "-map", "[pcm]", "-map_metadata", "-1", "-c:a", "pcm_s16le",
        "-flags", "+bitexact", "-fflags", "+bitexact", "-f", "wav", "pipe:1",
        "-map", "[measured]", "-map_metadata", "-1", "-f", "null", "-",
    ]  # fmt: skip
    if fingerprint_path is not None:
        graph.append(
            f"[print]atrim=end={FINGERPRINT_SECONDS},"
            "aformat=sample_fmts=s16:channel_layouts=mono|stereo[fingerprint]"
        )
        outputs += ["-map", "[fingerprint]", "-map_metadata", "-1", "-f", "chromaprint",
                    "-fp_format", "base64", str(fingerprint_path)]  # fmt: skip
    if analysis_pcm is not None:
        graph.append(
            f"[features]aresample={ANALYSIS_SAMPLE_RATE},"
            "aformat=sample_fmts=flt:channel_layouts=mono[analysed]"
        )
        outputs += ["-map", "[analysed]", "-map_metadata", "-1", "-c:a", "pcm_f32le",
                    "-f", "f32le", "-y", str(analysis_pcm)]  # fmt: skip
    return ["-nostats", "-i", str(source), "-filter_complex", ";".join(graph), *outputs]


async def _supports_chromaprint(tool: FFmpegTool) -> bool:
    known = _CHROMAPRINT_SUPPORT.get(tool.ffmpeg)
    if known is None:
        try:
            help_text = await run_ffmpeg(tool.ffmpeg, ["-h", "muxer=chromaprint"], 30)
        except (FFmpegFailed, FFmpegTimeout):
            return False  # not remembered: it may be a passing fault
        known = _CHROMAPRINT_SUPPORT[tool.ffmpeg] = b"Muxer chromaprint" in help_text
    return known


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


def _is_complete(declared: float | None, decoded_seconds: float) -> bool:
    """Whether the decode gave the length the header declares (True when none is declared)."""
    if declared is None:
        return True
    tolerance = max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO)
    return decoded_seconds >= declared - tolerance


def _check_complete(source: Path, declared: float | None, decoded_seconds: float) -> None:
    if declared is not None and not _is_complete(declared, decoded_seconds):
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
    """Raised from a stream callback to stop ffmpeg as soon as a file shows it is over-long."""

    def __init__(self, max_duration_seconds: float, seen: str) -> None:
        super().__init__(seen)
        self.reason = f"longer than the {_describe_limit(max_duration_seconds)} maximum ({seen})"
