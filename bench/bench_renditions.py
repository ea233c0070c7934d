"""Five renditions of a 3-minute FLAC: one ffmpeg process for all, or one per rendition.

For the system ffmpeg and the imageio-ffmpeg binary, prints wall time and the CPU time the
ffmpeg children used (user + system, from getrusage(RUSAGE_CHILDREN)), then the ratio of
one-per-rendition to one-for-all. Also times analyse_audio (the other decode of an import).
Run: PYTHONPATH=. .venv/bin/python bench/bench_renditions.py
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from tonearm.adapters.ffmpeg import (
    FFmpegTool,
    analyse_audio,
    render_renditions,
    render_renditions_separately,
)
from tonearm.ingest.models import RenditionKind

TRACK_SECONDS = 180
ROUNDS = 2  # the faster of two runs, so a one-off stall on a shared machine does not count


def make_track(path: Path) -> None:
    """A 3-minute 44.1 kHz stereo FLAC of a sine under pink noise."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={TRACK_SECONDS}",
            "-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=0.2:r=44100:d={TRACK_SECONDS}",
            "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
            "-c:a", "flac", str(path),
        ],
        check=True,
    )  # fmt: skip


def tools() -> list[FFmpegTool]:
    """The system ffmpeg (if installed) and the imageio-ffmpeg one."""
    found = [FFmpegTool(Path(imageio_ffmpeg.get_ffmpeg_exe()), None, "imageio-ffmpeg")]
    system = shutil.which("ffmpeg")
    if system is not None:
        found.insert(0, FFmpegTool(Path(system), None, "system"))
    return found


def version(tool: FFmpegTool) -> str:
    """ffmpeg's version number, as its first output line states it."""
    first = subprocess.run([str(tool.ffmpeg), "-version"], capture_output=True, text=True)
    return first.stdout.split()[2].split("-")[0]


def measure(run: Callable[[], Coroutine[Any, Any, object]]) -> tuple[float, float, float]:
    """(wall s, ffmpeg's CPU s, Python's own CPU s) of the fastest of ROUNDS runs."""
    best = (float("inf"), float("inf"), float("inf"))
    for _ in range(ROUNDS):
        children, own = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
        started = time.perf_counter()
        asyncio.run(run())
        wall = time.perf_counter() - started
        children = _cpu(resource.RUSAGE_CHILDREN) - children
        own = _cpu(resource.RUSAGE_SELF) - own
        best = min(best, (wall, children, own))
    return best


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def bench_tool(tool: FFmpegTool, source: Path, out_dir: Path) -> dict[str, tuple[float, ...]]:
    """Each way of doing the work with `tool`: its (wall, ffmpeg CPU, Python CPU) seconds."""
    kinds = frozenset(RenditionKind)
    options: dict[str, Any] = {
        "preview_start_ms": 60_000,
        "duration_ms": TRACK_SECONDS * 1000,
        "limit_seconds": 600.0,
        "memory_limit_bytes": None,
    }
    return {
        "one process, asplit": measure(
            lambda: render_renditions(tool, source, out_dir, kinds, **options)
        ),
        "one per rendition": measure(
            lambda: render_renditions_separately(tool, source, out_dir, kinds, **options)
        ),
        "analyse_audio": measure(
            lambda: analyse_audio(
                tool, source, max_duration_seconds=6 * 3600, limit_seconds=600,
                memory_limit_bytes=None,
            )
        ),
    }  # fmt: skip


def main() -> None:
    """Print the table."""
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-") as tmp:
        source = Path(tmp) / "track.flac"
        make_track(source)
        print(f"{TRACK_SECONDS} s stereo FLAC -> {', '.join(k.value for k in RenditionKind)}")
        print(
            f"{'ffmpeg':<24} {'mode':<22} {'wall s':>8} {'ffmpeg cpu s':>12} {'cpu %':>6}"
            f" {'python cpu s':>12} {'x realtime':>10}"
        )
        for tool in tools():
            name = f"{tool.origin} {version(tool)}"
            out_dir = Path(tmp) / tool.origin
            out_dir.mkdir()
            rows = bench_tool(tool, source, out_dir)
            for mode, (wall, cpu, own) in rows.items():
                print(
                    f"{name:<24} {mode:<22} {wall:>8.2f} {cpu:>12.2f} {100 * cpu / wall:>6.0f}"
                    f" {own:>12.2f} {TRACK_SECONDS / wall:>10.1f}"
                )
            one, each = rows["one process, asplit"], rows["one per rendition"]
            print(
                f"{name:<24} {'per-rendition / one':<22} {each[0] / one[0]:>7.2f}x"
                f" {each[1] / one[1]:>11.2f}x"
            )


if __name__ == "__main__":
    main()
