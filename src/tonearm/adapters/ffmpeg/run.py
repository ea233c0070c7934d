"""Run ffmpeg without blocking the event loop, killing it when it overruns its time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tonearm.errors import TonearmError

STDERR_TAIL_CHARS = 2000


class FFmpegFailed(TonearmError):
    """ffmpeg exited with an error; the message ends with its last stderr line."""

    def __init__(self, returncode: int, stderr: str) -> None:
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
        super().__init__(f"ffmpeg exited with {returncode}: {last_line}")
        self.returncode = returncode
        self.stderr = stderr[-STDERR_TAIL_CHARS:]


class FFmpegTimeout(TonearmError):
    """ffmpeg ran longer than allowed and was killed."""

    def __init__(self, limit_seconds: float) -> None:
        super().__init__(f"ffmpeg took longer than {limit_seconds:g} s and was stopped")


async def run_ffmpeg(ffmpeg: Path, args: Sequence[str], limit_seconds: float) -> bytes:
    """Run `ffmpeg args…` and return its stdout; raises FFmpegFailed or FFmpegTimeout."""
    proc = await asyncio.create_subprocess_exec(
        str(ffmpeg),
        "-hide_banner",
        "-nostdin",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(limit_seconds):
            stdout, stderr = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise FFmpegTimeout(limit_seconds) from None
    if proc.returncode != 0:
        raise FFmpegFailed(proc.returncode or -1, stderr.decode(errors="replace"))
    return stdout
