"""Encode a song's renditions from one decode of its original, in one ffmpeg process.

The graph decodes the first audio stream once and `asplit`s it: an MP3 branch resampled to
44.1 kHz feeds `high` (320k), `medium` (128k), `low` (64k) and the 30 s `preview` (128k,
trimmed from the chosen start, 1 s fade-in, 2 s fade-out); an Opus branch at 48 kHz feeds
`efficient` (~96k VBR). Mono stays mono, stereo stays stereo, more channels are downmixed to
stereo. MP3s are CBR (a byte offset maps to a time offset for Range seeks) with a Xing/LAME
info frame, so players know the length and the gapless delay and padding; every output drops
the source's tags, chapters and cover.

Which clients get `efficient`, Opus in WebM:
- Chrome, Edge, Firefox and Opera play it in `<audio>` on desktop and Android, and Android's
  own media stack (MediaPlayer, ExoPlayer) plays Opus in Matroska/WebM since Android 5.
- Safari's WebM audio support arrived piecemeal with Safari 15 and differs by macOS and iOS
  version, and Apple's native players (AVPlayer) do not open WebM; Ogg Opus fails on iOS too.
  So Safari and Apple apps are given `medium` MP3, unless a client reports that it plays
  `audio/webm; codecs="opus"` (canPlayType "probably"). A CAF or MP4 Opus copy for Apple
  would be a sixth file per song for clients that MP3 already serves.

Each RenditionFile's duration is read back from the file it describes: from the MP3's LAME
info frame (frames, encoder delay and padding: sample-exact) or the WebM's Segment Info.
`render_renditions_separately` runs one ffmpeg per rendition with the same filters; it exists
so the benchmark can compare the two.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tonearm.adapters.ffmpeg.locate import FFmpegTool
from tonearm.adapters.ffmpeg.run import (
    FFmpegFailed,
    FFmpegOutOfMemory,
    FFmpegTimeout,
    stream_ffmpeg,
)
from tonearm.ingest.models import IngestError, RenditionFile, RenditionKind

MP3_SAMPLE_RATE = 44100
OPUS_SAMPLE_RATE = 48000
PREVIEW_SECONDS = 30.0
PREVIEW_FADE_IN_SECONDS = 1.0
PREVIEW_FADE_OUT_SECONDS = 2.0
_HEADER_READ_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class _Encoding:
    codec: str
    container: str
    bitrate_kbps: int


ENCODINGS: dict[RenditionKind, _Encoding] = {
    RenditionKind.HIGH: _Encoding("mp3", "mp3", 320),
    RenditionKind.MEDIUM: _Encoding("mp3", "mp3", 128),
    RenditionKind.LOW: _Encoding("mp3", "mp3", 64),
    RenditionKind.EFFICIENT: _Encoding("opus", "webm", 96),
    RenditionKind.PREVIEW: _Encoding("mp3", "mp3", 128),
}


async def render_renditions(
    tool: FFmpegTool,
    source: Path,
    out_dir: Path,
    kinds: Collection[RenditionKind],
    *,
    preview_start_ms: int,
    duration_ms: int,
    limit_seconds: float,
    memory_limit_bytes: int | None,
    threads: int | None = None,
    niceness: int = 0,
) -> dict[RenditionKind, RenditionFile]:
    """Encode `kinds` of `source` into `out_dir` (as `<kind>.mp3` / `<kind>.webm`) at once.

    `duration_ms` is the source's (from analyse_audio); the preview covers the 30 s from
    `preview_start_ms`, or what is left of the song after it. `threads` caps ffmpeg's
    decoder and filter threads (useful when several files are encoded in parallel).
    Raises IngestError when ffmpeg fails, overruns `limit_seconds` or `memory_limit_bytes`;
    nothing is left in `out_dir` then.
    """
    wanted = [kind for kind in RenditionKind if kind in kinds]
    if not wanted:
        return {}
    paths = {kind: out_dir / f"{kind.value}.{ENCODINGS[kind].container}" for kind in wanted}
    args = _render_args(source, paths, preview_start_ms, duration_ms, threads)
    try:
        await stream_ffmpeg(
            tool.ffmpeg,
            args,
            limit_seconds,
            memory_limit_bytes=memory_limit_bytes,
            niceness=niceness,
        )
        return {
            kind: await asyncio.to_thread(_describe, kind, path) for kind, path in paths.items()
        }
    except FFmpegTimeout:
        _remove(paths.values())
        raise IngestError(source, f"ffmpeg took longer than {limit_seconds:g} s") from None
    except FFmpegOutOfMemory as error:
        _remove(paths.values())
        raise IngestError(source, str(error)) from None
    except FFmpegFailed as error:
        _remove(paths.values())
        raise IngestError(source, f"encoding failed ({error})") from None
    except BaseException:
        _remove(paths.values())
        raise


async def render_renditions_separately(
    tool: FFmpegTool,
    source: Path,
    out_dir: Path,
    kinds: Collection[RenditionKind],
    *,
    preview_start_ms: int,
    duration_ms: int,
    limit_seconds: float,
    memory_limit_bytes: int | None,
    threads: int | None = None,
) -> dict[RenditionKind, RenditionFile]:
    """Like render_renditions, but one ffmpeg process (one decode) per rendition, in turn.

    Only the benchmark uses it, to measure what the single-process graph saves.
    """
    files: dict[RenditionKind, RenditionFile] = {}
    for kind in (kind for kind in RenditionKind if kind in kinds):
        files |= await render_renditions(
            tool,
            source,
            out_dir,
            [kind],
            preview_start_ms=preview_start_ms,
            duration_ms=duration_ms,
            limit_seconds=limit_seconds,
            memory_limit_bytes=memory_limit_bytes,
            threads=threads,
        )
    return files


def rendition_args(source: str, kind: RenditionKind, path: Path) -> list[str]:
    """ffmpeg's arguments to encode one full rendition (not the preview) of `source` (a path,
    a URL or `pipe:0`) into `path`: the very options render_renditions uses, so an object
    made on demand is the same as one ingest makes."""
    if kind is RenditionKind.PREVIEW:
        raise ValueError("the preview needs the song's analysis; render_renditions makes it")
    return _render_args(source, {kind: path}, 0, 0, None)


def describe_rendition(kind: RenditionKind, path: Path) -> RenditionFile:
    """What a finished rendition file holds (duration read back from its header); raises
    FFmpegFailed when the file states no duration."""
    return _describe(kind, path)


def _render_args(
    source: Path | str,
    paths: dict[RenditionKind, Path],
    preview_start_ms: int,
    duration_ms: int,
    threads: int | None,
) -> list[str]:
    mp3_kinds = [kind for kind in paths if ENCODINGS[kind].codec == "mp3"]
    branches = (["mp3"] if mp3_kinds else []) + (
        ["opus"] if RenditionKind.EFFICIENT in paths else []
    )
    stereo_at_most = "aformat=channel_layouts=mono|stereo"
    graph = [f"[0:a:0]asplit={len(branches)}" + "".join(f"[{name}]" for name in branches)]
    if mp3_kinds:
        outputs = "".join(f"[{kind.value}]" for kind in mp3_kinds)
        graph.append(
            f"[mp3]aresample={MP3_SAMPLE_RATE},{stereo_at_most},asplit={len(mp3_kinds)}{outputs}"
        )
    if RenditionKind.PREVIEW in paths:
        graph.append(_preview_filter(preview_start_ms, duration_ms))
    if RenditionKind.EFFICIENT in paths:
        graph.append(f"[opus]aresample={OPUS_SAMPLE_RATE},{stereo_at_most}[efficient]")
    args = ["-nostats", "-y"]
    if threads is not None:
        args += ["-threads", str(threads), "-filter_complex_threads", str(threads)]
    args += ["-i", str(source), "-filter_complex", ";".join(graph)]
    for kind, path in paths.items():
        label = "preview_out" if kind is RenditionKind.PREVIEW else kind.value
        args += ["-map", f"[{label}]", *_output_options(kind), str(path)]
    return args


def _preview_filter(preview_start_ms: int, duration_ms: int) -> str:
    start_ms = min(max(preview_start_ms, 0), max(duration_ms - int(PREVIEW_SECONDS * 1000), 0))
    length = min(PREVIEW_SECONDS, max(duration_ms - start_ms, 0) / 1000)
    # A clip of a few seconds (a very short song) gets proportionally shorter fades.
    fade_in = min(PREVIEW_FADE_IN_SECONDS, length / 3)
    fade_out = min(PREVIEW_FADE_OUT_SECONDS, length / 3)
    return (
        f"[preview]atrim=start={start_ms / 1000:.3f}:duration={length:.3f},"
        "asetpts=PTS-STARTPTS,"
        f"afade=t=in:st=0:d={fade_in:.3f},"
        f"afade=t=out:st={length - fade_out:.3f}:d={fade_out:.3f}[preview_out]"
    )


def _output_options(kind: RenditionKind) -> list[str]:
    encoding = ENCODINGS[kind]
    # No tags, chapters or pictures from the source, and no encoder version strings.
    common = ["-vn", "-map_metadata", "-1", "-map_chapters", "-1",
              "-flags:a", "+bitexact", "-fflags", "+bitexact"]  # fmt: skip
    if encoding.codec == "opus":
        return ["-c:a", "libopus", "-b:a", f"{encoding.bitrate_kbps}k", "-vbr", "on",
                *common, "-f", "webm"]  # fmt: skip
    # -b:a without -q:a is CBR in libmp3lame; the Xing/LAME frame carries length and gapless
    # info, and no ID3v2 header is written since there are no tags to put in it.
    return ["-c:a", "libmp3lame", "-b:a", f"{encoding.bitrate_kbps}k", *common,
            "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3"]  # fmt: skip


def _describe(kind: RenditionKind, path: Path) -> RenditionFile:
    encoding = ENCODINGS[kind]
    with path.open("rb") as file:
        head = file.read(_HEADER_READ_BYTES)
    if encoding.container == "mp3":
        seconds = mp3_duration_seconds(head)
    else:
        seconds = webm_duration_seconds(head)
    if seconds is None:
        raise FFmpegFailed(0, "", f"ffmpeg wrote {path.name} without a readable duration")
    return RenditionFile(
        kind=kind,
        path=path,
        codec=encoding.codec,
        container=encoding.container,
        bitrate_kbps=encoding.bitrate_kbps,
        size_bytes=path.stat().st_size,
        duration_ms=round(seconds * 1000),
    )


def _remove(paths: Collection[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_duration_seconds(head: bytes) -> float | None:
    """The playing time an MP3's Xing/Info + LAME frame states, delay and padding removed.

    `head` is the start of the file (no ID3v2 header before the first frame). None when the
    first frame carries no Xing/Info frame count.
    """
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version = (head[1] >> 3) & 3
    rate_index = (head[2] >> 2) & 3
    if version not in _MP3_RATES or rate_index == 3:
        return None
    sample_rate = _MP3_RATES[version][rate_index]
    mono = (head[3] >> 6) & 3 == 3
    mpeg1 = version == 3
    side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    samples_per_frame = 1152 if mpeg1 else 576
    position = 4 + side_info
    if head[position : position + 4] not in (b"Xing", b"Info"):
        return None
    flags = int.from_bytes(head[position + 4 : position + 8], "big")
    position += 8
    if not flags & 1:
        return None
    frames = int.from_bytes(head[position : position + 4], "big")
    position += 4 + (4 if flags & 2 else 0) + (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
    delay = padding = 0
    gapless = head[position + 21 : position + 24]
    if len(gapless) == 3 and head[position : position + 4].isascii():
        delay = (gapless[0] << 4) | (gapless[1] >> 4)
        padding = ((gapless[1] & 0x0F) << 8) | gapless[2]
    return (frames * samples_per_frame - delay - padding) / sample_rate


_SEGMENT = 0x18538067
_INFO = 0x1549A966
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489


def webm_duration_seconds(head: bytes) -> float | None:
    """The Duration in a WebM/Matroska file's Segment Info, in seconds; None when absent.

    `head` is the start of the file: ffmpeg writes Info right after the SeekHead.
    """
    position = 0
    while position < len(head):
        element, body, size = _ebml_element(head, position)
        if element is None:
            return None
        if element == _SEGMENT:
            position = body  # step into the segment: Info is one of its first children
            continue
        if size is None:
            return None
        if element == _INFO:
            return _info_duration(head[body : body + size])
        position = body + size
    return None


def _info_duration(info: bytes) -> float | None:
    scale_ns = 1_000_000
    duration: float | None = None
    position = 0
    while position < len(info):
        element, body, size = _ebml_element(info, position)
        if element is None or size is None:
            break
        value = info[body : body + size]
        if element == _TIMECODE_SCALE:
            scale_ns = int.from_bytes(value, "big")
        elif element == _DURATION and size in (4, 8):
            duration = struct.unpack(">f" if size == 4 else ">d", value)[0]
        position = body + size
    return None if duration is None else duration * scale_ns / 1e9


def _ebml_element(data: bytes, position: int) -> tuple[int | None, int, int | None]:
    """(id, where its body starts, body size or None when unknown) of the element at position."""
    element, after_id = _vint(data, position, keep_marker=True)
    if element is None:
        return None, position, None
    size, body = _vint(data, after_id, keep_marker=False)
    return element, body, size


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int | None, int]:
    if position >= len(data) or data[position] == 0:
        return None, position
    length = 9 - data[position].bit_length()
    raw = data[position : position + length]
    if len(raw) < length:
        return None, position
    value = int.from_bytes(raw, "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return None, position + length  # "unknown size": a live-written segment
    return value, position + length
