"""Run ffmpeg without blocking the event loop, killing it when it overruns its time.

`run_ffmpeg` collects stdout; `stream_ffmpeg` hands stdout to a callback chunk by chunk and
stderr line by line while ffmpeg runs, so a caller can analyse PCM as it is decoded and stop
ffmpeg early (a callback that raises kills the process). Both can cap ffmpeg's address space.
"""

from __future__ import annotations

import asyncio
import functools
import resource
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from tonearm.errors import TonearmError

STDERR_TAIL_CHARS = 2000
STDOUT_CHUNK_BYTES = 1 << 20
# Stderr is kept for error messages only: the head holds ffmpeg's input description, the
# tail the reason it stopped. A corrupt file can print one error per frame, so cap the rest.
STDERR_HEAD_LINES = 200
STDERR_TAIL_LINES = 200
_READ_BYTES = 64 * 1024

# What ffmpeg or the dynamic loader print when an allocation, a mapping or a thread fails
# under RLIMIT_AS; ffmpeg 7+ starts a thread per component, so EAGAIN is the usual one.
_OUT_OF_MEMORY_MARKERS = (
    "cannot allocate memory",
    "out of memory",
    "failed to map segment",
    "pthread_create() failed",
    "resource temporarily unavailable",
)
# A crash under a memory limit is a failed allocation nobody checked: asyncio reports a
# signal as a negative return code.
_CRASH_SIGNALS = frozenset({-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS, -signal.SIGKILL})


class FFmpegFailed(TonearmError):
    """ffmpeg exited with an error; the message ends with its last stderr line."""

    def __init__(self, returncode: int, stderr: str, message: str | None = None) -> None:
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
        super().__init__(message or f"ffmpeg exited with {returncode}: {last_line}")
        self.returncode = returncode
        self.stderr = stderr[-STDERR_TAIL_CHARS:]


class FFmpegOutOfMemory(FFmpegFailed):
    """ffmpeg failed while running under a memory limit, in a way that limit explains."""

    def __init__(self, returncode: int, stderr: str, memory_limit_bytes: int) -> None:
        limit_mib = memory_limit_bytes / (1 << 20)
        super().__init__(returncode, stderr, f"ffmpeg ran out of memory (limit {limit_mib:g} MiB)")
        self.memory_limit_bytes = memory_limit_bytes


class FFmpegTimeout(TonearmError):
    """ffmpeg ran longer than allowed and was killed."""

    def __init__(self, limit_seconds: float) -> None:
        super().__init__(f"ffmpeg took longer than {limit_seconds:g} s and was stopped")
        self.limit_seconds = limit_seconds


async def run_ffmpeg(
    ffmpeg: Path,
    args: Sequence[str],
    limit_seconds: float,
    *,
    memory_limit_bytes: int | None = None,
) -> bytes:
    """Run `ffmpeg args…` and return its stdout.

    Raises FFmpegTimeout, FFmpegOutOfMemory (only with `memory_limit_bytes`) or FFmpegFailed.
    """
    chunks: list[bytes] = []

    async def keep(chunk: bytes) -> None:
        chunks.append(chunk)

    await stream_ffmpeg(
        ffmpeg, args, limit_seconds, on_stdout=keep, memory_limit_bytes=memory_limit_bytes
    )
    return b"".join(chunks)


