"""Import throughput: three-minute FLACs through the real pipeline, four ways, side by side.

Generates (once, cached in /tmp/tonearm-bench/import-lib) `--tracks` 44.1 kHz stereo FLACs of
TRACK_SECONDS each, every one a different sine under its own pink noise, tagged. Then imports
them into a fresh data directory with open_services(...).ingest.import_paths, each
configuration in a fresh subprocess so its rusage is its own:

  (a) jobs=1, Debian's ffmpeg (/usr/bin/ffmpeg)   the baseline: one file at a time
  (b) jobs=2, Debian's ffmpeg
  (c) jobs=1, the pip (imageio-ffmpeg) ffmpeg
  (d) jobs=2, the pip ffmpeg

and prints wall seconds, songs/minute, x real time, the CPU seconds of ffmpeg (the import
process's children) and of Python, peak RSS of the import process and of its largest ffmpeg,
and each configuration's throughput relative to (a). The machine is shared, so only ratios
from one run mean much; the load average around each run is printed too.
Then the stages of one track (analysis decode vs renditions), called directly.

Run: PYTHONPATH=. .venv/bin/python bench/bench_import.py [--tracks N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_renditions import measure, version

from tonearm.adapters.ffmpeg import FFmpegTool, analyse_audio, render_renditions
from tonearm.app import open_services
from tonearm.ingest.models import RenditionKind
from tonearm.logging import configure_logging
from tonearm.settings import Settings

BENCH_ROOT = Path("/tmp/tonearm-bench")
LIBRARY = BENCH_ROOT / "import-lib"
TRACK_SECONDS = 180
DEFAULT_TRACKS = 50
DEBIAN_FFMPEG = Path("/usr/bin/ffmpeg")
TARGET_SPEEDUP = 1.8


@dataclass(frozen=True)
class Config:
    """One way of running the import."""

    label: str
    ffmpeg: Path
    jobs: int


def configs() -> list[Config]:
    """The four configurations, baseline first."""
    pip = Path(imageio_ffmpeg.get_ffmpeg_exe())
    return [
        Config("a", DEBIAN_FFMPEG, 1),
        Config("b", DEBIAN_FFMPEG, 2),
        Config("c", pip, 1),
        Config("d", pip, 2),
    ]


def ffmpeg_name(ffmpeg: Path) -> str:
    """'debian 5.1.9' or 'pip 9.0.2': where the binary comes from and its release."""
    release = version(FFmpegTool(ffmpeg, None, "")).removeprefix("n").split("-")[0]
    return f"{'debian' if ffmpeg == DEBIAN_FFMPEG else 'pip'} {release}"


# Library


def track_path(index: int) -> Path:
    """Where track `index` of the generated library lives."""
    return LIBRARY / f"{index + 1:02d} - Tone {index + 1}.flac"


def make_track(index: int) -> None:
    """A tagged TRACK_SECONDS stereo FLAC: a sine of its own pitch under its own pink noise."""
    path = track_path(index)
    frequency = 110.0 * 2 ** (index / 12)  # a semitone apart: every track's audio differs
    partial = path.with_suffix(".partial.flac")
    subprocess.run(
        [
            str(DEBIAN_FFMPEG), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi",
            "-i", f"sine=frequency={frequency:.3f}:sample_rate=44100:duration={TRACK_SECONDS}",
            "-f", "lavfi",
            "-i", f"anoisesrc=color=pink:amplitude=0.2:r=44100:d={TRACK_SECONDS}:s={index + 1}",
            "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
            "-c:a", "flac",
            "-metadata", f"title=Tone {index + 1}",
            "-metadata", f"artist=Bench Artist {index % 5 + 1}",
            "-metadata", f"album=Bench Album {index // 10 + 1}",
            "-metadata", "album_artist=Bench Artists",
            "-metadata", f"track={index % 10 + 1}/10",
            "-metadata", "date=2024",
            "-metadata", "genre=Test",
            str(partial),
        ],
        check=True,
    )  # fmt: skip
    partial.rename(path)


def ensure_library(tracks: int) -> list[Path]:
    """The first `tracks` files of the cached library, generating whatever is missing."""
    LIBRARY.mkdir(parents=True, exist_ok=True)
    for leftover in LIBRARY.glob("*.partial.flac"):
        leftover.unlink()
    missing = [i for i in range(tracks) if not track_path(i).exists()]
    if missing:
        print(f"generating {len(missing)} tracks of {TRACK_SECONDS} s in {LIBRARY} ...", flush=True)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(make_track, missing))
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return [track_path(i) for i in range(tracks)]


# One configuration, in a child process


async def import_once(ffmpeg: Path, jobs: int, files: list[Path], data_dir: Path) -> dict[str, Any]:
    """Import `files` into an empty `data_dir`; what it took, from inside the process."""
    settings = Settings(
        data_dir=data_dir, ffmpeg_path=ffmpeg, import_jobs=jobs, log_level="warning"
    )
    configure_logging(settings)
    services = await open_services(settings)
    try:
        ingest = services.ingest
        children, own = _rusage(resource.RUSAGE_CHILDREN), _rusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = await ingest.import_paths(files, jobs=jobs)
        wall = time.perf_counter() - started
        children_after, own_after = _rusage(resource.RUSAGE_CHILDREN), _rusage(resource.RUSAGE_SELF)
    finally:
        await services.close()
    return {
        "wall_seconds": wall,
        "ffmpeg_cpu_seconds": _cpu(children_after) - _cpu(children),
        "python_cpu_seconds": _cpu(own_after) - _cpu(own),
        "import_peak_rss_kib": own_after.ru_maxrss,
        "ffmpeg_peak_rss_kib": children_after.ru_maxrss,
        "outcomes": dict(summary.counts),
        "failures": [f"{path.name}: {reason}" for path, reason in summary.failures],
    }


def child_main(ffmpeg: str, jobs: int, files: list[str]) -> None:
    """Entry point of the child process: one import, one JSON line on stdout."""
    with tempfile.TemporaryDirectory(prefix="import-data-", dir=BENCH_ROOT) as data_dir:
        result = asyncio.run(
            import_once(Path(ffmpeg), jobs, [Path(f) for f in files], Path(data_dir))
        )
    print(json.dumps(result))


def run_config(config: Config, files: list[Path]) -> dict[str, Any]:
    """Run one configuration in a fresh interpreter; its figures plus the load around it."""
    load_before = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", str(config.ffmpeg), str(config.jobs)]
    done = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"config ({config.label}) failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = load_before, os.getloadavg()[0]
    return result


def _rusage(who: int) -> resource.struct_rusage:
    return resource.getrusage(who)


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


# Stages of one track


def stage_split(source: Path) -> None:
    """Analysis decode vs the five renditions of one track, for both ffmpegs (best of 2)."""
    print(f"\nStages of one track ({source.name}, {TRACK_SECONDS} s), called directly, best of 2:")
    print(
        f"{'ffmpeg':<12} {'stage':<22} {'wall s':>7} {'ffmpeg cpu s':>12} {'cpu %':>6}"
        f" {'python cpu s':>12} {'share of cpu':>12}"
    )
    for config in (c for c in configs() if c.jobs == 1):
        tool = FFmpegTool(config.ffmpeg, None, config.ffmpeg.name)
        name = ffmpeg_name(config.ffmpeg)
        rows = _stage_rows(tool, source)
        total_cpu = sum(cpu + own for _, cpu, own in rows.values())
        for stage, (wall, cpu, own) in rows.items():
            print(
                f"{name:<12} {stage:<22} {wall:>7.2f} {cpu:>12.2f} {100 * cpu / wall:>6.0f}"
                f" {own:>12.2f} {100 * (cpu + own) / total_cpu:>11.0f}%"
            )


def _stage_rows(tool: FFmpegTool, source: Path) -> dict[str, tuple[float, float, float]]:
    analysis = asyncio.run(_analyse(tool, source))
    with tempfile.TemporaryDirectory(prefix="stages-", dir=BENCH_ROOT) as out:
        return {
            "analysis decode": measure(lambda: _analyse(tool, source)),
            "renditions (5, 1 proc)": measure(
                lambda: render_renditions(
                    tool, source, Path(out), frozenset(RenditionKind),
                    preview_start_ms=analysis.preview_start_ms,
                    duration_ms=analysis.duration_ms,
                    limit_seconds=900.0, memory_limit_bytes=None,
                )
            ),
        }  # fmt: skip


async def _analyse(tool: FFmpegTool, source: Path) -> Any:
    return await analyse_audio(
        tool, source, max_duration_seconds=6 * 3600, limit_seconds=900.0, memory_limit_bytes=None
    )


# Report


def main() -> None:
    """Generate the library, run each configuration, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=DEFAULT_TRACKS)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each config (median)")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage split")
    args = parser.parse_args()
    if not DEBIAN_FFMPEG.is_file():
        raise SystemExit(f"{DEBIAN_FFMPEG} not found: apt-get install ffmpeg")

    files = ensure_library(args.tracks)
    audio_seconds = args.tracks * TRACK_SECONDS
    plan = configs()
    print(
        f"Import of {args.tracks} x {TRACK_SECONDS} s stereo FLAC ({audio_seconds / 60:.0f} min"
        f" of audio), renditions: {', '.join(k.value for k in RenditionKind)};"
        f" {os.cpu_count()} cores; {args.rounds} round(s), configs interleaved"
    )
    results: dict[str, list[dict[str, Any]]] = {c.label: [] for c in plan}
    for round_number in range(args.rounds):
        for config in plan:
            result = run_config(config, files)
            results[config.label].append(result)
            print(
                f"  round {round_number + 1} ({config.label}) {result['wall_seconds']:.1f} s,"
                f" load {result['load_before']:.1f}->{result['load_after']:.1f},"
                f" outcomes {result['outcomes']}",
                flush=True,
            )
            for failure in result["failures"]:
                print(f"    failed: {failure}")

    print(
        f"\n{'cfg':<3} {'ffmpeg':<12} {'jobs':>4} {'wall s':>8} {'songs/min':>9} {'x realtime':>10}"
        f" {'ffmpeg cpu s':>12} {'python cpu s':>12} {'cpu/wall':>8} {'cpu s/song':>10}"
        f" {'import rss MiB':>14} {'ffmpeg rss MiB':>14} {'speed-up vs a':>13}"
    )
    baseline = median(r["wall_seconds"] for r in results["a"])
    speedups: dict[str, float] = {}
    for config in plan:
        runs = results[config.label]
        wall = median(r["wall_seconds"] for r in runs)
        ffmpeg_cpu = median(r["ffmpeg_cpu_seconds"] for r in runs)
        python_cpu = median(r["python_cpu_seconds"] for r in runs)
        import_rss = max(r["import_peak_rss_kib"] for r in runs) / 1024
        ffmpeg_rss = max(r["ffmpeg_peak_rss_kib"] for r in runs) / 1024
        speedups[config.label] = baseline / wall
        name = ffmpeg_name(config.ffmpeg)
        print(
            f"{config.label:<3} {name:<12} {config.jobs:>4} {wall:>8.1f}"
            f" {args.tracks / wall * 60:>9.1f} {audio_seconds / wall:>10.1f}"
            f" {ffmpeg_cpu:>12.1f} {python_cpu:>12.1f} {(ffmpeg_cpu + python_cpu) / wall:>8.2f}"
            f" {(ffmpeg_cpu + python_cpu) / args.tracks:>10.2f}"
            f" {import_rss:>14.0f} {ffmpeg_rss:>14.0f} {speedups[config.label]:>12.2f}x"
        )
    best = max(speedups, key=lambda label: speedups[label])
    verdict = "meets" if speedups[best] >= TARGET_SPEEDUP else "misses"
    print(
        f"best: ({best}) at {speedups[best]:.2f}x the throughput of (a); {verdict} the"
        f" {TARGET_SPEEDUP}x target"
    )
    if not args.no_stages:
        stage_split(files[0])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        main()
