"""run_ffmpeg and stream_ffmpeg: output, failures, time and memory limits, early stops."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tonearm.adapters.ffmpeg import (
    FFmpegFailed,
    FFmpegOutOfMemory,
    FFmpegTimeout,
    FFmpegTool,
    run_ffmpeg,
    stream_ffmpeg,
)

pytestmark = pytest.mark.anyio

ONE_SECOND_OF_PCM = ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=44100", "-f", "s16le", "-"]


class StopHere(Exception):
    pass


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[asyncio.subprocess.Process]:
    """Every process started through asyncio during the test."""
    processes: list[asyncio.subprocess.Process] = []
    real_exec = asyncio.create_subprocess_exec

    async def recording_exec(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await real_exec(*args, **kwargs)
        processes.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording_exec)
    return processes


async def test_run_ffmpeg_returns_stdout(tool: FFmpegTool) -> None:
    wav = await run_ffmpeg(
        tool.ffmpeg, ["-f", "lavfi", "-i", "sine=duration=0.5", "-f", "wav", "-"], 30
    )

    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"


async def test_failure_names_the_exit_code_and_last_stderr_line(tool: FFmpegTool) -> None:
    with pytest.raises(FFmpegFailed, match=r"^ffmpeg exited with \d+: \S") as caught:
        await run_ffmpeg(
            tool.ffmpeg, ["-i", "/nonexistent/no-such-file.flac", "-f", "null", "-"], 30
        )

    assert caught.value.returncode != 0
    assert "No such file or directory" in caught.value.stderr


async def test_stream_ffmpeg_hands_over_stdout_in_chunks_and_stderr_by_line(
    tool: FFmpegTool,
) -> None:
    chunks: list[bytes] = []
    lines: list[str] = []

    async def keep(chunk: bytes) -> None:
        chunks.append(chunk)

    stderr = await stream_ffmpeg(
        tool.ffmpeg,
        ONE_SECOND_OF_PCM,
        30,
        on_stdout=keep,
        on_stderr_line=lines.append,
        chunk_bytes=10_000,
    )

    assert sum(map(len, chunks)) == 44100 * 2
    # Reads are at most 64 KiB, so 88 KB arrive in two chunks or more, each but the last full.
    assert all(len(chunk) >= 10_000 for chunk in chunks[:-1]) and len(chunks) >= 2
    assert any(line.startswith("Output #0") for line in lines)
    assert "Output #0" in stderr


async def test_an_exception_from_a_callback_stops_ffmpeg(
    tool: FFmpegTool, started: list[asyncio.subprocess.Process]
) -> None:
    async def refuse(chunk: bytes) -> None:
        raise StopHere

    an_hour = ["-f", "lavfi", "-i", "sine=duration=3600", "-f", "s16le", "-"]
    with pytest.raises(StopHere):
        await stream_ffmpeg(tool.ffmpeg, an_hour, 120, on_stdout=refuse)

    (process,) = started
    assert process.returncode is not None  # killed and reaped, not left decoding


async def test_timeout_kills_ffmpeg(
    tool: FFmpegTool, started: list[asyncio.subprocess.Process]
) -> None:
    # -re reads the input at its own pace: an hour of it cannot finish in half a second.
    real_time = ["-re", "-f", "lavfi", "-i", "sine=duration=3600", "-f", "null", "-"]

    with pytest.raises(FFmpegTimeout, match=r"ffmpeg took longer than 0\.5 s and was stopped"):
        await run_ffmpeg(tool.ffmpeg, real_time, 0.5)

    (process,) = started
    assert process.returncode is not None


async def test_too_small_memory_limit_is_reported_as_such(tool: FFmpegTool) -> None:
    with pytest.raises(FFmpegOutOfMemory, match=r"^ffmpeg ran out of memory \(limit 16 MiB\)$"):
        await run_ffmpeg(tool.ffmpeg, ONE_SECOND_OF_PCM, 30, memory_limit_bytes=16 << 20)


async def test_generous_memory_limit_lets_ffmpeg_work(tool: FFmpegTool) -> None:
    pcm = await run_ffmpeg(tool.ffmpeg, ONE_SECOND_OF_PCM, 30, memory_limit_bytes=2048 << 20)

    assert len(pcm) == 44100 * 2


async def test_stderr_lines_longer_than_the_reader_limit_arrive_whole(tmp_path: Path) -> None:
    # ffmpeg shortens what it echoes, so a stand-in prints the line: a reader that used
    # readline() would fail on it instead of passing it on.
    fake_ffmpeg = tmp_path / "ffmpeg"
    fake_ffmpeg.write_text("#!/bin/sh\nprintf '%0100000d\\nlast line\\n' 0 >&2\n")
    fake_ffmpeg.chmod(0o755)
    lines: list[str] = []

    stderr = await stream_ffmpeg(fake_ffmpeg, [], 30, on_stderr_line=lines.append)

    assert lines == ["0" * 100_000, "last line"]
    assert stderr.endswith("last line")


async def test_stderr_keeps_its_first_and_last_lines(tmp_path: Path) -> None:
    fake_ffmpeg = tmp_path / "ffmpeg"
    fake_ffmpeg.write_text("#!/bin/sh\nseq 1 5000 >&2\n")
    fake_ffmpeg.chmod(0o755)

    stderr = await stream_ffmpeg(fake_ffmpeg, [], 30)

    lines = stderr.splitlines()
    assert lines[:2] == ["1", "2"] and lines[-2:] == ["4999", "5000"]
    assert "[… 4600 lines not kept …]" in lines
    assert len(lines) == 401


async def test_failure_keeps_the_end_of_stderr(tmp_path: Path) -> None:
    fake_ffmpeg = tmp_path / "ffmpeg"
    fake_ffmpeg.write_text("#!/bin/sh\nseq 1 5000 >&2\nexit 3\n")
    fake_ffmpeg.chmod(0o755)

    with pytest.raises(FFmpegFailed, match=r"^ffmpeg exited with 3: 5000$") as caught:
        await run_ffmpeg(fake_ffmpeg, [], 30)

    assert caught.value.returncode == 3
    assert caught.value.stderr.endswith("4999\n5000")