async def stream_ffmpeg(
    ffmpeg: Path,
    args: Sequence[str],
    limit_seconds: float,
    *,
    on_stdout: Callable[[bytes], Awaitable[None]] | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    memory_limit_bytes: int | None = None,
    chunk_bytes: int = STDOUT_CHUNK_BYTES,
    niceness: int = 0,
) -> str:
    """Run `ffmpeg args…`, feeding its output to the callbacks as it comes; return its stderr.

    `on_stdout` gets stdout in chunks of about `chunk_bytes` (the last may be shorter);
    stdout is discarded without it. `on_stderr_line` gets every stderr line (split on \\n and
    \\r) as it is printed. An exception from either callback stops ffmpeg and propagates.
    The returned stderr keeps its first and last lines only. `memory_limit_bytes` caps
    ffmpeg's address space (RLIMIT_AS): allow a few hundred MiB for its shared libraries.
    `niceness` > 0 runs it at that lower CPU priority.

    Raises FFmpegTimeout when `limit_seconds` pass, FFmpegOutOfMemory when ffmpeg fails the
    way a memory limit makes it fail, FFmpegFailed on any other non-zero exit.
    """
    stderr_log = _StderrLog(on_stderr_line)
    # Background work (scan enrichment) runs ffmpeg under `nice`, so a request's encode and
    # the server itself keep the CPU first; exec'd, so the limits below still apply.
    lower_priority = ["nice", "-n", str(niceness)] if niceness > 0 else []
    proc = await asyncio.create_subprocess_exec(
        *lower_priority,
        str(ffmpeg),
        "-hide_banner",
        "-nostdin",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if on_stdout is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_address_space_limiter(memory_limit_bytes),
    )
    assert proc.stderr is not None
    pumps = [asyncio.create_task(_pump_stderr(proc.stderr, stderr_log))]
    if on_stdout is not None:
        assert proc.stdout is not None
        pumps.append(asyncio.create_task(_pump_stdout(proc.stdout, on_stdout, chunk_bytes)))
    try:
        async with asyncio.timeout(limit_seconds) as deadline:
            await asyncio.gather(*pumps)
            returncode = await proc.wait()
    except TimeoutError:
        if deadline.expired():
            raise FFmpegTimeout(limit_seconds) from None
        raise
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
    stderr = stderr_log.text()
    if returncode != 0:
        if memory_limit_bytes is not None and _looks_out_of_memory(returncode, stderr):
            raise FFmpegOutOfMemory(returncode, stderr, memory_limit_bytes)
        raise FFmpegFailed(returncode, stderr)
    return stderr


def _address_space_limiter(memory_limit_bytes: int | None) -> Callable[[], None] | None:
    if memory_limit_bytes is None:
        return None
    # A partial of a C function: the forked child runs no Python bytecode of ours before
    # exec, which is what keeps preexec_fn safe next to other threads.
    return functools.partial(
        resource.setrlimit, resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes)
    )


def _looks_out_of_memory(returncode: int, stderr: str) -> bool:
    if returncode in _CRASH_SIGNALS:
        return True
    lowered = stderr.lower()
    return any(marker in lowered for marker in _OUT_OF_MEMORY_MARKERS)


async def _pump_stdout(
    stream: asyncio.StreamReader, on_stdout: Callable[[bytes], Awaitable[None]], chunk_bytes: int
) -> None:
    pending = bytearray()
    while block := await stream.read(_READ_BYTES):
        pending += block
        if len(pending) >= chunk_bytes:
            await on_stdout(bytes(pending))
            pending.clear()
    if pending:
        await on_stdout(bytes(pending))


async def _pump_stderr(stream: asyncio.StreamReader, log: _StderrLog) -> None:
    # Read blocks, not readline(): a line longer than the reader's limit (a huge tag value
    # echoed in the input description) would otherwise raise instead of being split.
    partial = ""
    while block := await stream.read(_READ_BYTES):
        text = partial + block.decode(errors="replace").replace("\r", "\n")
        *lines, partial = text.split("\n")
        for line in lines:
            log.add(line)
    if partial:
        log.add(partial)


class _StderrLog:
    """ffmpeg's stderr lines: each passed to a callback, the first and last ones kept."""

    def __init__(self, on_line: Callable[[str], None] | None) -> None:
        self._on_line = on_line
        self._head: list[str] = []
        self._tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._dropped = 0

    def add(self, line: str) -> None:
        if self._on_line is not None:
            self._on_line(line)
        if len(self._head) < STDERR_HEAD_LINES:
            self._head.append(line)
            return
        if len(self._tail) == self._tail.maxlen:
            self._dropped += 1
        self._tail.append(line)

    def text(self) -> str:
        gap = [f"[… {self._dropped} lines not kept …]"] if self._dropped else []
        return "\n".join([*self._head, *gap, *self._tail])
