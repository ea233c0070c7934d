"""Incremental rescan of an unchanged 10,000-file library: tonearm and supysonic side by side.

The library is built once with ../shared/peers/make_library.py (short MP3s, every 20th a
FLAC, album covers) into /tmp/tonearm-bench/rescan-lib. tonearm's first scan goes through
the real scan path (open_services(...).ingest.scan) with renditions turned off, into
/tmp/tonearm-bench/rescan-data; supysonic's first scan is run_supysonic.sh's own (timed
there), into /tmp/tonearm-bench/supysonic. Both are kept for later runs.

Then, in one run and interleaved round by round, each rescans the unchanged library in a
fresh process: `scan()` under tonearm, `supysonic-cli folder scan --foreground music` under
supysonic. Printed per tool: process wall seconds (interpreter start-up included), the scan
alone (tonearm: timed around scan(); supysonic: process wall minus a `supysonic-cli folder
list` run, as run_supysonic.sh does), and the peak RSS of the process (ru_maxrss from wait4).
A tonearm process scanning an empty library gives the memory floor (interpreter + imports).

Needs supysonic in /tmp/peers/venv (see ../shared/peers/README.md); without it only
tonearm's figures are printed.
Run: PYTHONPATH=. .venv/bin/python bench/bench_rescan.py [--rounds R]
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
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from tonearm.app import open_services
from tonearm.logging import configure_logging
from tonearm.settings import Settings

BENCH_ROOT = Path("/tmp/tonearm-bench")
FIRST_SCAN_RECORD = ".bench-first-scan.json"
PEERS = Path("/work/shared/peers")
PEERS_VENV = Path("/tmp/peers/venv")
DEFAULT_TRACKS = 10_000
TARGET_SECONDS = 5.0
AUDIO_SUFFIXES = {".mp3", ".flac"}


@dataclass(frozen=True)
class BenchDirs:
    """Where one library size's cached state lives."""

    library: Path
    tonearm_data: Path
    supysonic_work: Path

    @classmethod
    def for_tracks(cls, tracks: int) -> BenchDirs:
        """The default size in the plain names; any other (a smoke test) beside them."""
        suffix = "" if tracks == DEFAULT_TRACKS else f"-{tracks}"
        return cls(
            BENCH_ROOT / f"rescan-lib{suffix}",
            BENCH_ROOT / f"rescan-data{suffix}",
            BENCH_ROOT / f"supysonic{suffix}",
        )


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: its wall time, rusage (from wait4) and output."""

    wall_seconds: float
    peak_rss_kib: int
    cpu_seconds: float
    stdout: str


def run_child(
    command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> ChildRun:
    """Run `command` to completion; its own rusage, which subprocess.run would throw away."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        sys.stderr.write(text)
        raise SystemExit(f"{command[0]} exited with {process.returncode}")
    return ChildRun(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, text)


# tonearm


