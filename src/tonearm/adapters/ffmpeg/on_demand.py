"""One rendition encoded into a file that others read while it grows (streaming/on_demand.py).

The arguments are ingest's (renditions.rendition_args), so the stored object is the same
file ingest would make: CBR MP3 with its Xing/LAME frame, or Opus in WebM. ffmpeg writes the
file front to back and, at the end, goes back to fill in the header (the MP3's frame count
and gapless padding, the WebM's duration and cues): readers that followed it got a playable
stream with a provisional header, the stored file has the final one. ffmpeg runs at normal
CPU priority: on-demand encodes have a listener waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from pathlib import Path

from tonearm.adapters.ffmpeg.locate import FFmpegTool, find_ffmpeg
from tonearm.adapters.ffmpeg.renditions import describe_rendition, rendition_args
from tonearm.adapters.ffmpeg.run import FFmpegFailed, FFmpegTimeout
from tonearm.adapters.ffmpeg.transcode import _feed, _keep_stderr
from tonearm.ingest.models import RenditionKind
from tonearm.streaming.models import RenditionFormat
from tonearm.streaming.on_demand import EncodedRendition
from tonearm.streaming.transcoding import TranscodeInput

_STDERR_LINES_KEPT = 20


class FFmpegRenditionEncoder:
    """RenditionEncoder on an ffmpeg subprocess (found on first use)."""

    def __init__(self, configured: Path | None, limit_seconds: float) -> None:
        self._configured = configured
        self._tool: FFmpegTool | None = None
        self._limit_seconds = limit_seconds
        self.runs = 0  # ffmpeg processes started (tests count them)

    def _ffmpeg(self) -> Path:
        if self._tool is None:
            self._tool = find_ffmpeg(self._configured)
        return self._tool.ffmpeg

    async def encode(
        self, source: TranscodeInput, format: RenditionFormat, out: Path
    ) -> EncodedRendition:
        """Encode `source` into `out`. Raises FFmpegFailed (also when the file states no
        duration) or FFmpegTimeout; cancelling kills ffmpeg."""
        kind = RenditionKind(format.kind)
        where = source.path or source.url or "pipe:0"
        args = ["-loglevel", "error", *rendition_args(where, kind, out)]
        deadline = time.monotonic() + self._limit_seconds
        self.runs += 1
        proc = await asyncio.create_subprocess_exec(
            str(self._ffmpeg()),
            "-hide_banner",
            *args,
            stdin=asyncio.subprocess.PIPE
            if source.chunks is not None
            else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        stderr_tail: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
        tasks = [asyncio.create_task(_keep_stderr(proc.stderr, stderr_tail))]
        if source.chunks is not None:
            assert proc.stdin is not None
            tasks.append(asyncio.create_task(_feed(proc.stdin, source.chunks)))
        try:
            try:
                returncode = await asyncio.wait_for(
                    proc.wait(), max(0.1, deadline - time.monotonic())
                )
            except TimeoutError:
                raise FFmpegTimeout(self._limit_seconds) from None
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*tasks, return_exceptions=True)
        if returncode != 0:
            stderr = "\n".join(stderr_tail)
            if source.url is not None:
                # A presigned URL is a credential: keep it out of messages and logs.
                stderr = stderr.replace(source.url, "<source>")
            raise FFmpegFailed(returncode, stderr)
        made = await asyncio.to_thread(describe_rendition, kind, out)
        return EncodedRendition(
            codec=made.codec,
            bitrate_kbps=made.bitrate_kbps,
            size_bytes=made.size_bytes,
            duration_ms=made.duration_ms,
        )


__all__ = ["FFmpegRenditionEncoder"]
