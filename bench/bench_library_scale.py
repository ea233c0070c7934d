"""Library scale: first scan, unchanged rescan, peak RSS and enrichment, beside supysonic.

Issue 15's benchmark. Libraries come from ../shared/peers/make_library.py (called, not
copied): `--sizes` of them (default 1,000; the big run adds 10,000), short tracks of 2-4 s,
MP3 128k with every 20th a FLAC, ~N/10 albums with a cover.jpg, every track different audio.
Each is made once into /tmp/tonearm-bench/scale-lib-<N> and reused. Sizes above 2,000 are
copies of the 1,000-track library, each part with its own names and audio (scale_library.py:
make_library.py needs ~10 min for 10,000 tracks on an idle 2-core machine, over an hour on a
busy one; `--generate-all` waits for it), in /tmp/tonearm-bench/scale-lib-<N>-derived.

tonearm runs as a user runs it: the venv's `tonearm` in a child process, PYTHONPATH = the
source tree under test (`--src`, default this repository's src/), its own fresh data
directory, TONEARM_MUSIC_FOLDERS = the library, every other TONEARM_* variable cleared (add
some with `--env`). supysonic is ../shared/peers/run_supysonic.sh (set up /tmp/peers/venv
as ../shared/peers/README.md says; without it only tonearm's figures are printed).

The tree under test is probed first: if `tonearm enrich --help` exits 0, scanning is
two-phase (`tonearm scan` = phase 1, `tonearm enrich` = phase 2); otherwise `tonearm scan`
is the whole pipeline and the figures say so. For each size, in one run:

  1. first scan, `--rounds` times, tonearm and supysonic alternating (who goes first flips):
     tonearm's time until the first and until every file is listed (the songs table of
     <data>/tonearm.db polled read-only every 0.1 s, from process start) and files/s on
     that; supysonic's `supysonic-cli folder scan --foreground music` into a fresh database
     (configured by run_supysonic.sh, as it configures it for its own timed scan), its CLI
     start-up (`folder list`) subtracted, which favours supysonic. For both: process wall,
     CPU seconds (process and children, from wait4: what the load cannot inflate) and peak
     RSS (ru_maxrss).
  2. unchanged rescan of the last first scan's state, `--rounds` times, alternating:
     `tonearm scan` vs supysonic's scan; process wall, CPU, and the scan alone (wall minus a
     start-up floor: tonearm rescanning an empty folder, supysonic's `folder list`).
     Targets at 10,000: tonearm ≤ 0.1× supysonic's time and < 5 s. On a two-phase tree the
     rescanned library is phase-1 only (enriching 10,000 songs first would take hours).
  3. peak RSS of the first-scan process at each size over the smallest (target at 10,000
     vs 1,000: ≤ 1.2×).
Then 4. enrichment songs/min with 1 and 2 jobs at once (`--enrich-jobs`) on a separate
`--enrich-tracks` library (default 200): phase 1 untimed, then `tonearm enrich` timed until
its queue is empty. A single-phase tree has no enrichment: its whole `tonearm scan` with
TONEARM_IMPORT_JOBS = 1, 2 is timed instead, as the baseline, and labelled so.

The machine's 2 cores are shared: only ratios within one run mean much; the load average is
printed beside each measurement. Medians over `--rounds`.

Run: .venv/bin/python bench/bench_library_scale.py [--sizes 1000,10000] [--rounds 2]
     [--src PATH] [--enrich-tracks N] [--enrich-jobs 1,2] [--no-supysonic] [--no-rescan]
     [--env TONEARM_X=Y] [--single-phase-limit N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_library import derive_library

BENCH_ROOT = Path("/tmp/tonearm-bench")
PEERS = Path("/work/shared/peers")
PEERS_VENV = Path("/tmp/peers/venv")
REPO = Path(__file__).resolve().parent.parent
LIBRARY_SEED = 15
ENRICH_SEED = 16
TRACK_SECONDS = (2, 4)
POLL_SECONDS = 0.1
RESCAN_TARGET_SECONDS = 5.0
RESCAN_TARGET_RATIO = 0.1
RSS_TARGET_RATIO = 1.2
# Larger libraries are copies of this one with new tags and audio (scale_library.py), unless
# --generate-all: make_library.py takes over an hour for 10,000 tracks on a busy machine.
DERIVE_FROM = 1000


@dataclass(frozen=True)
class Library:
    """A generated library and how many audio files it holds."""

    path: Path
    files: int


def ensure_library(name: str, tracks: int, seed: int) -> Library:
    """make_library.py's library (it reuses an identical one already there)."""
    path = BENCH_ROOT / f"{name}-{tracks}"
    subprocess.run(
        [
            sys.executable, str(PEERS / "make_library.py"), str(path), "-n", str(tracks),
            "--seed", str(seed), "--min-dur", str(TRACK_SECONDS[0]),
            "--max-dur", str(TRACK_SECONDS[1]), "-j", str(os.cpu_count() or 1),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    manifest = json.loads((path / ".manifest.json").read_text())
    return Library(path, len(manifest["tracks"]))


def scale_library(tracks: int, generate_all: bool) -> Library:
    """The library of `tracks` for the scan figures: make_library.py's own, or for a larger
    multiple of DERIVE_FROM, copies of that one (see scale_library.py)."""
    if generate_all or tracks <= 2 * DERIVE_FROM or tracks % DERIVE_FROM:
        return ensure_library("scale-lib", tracks, LIBRARY_SEED)
    base = ensure_library("scale-lib", DERIVE_FROM, LIBRARY_SEED)
    path = BENCH_ROOT / f"scale-lib-{tracks}-derived"
    return Library(path, derive_library(base.path, path, tracks // DERIVE_FROM))


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, its rusage (from wait4), output, exit code."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_kib: int
    output: str
    returncode: int
    # Seconds from start until `watch` first counted 1 and `target` (None: it never did).
    first_seconds: float | None = None
    reached_seconds: float | None = None

    def tail(self, lines: int = 3) -> str:
        """The last lines of its output, for a report line."""
        return " | ".join(line.strip() for line in self.output.strip().splitlines()[-lines:])

    def outcomes(self) -> str:
        """The rows of tonearm's "ingest report" table ("unchanged 40, imported 2"), else
        the last lines of its output."""
        rows = re.findall(r"│\s*([\w -]+?)\s*│\s*(\d+)\s*│", self.output)
        return ", ".join(f"{name} {count}" for name, count in rows) or self.tail(2)


def run_child(
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path | None = None,
    watch: Callable[[], int | None] | None = None,
    target: int = 0,
) -> ChildRun:
    """Run `command` to completion; `watch` (a count) is polled meanwhile, from another
    thread so the wall time is not rounded up to the polling interval, for the times it
    first reaches 1 and `target`."""
    first: list[float] = []
    reached: list[float] = []
    stop = threading.Event()
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)

        def poll() -> None:
            while not stop.wait(POLL_SECONDS):
                count = (watch() if watch is not None else None) or 0
                if count and not first:
                    first.append(time.perf_counter() - started)
                if count >= target > 0:
                    reached.append(time.perf_counter() - started)
                    return

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        poller.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if watch is not None and not reached and (watch() or 0) >= target > 0:
        reached.append(wall)  # listed only when the process ended (one final commit)
        first = first or reached
    return ChildRun(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss,
        text,
        process.returncode,
        first[0] if first else None,
        reached[0] if reached else None,
    )


def load() -> str:
    """The 1-minute load average, printed beside each measurement."""
    return f"load {os.getloadavg()[0]:.1f}"


# tonearm


@dataclass(frozen=True)
class Tonearm:
    """How to run the tree under test, and what it can do."""

    binary: Path
    src: Path
    extra_env: dict[str, str]

    def env(
        self, data_dir: Path, library: Path, more: dict[str, str] | None = None
    ) -> dict[str, str]:
        """A clean environment: no inherited TONEARM_*, this tree first on the path."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
        env["PYTHONPATH"] = str(self.src)
        env["TONEARM_DATA_DIR"] = str(data_dir)
        env["TONEARM_MUSIC_FOLDERS"] = str(library)
        return env | self.extra_env | (more or {})

    def run(
        self,
        args: list[str],
        data_dir: Path,
        library: Path,
        *,
        more_env: dict[str, str] | None = None,
        expect_listed: int | None = None,
    ) -> ChildRun:
        """`tonearm ARGS`; with `expect_listed`, the time until that many songs are listed."""
        watch = None
        if expect_listed is not None:
            db = data_dir / "tonearm.db"
            watch = lambda: listed_songs(db)  # noqa: E731
        env = self.env(data_dir, library, more_env)
        return run_child([str(self.binary), *args], env=env, watch=watch, target=expect_listed or 0)

    def supports(self, *args: str) -> tuple[bool, str]:
        """Whether `tonearm ARGS --help` exits 0, and its help text."""
        with tempfile.TemporaryDirectory(prefix="probe-", dir=BENCH_ROOT) as tmp:
            run = self.run([*args, "--help"], Path(tmp), Path(tmp))
        return run.returncode == 0, run.output

    def describe(self) -> str:
        """The tree under test: path, branch and commit."""
        git = ["git", "-C", str(self.src)]
        head = subprocess.run([*git, "log", "-1", "--format=%h %s"], capture_output=True, text=True)
        branch = subprocess.run([*git, "branch", "--show-current"], capture_output=True, text=True)
        return f"{self.src} ({branch.stdout.strip() or '?'} @ {head.stdout.strip()[:70]})"


def listed_songs(db: Path) -> int | None:
    """Live songs in tonearm's SQLite database, read-only; None while it cannot be read."""
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)) as conn:
            row = conn.execute("SELECT count(*) FROM songs WHERE deleted_at IS NULL").fetchone()
    except sqlite3.Error:
        return None  # not created yet, or locked for a moment
    return int(row[0])


@dataclass(frozen=True)
class Capabilities:
    """What the tree under test supports."""

    two_phase: bool
    enrich_jobs_option: bool
    scan_status: bool

    @classmethod
    def probe(cls, tonearm: Tonearm) -> Capabilities:
        enrich, enrich_help = tonearm.supports("enrich")
        _, scan_help = tonearm.supports("scan")
        return cls(enrich, enrich and "--jobs" in enrich_help, "--status" in scan_help)


# supysonic


def supysonic_available() -> bool:
    """Whether the peers venv holds supysonic."""
    return (PEERS_VENV / "bin" / "supysonic-cli").is_file()


def supysonic_cli(work: Path, *args: str) -> ChildRun:
    """`supysonic-cli ARGS` as run_supysonic.sh runs it: config and HOME in its workdir."""
    env = dict(os.environ, HOME=str(work / "home"))
    return run_child([str(PEERS_VENV / "bin" / "supysonic-cli"), *args], env=env, cwd=work)


class Supysonic:
    """supysonic on one library: configured by run_supysonic.sh (run on an empty folder, so
    that its own scan costs nothing), then each first scan in a fresh workdir with that
    configuration and a fresh database, timed here so CPU time and peak RSS are known too."""

    def __init__(self, library: Library, scratch: Path) -> None:
        self.library = library
        self.scratch = scratch
        self.setup = scratch / f"supysonic-{library.files}-setup"
        self.work: Path | None = None

    def set_up(self) -> str:
        """run_supysonic.sh on an empty folder, its server stopped again; its version line."""
        script = str(PEERS / "run_supysonic.sh")
        empty = self.setup / "empty-library"
        empty.mkdir(parents=True, exist_ok=True)
        try:
            run = run_child([script, str(empty), str(self.setup)], env=dict(os.environ))
        finally:
            if (self.setup / "server.pid").exists():
                subprocess.run(
                    [script, "--stop", str(self.setup)], check=False, capture_output=True
                )
        if run.returncode != 0:
            raise SystemExit(f"run_supysonic.sh failed:\n{run.output}")
        return run.output.strip().splitlines()[0]

    def first_scan(self, round_number: int) -> tuple[ChildRun, ChildRun]:
        """A fresh workdir, the folder added, then (start-up floor, timed foreground scan)."""
        work = self.scratch / f"supysonic-{self.library.files}-{round_number}"
        for sub in ("cache", "home"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        config = (self.setup / "supysonic.conf").read_text()
        (work / "supysonic.conf").write_text(config.replace(str(self.setup), str(work)))
        added = supysonic_cli(work, "folder", "add", "music", str(self.library.path))
        if added.returncode != 0:
            raise SystemExit(f"supysonic-cli folder add failed:\n{added.output}")
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
        self.work = work
        return self.scan()

    def scan(self) -> tuple[ChildRun, ChildRun]:
        """(`folder list`: CLI start-up, as run_supysonic.sh subtracts it; the scan)."""
        assert self.work is not None
        floor = supysonic_cli(self.work, "folder", "list")
        run = supysonic_cli(self.work, "folder", "scan", "--foreground", "music")
        if run.returncode != 0:
            raise SystemExit(f"supysonic scan failed:\n{run.output}")
        return floor, run


def supysonic_summary(run: ChildRun) -> str:
    """supysonic's "Added: …" and "Deleted: …" lines."""
    lines = run.output.splitlines()
    return " / ".join(line.strip() for line in lines if line.startswith(("Added", "Deleted")))


# Measurements


@dataclass(frozen=True)
class Figure:
    """One measured run, reduced to what the tables print."""

    wall_seconds: float  # the process, start-up included
    scan_seconds: float  # first scan: tonearm until all listed, supysonic wall minus start-up
    cpu_seconds: float  # the process and its children: what load on the machine cannot inflate
    peak_rss_kib: int
    first_listed_seconds: float = float("nan")  # tonearm's first scan: the first song listed


def med(figures: list[Figure]) -> Figure:
    """Medians (peak RSS: the largest seen)."""
    return Figure(
        median(f.wall_seconds for f in figures),
        median(f.scan_seconds for f in figures),
        median(f.cpu_seconds for f in figures),
        max(f.peak_rss_kib for f in figures),
        median(f.first_listed_seconds for f in figures),
    )


def check(run: ChildRun, what: str) -> None:
    """Say so when a tonearm run failed (a failed file makes scan exit 1): figures stay."""
    if run.returncode != 0:
        print(f"    ! {what} exited {run.returncode}: {run.tail(4)}", flush=True)


@dataclass
class SizeResult:
    """Everything measured on one library size."""

    library: Library
    first: dict[str, Figure]
    rescan: dict[str, Figure]


def alternate(round_number: int) -> list[str]:
    """Who goes first flips every round, so neither always gets the warmer page cache."""
    return ["tonearm", "supysonic"] if round_number % 2 == 0 else ["supysonic", "tonearm"]


def line(what: str, name: str, run: ChildRun, detail: str) -> None:
    print(
        f"  {what} {name:<9} {run.wall_seconds:7.2f} s wall, {run.cpu_seconds:6.1f} s CPU,"
        f" {run.peak_rss_kib / 1024:4.0f} MiB, {load()}; {detail}",
        flush=True,
    )


def measure_size(
    tonearm: Tonearm, library: Library, args: argparse.Namespace, peer: bool, scratch: Path
) -> SizeResult:
    """First scans, then rescans of the last one's state; tonearm and supysonic alternating."""
    runs: dict[str, list[Figure]] = {"tonearm": [], "supysonic": []}
    data_dir = scratch / "none"
    supysonic = Supysonic(library, scratch)
    if peer:
        print(f"  configured by run_supysonic.sh: {supysonic.set_up()}", flush=True)
    for round_number in range(args.rounds):
        for name in alternate(round_number):
            if name == "tonearm":
                shutil.rmtree(data_dir, ignore_errors=True)
                data_dir = scratch / f"tonearm-{library.files}-{round_number}"
                run = tonearm.run(["scan"], data_dir, library.path, expect_listed=library.files)
                check(run, "tonearm scan")
                listed, first = run.reached_seconds, run.first_seconds
                runs[name].append(
                    Figure(
                        run.wall_seconds,
                        listed or float("nan"),
                        run.cpu_seconds,
                        run.peak_rss_kib,
                        first or float("nan"),
                    )
                )
                detail = (
                    f"first listed after {first or float('nan'):.2f} s, all after {listed:.2f} s"
                    if listed is not None
                    else f"only {listed_songs(data_dir / 'tonearm.db')} of {library.files} listed"
                )
            elif peer:
                floor, run = supysonic.first_scan(round_number)
                net = max(run.wall_seconds - floor.wall_seconds, 0.0)
                runs[name].append(Figure(run.wall_seconds, net, run.cpu_seconds, run.peak_rss_kib))
                detail = f"{net:.2f} s without CLI start-up; {supysonic_summary(run)}"
            else:
                continue
            line(f"first scan {round_number + 1}", name, run, detail[:120])
    first_scan = {name: med(figures) for name, figures in runs.items() if figures}

    rescan: dict[str, Figure] = {}
    if args.no_rescan:
        return SizeResult(library, first_scan, rescan)
    floor_run = tonearm_floor(tonearm, scratch)
    runs = {"tonearm": [], "supysonic": []}
    for round_number in range(args.rounds):
        for name in alternate(round_number):
            if name == "tonearm":
                run = tonearm.run(["scan"], data_dir, library.path)
                check(run, "tonearm rescan")
                net = max(run.wall_seconds - floor_run.wall_seconds, 0.0)
                detail = run.outcomes()
            elif peer:
                floor, run = supysonic.scan()
                net = max(run.wall_seconds - floor.wall_seconds, 0.0)
                detail = supysonic_summary(run)
            else:
                continue
            runs[name].append(Figure(run.wall_seconds, net, run.cpu_seconds, run.peak_rss_kib))
            line(f"rescan {round_number + 1}", name, run, f"{net:.2f} s scan alone; {detail}"[:120])
    rescan = {name: med(figures) for name, figures in runs.items() if figures}
    print(
        f"  (tonearm's start-up floor, a rescan of an empty folder: {floor_run.wall_seconds:.2f} s"
        f" wall, {floor_run.cpu_seconds:.2f} s CPU)"
    )
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return SizeResult(library, first_scan, rescan)


def tonearm_floor(tonearm: Tonearm, scratch: Path) -> ChildRun:
    """`tonearm scan` of an empty folder in an initialised data directory: interpreter
    start-up, imports and opening the database, what a rescan cannot avoid (the faster of
    two, after one that creates the database)."""
    empty = scratch / "empty"
    (empty / "music").mkdir(parents=True, exist_ok=True)
    runs = [tonearm.run(["scan"], empty / "data", empty / "music") for _ in range(3)]
    shutil.rmtree(empty, ignore_errors=True)
    return min(runs[1:], key=lambda run: run.wall_seconds)


def measure_enrichment(
    tonearm: Tonearm, caps: Capabilities, library: Library, args: argparse.Namespace, scratch: Path
) -> dict[int, tuple[float, float]]:
    """(songs/min, CPU s/song) per job count: `tonearm enrich` after an untimed phase 1
    (two-phase tree), else the whole `tonearm scan` with TONEARM_IMPORT_JOBS (baseline)."""
    per_jobs: dict[int, list[tuple[float, float]]] = {jobs: [] for jobs in args.enrich_jobs}
    for round_number in range(args.rounds):
        order = args.enrich_jobs if round_number % 2 == 0 else args.enrich_jobs[::-1]
        for jobs in order:
            data_dir = scratch / f"enrich-{jobs}-{round_number}"
            if caps.two_phase:
                check(tonearm.run(["scan"], data_dir, library.path), "phase 1")
                if caps.enrich_jobs_option:
                    run = tonearm.run(["enrich", "--jobs", str(jobs)], data_dir, library.path)
                else:
                    env = {"TONEARM_ENRICH_JOBS": str(jobs)}
                    run = tonearm.run(["enrich"], data_dir, library.path, more_env=env)
                check(run, "tonearm enrich")
                status = run.tail(1)
                if caps.scan_status:
                    status = tonearm.run(["scan", "--status"], data_dir, library.path).tail(1)
            else:
                env = {"TONEARM_IMPORT_JOBS": str(jobs)}
                run = tonearm.run(["scan"], data_dir, library.path, more_env=env)
                check(run, "tonearm scan")
                status = run.outcomes()
            songs = listed_songs(data_dir / "tonearm.db") or 0
            rate = songs / run.wall_seconds * 60
            per_jobs[jobs].append((rate, run.cpu_seconds / max(songs, 1)))
            print(
                f"  enrichment {round_number + 1}, {jobs} job(s): {songs} songs in"
                f" {run.wall_seconds:.1f} s = {rate:.0f} songs/min, {run.cpu_seconds:.0f} s CPU,"
                f" {load()}; {status[:100]}",
                flush=True,
            )
            if not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    return {
        jobs: (median(r for r, _ in figures), median(c for _, c in figures))
        for jobs, figures in per_jobs.items()
    }


# Report


def verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def print_table(title: str, results: list[SizeResult], which: str) -> None:
    """One table (first scan or rescan): a row per size and tool."""
    if not results:
        return
    print(f"\n{title}")
    print(
        f"{'':<10} {'files':>6} {'wall s':>8} {'1st listed':>10} {'scan s':>8} {'files/s':>8}"
        f" {'cpu s':>7} {'files/cpu-s':>11} {'RSS MiB':>8}"
    )
    for result in results:
        n = result.library.files
        for name, fig in getattr(result, which).items():
            first = f"{'':>10}"
            if which == "first" and name == "tonearm":
                first = f"{fig.first_listed_seconds:>10.2f}"
            print(
                f"{name:<10} {n:>6} {fig.wall_seconds:>8.2f} {first} {fig.scan_seconds:>8.2f}"
                f" {n / max(fig.scan_seconds, 1e-9):>8.0f} {fig.cpu_seconds:>7.1f}"
                f" {n / max(fig.cpu_seconds, 1e-9):>11.0f} {fig.peak_rss_kib / 1024:>8.0f}"
            )


def report(
    results: list[SizeResult],
    enrichment: dict[int, tuple[float, float]],
    caps: Capabilities,
    rounds: int,
) -> None:
    """The closing tables and the targets."""
    kind = "phase 1" if caps.two_phase else "single-phase tree: the whole pipeline"
    print_table(
        f"First scan ({kind}), median of {rounds}. scan s: tonearm until every song is listed"
        " (from process start), supysonic its scan without CLI start-up",
        results,
        "first",
    )
    for result in results:
        if "supysonic" in result.first:
            ours, theirs = result.first["tonearm"], result.first["supysonic"]
            speed = theirs.scan_seconds / ours.scan_seconds
            print(
                f"  {result.library.files} files: tonearm lists them {speed:.2f}x as fast as"
                f" supysonic scans them ({theirs.cpu_seconds / ours.cpu_seconds:.2f}x per CPU"
                f" second): {verdict(speed > 1)} the target (faster than supysonic)"
            )
    if any(r.rescan for r in results):
        print_table(
            f"Unchanged rescan, median of {rounds}. scan s: wall minus the start-up floor",
            results,
            "rescan",
        )
        for result in results:
            if "tonearm" not in result.rescan:
                continue
            ours = result.rescan["tonearm"]
            text = (
                f"  {result.library.files} files: tonearm {ours.wall_seconds:.2f} s wall:"
                f" {verdict(ours.wall_seconds < RESCAN_TARGET_SECONDS)} < {RESCAN_TARGET_SECONDS:g} s"
            )
            if "supysonic" in result.rescan:
                theirs = result.rescan["supysonic"]
                ratio = ours.wall_seconds / theirs.wall_seconds
                text += (
                    f"; {ratio:.2f}x supysonic's wall"
                    f" ({ours.scan_seconds / max(theirs.scan_seconds, 1e-9):.2f}x scan alone,"
                    f" {ours.cpu_seconds / theirs.cpu_seconds:.2f}x CPU):"
                    f" {verdict(ratio <= RESCAN_TARGET_RATIO)} <= {RESCAN_TARGET_RATIO}x"
                )
            print(
                text + (" (the targets are for 10,000)" if result.library.files != 10_000 else "")
            )
    sized = sorted((r for r in results if "tonearm" in r.first), key=lambda r: r.library.files)
    for result in sized[1:]:
        base = sized[0]
        ratio = result.first["tonearm"].peak_rss_kib / base.first["tonearm"].peak_rss_kib
        print(
            f"\nPeak RSS of tonearm's first scan, {result.library.files} vs {base.library.files}"
            f" files: {ratio:.2f}x: {verdict(ratio <= RSS_TARGET_RATIO)} <= {RSS_TARGET_RATIO}x"
        )
    if enrichment:
        label = "tonearm enrich" if caps.two_phase else "none on this tree: the whole scan instead"
        (base_rate, _), *_ = enrichment.values()
        print(f"\nEnrichment ({label}), median of {rounds}:")
        for jobs, (rate, cpu) in enrichment.items():
            print(
                f"  {jobs} job(s): {rate:.0f} songs/min ({rate / base_rate:.2f}x),"
                f" {cpu:.2f} CPU s/song"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000", help='library sizes, comma-separated ("": none)')
    parser.add_argument("--rounds", type=int, default=2, help="repeats of each (median)")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="tonearm tree under test")
    parser.add_argument("--tonearm", type=Path, default=Path(sys.executable).with_name("tonearm"))
    parser.add_argument("--enrich-tracks", type=int, default=200, help="0: no enrichment figure")
    parser.add_argument("--enrich-jobs", default="1,2", help="job counts, comma-separated")
    parser.add_argument("--no-supysonic", action="store_true", help="tonearm's figures only")
    parser.add_argument("--no-rescan", action="store_true", help="skip the rescan figure")
    parser.add_argument("--env", action="append", default=[], metavar="TONEARM_X=Y")
    parser.add_argument(
        "--single-phase-limit",
        type=int,
        default=2000,
        help="on a tree without phase 1, larger sizes are skipped (its first scan takes hours)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument(
        "--generate-all",
        action="store_true",
        help=f"make_library.py for every size (default: sizes above {2 * DERIVE_FROM} are"
        f" copies of the {DERIVE_FROM}-track library with new tags and audio)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]  # "": enrichment only
    args.enrich_jobs = [int(j) for j in args.enrich_jobs.split(",")]

    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    extra = dict(item.split("=", 1) for item in args.env)
    tonearm = Tonearm(args.tonearm, args.src.resolve(), extra)
    caps = Capabilities.probe(tonearm)
    print(f"tree under test: {tonearm.describe()}")
    print(
        "  two-phase scanning (`tonearm enrich` exists)"
        if caps.two_phase
        else "  single-phase: no `tonearm enrich`; `tonearm scan` is the whole pipeline,"
        " so the first scan is not a phase-1 figure and enrichment is measured as the"
        " whole scan"
    )
    peer = supysonic_available() and not args.no_supysonic
    if not peer and not args.no_supysonic:
        print(f"supysonic not installed in {PEERS_VENV}: see {PEERS / 'README.md'}; tonearm only")

    results: list[SizeResult] = []
    enrichment: dict[int, float] = {}
    scratch = Path(tempfile.mkdtemp(prefix="scale-run-", dir=BENCH_ROOT))
    try:
        for size in sizes:
            if not caps.two_phase and size > args.single_phase_limit:
                print(
                    f"\n{size} files: skipped, this tree has no phase-1 scan"
                    f" (--single-phase-limit {args.single_phase_limit})"
                )
                continue
            library = scale_library(size, args.generate_all)
            print(f"\nlibrary {library.path}: {library.files} audio files", flush=True)
            results.append(measure_size(tonearm, library, args, peer, scratch))
        if args.enrich_tracks:
            library = ensure_library("scale-enrich-lib", args.enrich_tracks, ENRICH_SEED)
            print(f"\nenrichment library {library.path}: {library.files} audio files", flush=True)
            enrichment = measure_enrichment(tonearm, caps, library, args, scratch)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"data directories kept in {scratch}")
    report(results, enrichment, caps, args.rounds)


if __name__ == "__main__":
    main()