async def scan_once(data_dir: Path, library: Path, *, sweep: bool = True) -> dict[str, Any]:
    """Scan `library` into `data_dir` with renditions off; the summary and the time scan() took.

    Without `sweep`, the leftover clean-up that scan() runs first (every stored object
    checked against the database) is skipped: a diagnostic, to see what the walk costs alone.
    """
    settings = Settings(data_dir=data_dir, renditions=[], log_level="warning")
    configure_logging(settings)
    services = await open_services(settings)
    try:
        ingest = services.ingest
        if not sweep:
            ingest.clean_leftovers = _no_clean_up  # type: ignore[method-assign]
        started = time.perf_counter()
        summary = await ingest.scan([library])
        seconds = time.perf_counter() - started
    finally:
        await services.close()
    return {
        "scan_seconds": seconds,
        "unchanged": summary.unchanged,
        "removed": summary.removed,
        "outcomes": dict(summary.counts),
        "failures": [f"{path}: {reason}" for path, reason in summary.failures[:5]],
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


async def _no_clean_up(now: object = None) -> int:
    return 0


def tonearm_scan(
    data_dir: Path, library: Path, *, sweep: bool = True
) -> tuple[ChildRun, dict[str, Any]]:
    """scan_once in a fresh interpreter."""
    mode = "--child-scan" if sweep else "--child-scan-no-sweep"
    run = run_child([sys.executable, __file__, mode, str(data_dir), str(library)])
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def ensure_library(library: Path, tracks: int) -> int:
    """Build the library (make_library.py reuses an identical one); how many audio files."""
    subprocess.run(
        [
            sys.executable, str(PEERS / "make_library.py"), str(library),
            "-n", str(tracks), "--seed", "1", "--min-dur", "1", "--max-dur", "2",
            "-j", str(os.cpu_count() or 1),
        ],
        check=True,
    )  # fmt: skip
    return sum(
        1
        for _, _, names in os.walk(library)
        for name in names
        if Path(name).suffix.lower() in AUDIO_SUFFIXES
    )


def ensure_tonearm_first_scan(dirs: BenchDirs) -> dict[str, Any]:
    """tonearm's first scan of the library (renditions off), made once and recorded.

    An interrupted first scan is resumed (scan is incremental); its time is then only the
    resumed part's, and the record says so.
    """
    record = dirs.tonearm_data / FIRST_SCAN_RECORD
    if record.exists():
        return dict(json.loads(record.read_text()), cached=True)
    resumed = (dirs.tonearm_data / "tonearm.db").exists()
    print(
        f"tonearm: {'resuming the interrupted' if resumed else 'the'} first scan of the library"
        " (renditions off); this takes a while ...",
        flush=True,
    )
    run, result = tonearm_scan(dirs.tonearm_data, dirs.library)
    result |= {"wall_seconds": run.wall_seconds, "cpu_seconds": run.cpu_seconds, "resumed": resumed}
    record.write_text(json.dumps(result))
    return dict(result, cached=False)


# supysonic


def supysonic_available() -> bool:
    """Whether the peers venv holds supysonic."""
    return (PEERS_VENV / "bin" / "supysonic-cli").is_file()


def ensure_supysonic_first_scan(dirs: BenchDirs) -> str:
    """supysonic set up on the library by run_supysonic.sh (its timed first scan), once."""
    work = dirs.supysonic_work
    record = work / FIRST_SCAN_RECORD
    if record.exists():
        return record.read_text().strip() + " (cached)"
    print("supysonic: set-up and first scan with run_supysonic.sh ...", flush=True)
    script = str(PEERS / "run_supysonic.sh")
    try:
        subprocess.run([script, str(dirs.library), str(work)], check=True)
    finally:
        if (work / "server.pid").exists():
            subprocess.run([script, "--stop", str(work)], check=True)
    line = (work / "scan.txt").read_text().strip()
    record.write_text(line)
    return line


def supysonic_cli(work: Path, *args: str) -> ChildRun:
    """`supysonic-cli ARGS` as run_supysonic.sh runs it: config and HOME in its workdir."""
    env = dict(os.environ, HOME=str(work / "home"))
    return run_child([str(PEERS_VENV / "bin" / "supysonic-cli"), *args], cwd=work, env=env)


def supysonic_rescan(work: Path) -> tuple[ChildRun, float, str]:
    """A foreground rescan; its run, the scan alone (minus CLI start-up) and its summary."""
    start_up = supysonic_cli(work, "folder", "list")
    run = supysonic_cli(work, "folder", "scan", "--foreground", "music")
    summary = " / ".join(
        line.strip() for line in run.stdout.splitlines() if line.startswith(("Added", "Deleted"))
    )
    return run, max(run.wall_seconds - start_up.wall_seconds, 0.0), summary


# Report


@dataclass
class Row:
    """One rescan's figures."""

    wall_seconds: float
    scan_seconds: float
    peak_rss_kib: int
    cpu_seconds: float


def main() -> None:
    """Build what is missing, then rescan both ways, interleaved, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rescans of each (median)")
    parser.add_argument("--tracks", type=int, default=DEFAULT_TRACKS, help="library size")
    args = parser.parse_args()

    dirs = BenchDirs.for_tracks(args.tracks)
    files = ensure_library(dirs.library, args.tracks)
    first = ensure_tonearm_first_scan(dirs)
    print(
        f"library: {dirs.library}, {files} audio files"
        f"\ntonearm first scan (renditions off{', cached' if first['cached'] else ''}"
        f"{', resumed after an interruption: the part after it' if first.get('resumed') else ''}):"
        f" {first['wall_seconds']:.0f} s wall, {first['cpu_seconds']:.0f} s CPU"
        f" ({sum(first['outcomes'].values()) / first['scan_seconds']:.1f} files ingested/s),"
        f" outcomes {first['outcomes']}, unchanged {first['unchanged']}"
    )
    for failure in first["failures"]:
        print(f"  failed: {failure}")
    peer = supysonic_available()
    if peer:
        print(f"supysonic first scan: {ensure_supysonic_first_scan(dirs)}")
    else:
        print(f"supysonic not installed in {PEERS_VENV}: see {PEERS / 'README.md'}; tonearm only")

    with tempfile.TemporaryDirectory(prefix="empty-", dir=BENCH_ROOT) as empty:
        (Path(empty) / "music").mkdir()
        floor, _ = tonearm_scan(Path(empty) / "data", Path(empty) / "music")

    rows: dict[str, list[Row]] = {"tonearm": [], "supysonic": []}
    for round_number in range(args.rounds):
        # Alternate who goes first, so neither always gets the warmer page cache.
        order = ["tonearm", "supysonic"] if round_number % 2 == 0 else ["supysonic", "tonearm"]
        for name in order:
            if name == "tonearm":
                run, result = tonearm_scan(dirs.tonearm_data, dirs.library)
                rows[name].append(
                    Row(run.wall_seconds, result["scan_seconds"], run.peak_rss_kib, run.cpu_seconds)
                )
                detail = f"unchanged {result['unchanged']}, outcomes {result['outcomes']}, removed {result['removed']}"
            elif peer:
                run, scan_seconds, detail = supysonic_rescan(dirs.supysonic_work)
                rows[name].append(
                    Row(run.wall_seconds, scan_seconds, run.peak_rss_kib, run.cpu_seconds)
                )
            else:
                continue
            print(
                f"  round {round_number + 1} {name:<9} {run.wall_seconds:6.2f} s,"
                f" load {os.getloadavg()[0]:.1f}; {detail}",
                flush=True,
            )

    print(
        f"\nRescan of the unchanged library ({files} audio files), median of {args.rounds}:"
        f"\n{'':<26} {'process wall s':>14} {'scan s':>8} {'files/s':>9} {'cpu s':>7}"
        f" {'peak RSS MiB':>12}"
    )
    medians: dict[str, Row] = {}
    for name, runs in rows.items():
        if not runs:
            continue
        medians[name] = Row(
            median(r.wall_seconds for r in runs),
            median(r.scan_seconds for r in runs),
            max(r.peak_rss_kib for r in runs),
            median(r.cpu_seconds for r in runs),
        )
        m = medians[name]
        print(
            f"{name:<26} {m.wall_seconds:>14.2f} {m.scan_seconds:>8.2f}"
            f" {files / m.scan_seconds:>9.0f} {m.cpu_seconds:>7.2f} {m.peak_rss_kib / 1024:>12.0f}"
        )
    print(
        f"{'tonearm, empty library':<26} {floor.wall_seconds:>14.2f} {'':>8} {'':>9}"
        f" {floor.cpu_seconds:>7.2f} {floor.peak_rss_kib / 1024:>12.0f}"
    )
    ours = medians["tonearm"]
    if "supysonic" in medians:
        theirs = medians["supysonic"]
        print(
            f"supysonic / tonearm: {theirs.wall_seconds / ours.wall_seconds:.2f}x process wall,"
            f" {theirs.scan_seconds / ours.scan_seconds:.2f}x scan time,"
            f" {theirs.peak_rss_kib / ours.peak_rss_kib:.2f}x peak RSS"
        )
    verdict = "meets" if ours.scan_seconds < TARGET_SECONDS else "misses"
    print(f"tonearm rescan {ours.scan_seconds:.2f} s: {verdict} the {TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--child-scan", "--child-scan-no-sweep"):
        sweep = sys.argv[1] == "--child-scan"
        result = asyncio.run(scan_once(Path(sys.argv[2]), Path(sys.argv[3]), sweep=sweep))
        print(json.dumps(result))
    else:
        main()
