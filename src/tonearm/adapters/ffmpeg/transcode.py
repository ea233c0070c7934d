"""Transcode while sending: ffmpeg writes the encoded stream to a pipe we read in 64 KiB chunks.

The process is killed when the reader stops (client gone: the iterator is closed) or when it
overruns its time; its stdin, when the source comes from object storage without a URL, is
fed by a task from the store's byte stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from tonearm.adapters.ffmpeg.locate import FFmpegTool, find_ffmpeg
from tonearm.adapters.ffmpeg.run import FFmpegFailed, FFmpegTimeout
from tonearm.library.paths import text_to_path
from tonearm.streaming.delivery import Remux, Transcode, TranscodeCodec
from tonearm.streaming.transcoding import SourceUnreadable, TranscodeInput

CHUNK_BYTES = 64 * 1024
_STDERR_LINES_KEPT = 20

# Encoder options by codec: MP3 is CBR at 44.1 kHz (MP3 has no 96 kHz), without the Xing
# frame a pipe cannot go back to fill in; Opus in Ogg at 48 kHz; AAC in ADTS, which needs no
# index and so streams from the first byte.
_ENCODERS: dict[TranscodeCodec, list[str]] = {
    TranscodeCodec.MP3: ["-c:a", "libmp3lame", "-ar", "44100", "-write_xing", "0", "-f", "mp3"],
    TranscodeCodec.OPUS: ["-c:a", "libopus", "-ar", "48000", "-f", "ogg"],
    TranscodeCodec.AAC: ["-c:a", "aac", "-f", "adts"],
}


def transcode_args(job: Transcode | Remux, source: TranscodeInput) -> list[str]:
    """ffmpeg's arguments for `job`, reading `source`, writing to stdout."""
    if source.path is not None:
        where = str(text_to_path(source.path))  # the stored text's exact bytes
    elif source.url is not None:
        where = source.url
    else:
        where = "pipe:0"
    if isinstance(job, Remux):
        # The stored Opus packets into Ogg as they are: no decode, no encode.
        return [
            *("-loglevel", "error", "-i", where, "-map", "0:a:0", "-vn"),
            *("-map_metadata", "-1", "-c:a", "copy", "-f", "ogg", "pipe:1"),
        ]
    # Before -i: seek the input (decoding from there, sample-accurate), not the output.
    seek = ["-ss", f"{job.offset_seconds:.3f}"] if job.offset_seconds > 0 else []
    return [
        "-loglevel",
        "error",
        *seek,
        "-i",
        where,
        "-map",
        "0:a:0",
        "-vn",
        "-map_metadata",
        "-1",
        *_ENCODERS[job.codec],
        "-b:a",
        f"{job.bitrate_kbps}k",
        "pipe:1",
    ]


class FFmpegTranscoder:
    """Transcoder on an ffmpeg subprocess (found on first use)."""

    def __init__(self, configured: Path | None, limit_seconds: float) -> None:
        self._configured = configured
        self._tool: FFmpegTool | None = None
        self._limit_seconds = limit_seconds

    def _ffmpeg(self) -> Path:
        if self._tool is None:
            self._tool = find_ffmpeg(self._configured)
        return self._tool.ffmpeg

    async def transcode(
        self, job: Transcode | Remux, source: TranscodeInput
    ) -> AsyncGenerator[bytes, None]:
        """The encoded bytes as ffmpeg makes them. Raises SourceUnreadable when ffmpeg fails
        before its first byte (the source has no audio it can read), FFmpegFailed when it
        fails later (named with its last stderr line), FFmpegTimeout; closing the iterator
        kills ffmpeg."""
        deadline = time.monotonic() + self._limit_seconds
        proc = await asyncio.create_subprocess_exec(
            str(self._ffmpeg()),
            "-hide_banner",
            *transcode_args(job, source),
            stdin=asyncio.subprocess.PIPE
            if source.chunks is not None
            else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        stderr_tail: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
        tasks = [asyncio.create_task(_keep_stderr(proc.stderr, stderr_tail))]
        if source.chunks is not None:
            assert proc.stdin is not None
            tasks.append(asyncio.create_task(_feed(proc.stdin, source.chunks)))
        sent = False
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise FFmpegTimeout(self._limit_seconds)
                try:
                    chunk = await asyncio.wait_for(proc.stdout.read(CHUNK_BYTES), remaining)
                except TimeoutError:
                    raise FFmpegTimeout(self._limit_seconds) from None
                if not chunk:
                    break
                sent = True
                yield chunk
            returncode = await asyncio.wait_for(proc.wait(), max(0.1, deadline - time.monotonic()))
            await asyncio.gather(*tasks, return_exceptions=True)
            if returncode != 0:
                stderr = "\n".join(stderr_tail)
                if source.url is not None:
                    # A presigned URL is a credential: keep it out of messages and logs.
                    stderr = stderr.replace(source.url, "<source>")
                failure = FFmpegFailed(returncode, stderr)
                if not sent:
                    raise SourceUnreadable(str(failure)) from failure
                raise failure
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _keep_stderr(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    with contextlib.suppress(ValueError):  # a line over the reader's limit: stop keeping
        while line := await stream.readline():
            tail.append(line.decode(errors="replace").rstrip())


async def _feed(stdin: asyncio.StreamWriter, chunks: AsyncIterator[bytes]) -> None:
    # ffmpeg may stop reading early (an offset, an error): a closed pipe ends the feed.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        try:
            async for chunk in chunks:
                stdin.write(chunk)
                await stdin.drain()
        finally:
            stdin.close()
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


__all__ = ["FFmpegTranscoder", "transcode_args"]
