"""Storage footprint: stored bytes ÷ library bytes after `tonearm import`, before and after.

Generates with real ffmpeg (once, cached in /tmp/tonearm-bench/footprint) three libraries of
`--tracks` songs of TRACK_SECONDS each (a chord under a little pink noise, a different one per
song, tagged):

  (a) mp3-128   every song a 128 kbps CBR MP3 (ffmpeg/LAME, with a Xing/LAME Info frame)
  (b) flac      every song a FLAC
  (c) mix       in turn FLAC, 320k CBR MP3, 128k CBR MP3, VBR MP3 (-q:a 2), AAC in M4A
                (256k), Ogg Opus (128k)

and imports each into a fresh data directory with `tonearm import` (the copy into storage the
issue measured), once with the code before this change (`--before`, default: the merge base
of HEAD and main, exported with `git archive`) and once with this worktree's, interleaved per
library. Prints, side by side, library bytes, stored bytes (every object under
<data>/objects: originals, renditions, previews, waveforms, art) and their ratio, plus the
objects per prefix (original, high, medium, low, efficient, previews) and how many renditions
are served by the original itself (stand-ins).

Run: PYTHONPATH=src .venv/bin/python bench/bench_footprint.py [--tracks N] [--before REV]
     [--libraries mp3-128,flac,mix]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path("/tmp/tonearm-bench/footprint")
TRACK_SECONDS = 180  # a typical song: the 30 s preview weighs what it does in a real library
FFMPEG = "ffmpeg"
MIX = (
    ("flac", (".flac", "-c:a", "flac")),
    ("mp3-320", (".mp3", "-c:a", "libmp3lame", "-b:a", "320k")),
    ("mp3-128", (".mp3", "-c:a", "libmp3lame", "-b:a", "128k")),
    ("mp3-vbr", (".mp3", "-c:a", "libmp3lame", "-q:a", "2")),
    ("aac", (".m4a", "-c:a", "aac", "-b:a", "256k")),
    ("opus", (".opus", "-c:a", "libopus", "-b:a", "128k", "-ar", "48000")),
)
FORMATS = dict(MIX)
LIBRARIES = {
    "mp3-128": lambda i: "mp3-128",
    "flac": lambda i: "flac",
    "mix": lambda i: MIX[i % len(MIX)][0],
}
PREFIXES = ("original", "high", "medium", "low", "efficient", "previews")


def make_track(path: Path, index: int, fmt: str) -> None:
    extension, *codec = FORMATS[fmt]
    base = 196 + 37 * index
    chord = "+".join(
        f"{amp}*sin(2*PI*{base * ratio:.2f}*t)*(0.6+0.4*sin(2*PI*{0.5 + index % 3}*t))"
        for amp, ratio in ((0.25, 1), (0.15, 1.25), (0.12, 1.5), (0.06, 2))
    )
    subprocess.run(
        [FFMPEG, "-v", "error", "-y",
         "-f", "lavfi", "-i", f"aevalsrc={chord}|{chord}:s=44100:d={TRACK_SECONDS}",
         "-f", "lavfi", "-i", f"anoisesrc=d={TRACK_SECONDS}:c=pink:a=0.03:r=44100",
         "-filter_complex", "[0:a][1:a]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo",
         "-metadata", f"title=Track {index + 1}", "-metadata", "artist=Bench",
         "-metadata", "album=Footprint", "-metadata", f"track={index + 1}",
         *codec, str(path.with_suffix(extension))],
        check=True,
    )  # fmt: skip


def library(name: str, tracks: int) -> Path:
    folder = BENCH / f"{name}-{tracks}"
    done = folder / ".done"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(tracks):
            fmt = LIBRARIES[name](index)
            make_track(folder / f"{index + 1:02d} {fmt}", index, fmt)
        done.write_text("ok")
    return folder


def files_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != ".done")


def export_before(rev: str) -> Path:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", rev], check=True, capture_output=True, text=True
    ).stdout.strip()
    target = BENCH / f"src-{commit[:12]}"
    if not (target / "src" / "tonearm").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def import_into(src: Path, folder: Path) -> tuple[int, Counter[str], Counter[str], int, float]:
    """Import `folder` with the tonearm under `src` into a fresh data dir: stored bytes, objects
    and bytes per prefix, stand-in rows, wall seconds."""
    with tempfile.TemporaryDirectory(prefix="footprint-", dir=BENCH) as data:
        env = {**os.environ, "PYTHONPATH": str(src), "TONEARM_DATA_DIR": data}
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from tonearm.cli import main; main()",
                "import",
                str(folder),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - started
        objects = Path(data) / "objects"
        counts: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        for path in objects.rglob("*"):
            if path.is_file():
                prefix = path.relative_to(objects).parts[0]
                counts[prefix] += 1
                sizes[prefix] += path.stat().st_size
        with sqlite3.connect(Path(data) / "tonearm.db") as db:
            (stand_ins,) = db.execute(
                "SELECT count(*) FROM renditions r JOIN songs s ON s.id = r.song_id"
                " WHERE r.storage_key = s.original_key"
            ).fetchone()
        return sum(sizes.values()), counts, sizes, stand_ins, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=6)
    parser.add_argument("--before", default=None, help="git revision (default: merge base)")
    parser.add_argument("--libraries", default=",".join(LIBRARIES), help="comma-separated")
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    before_rev = (
        args.before
        or subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    if args.before is None and before_rev == head:
        sys.exit("HEAD is already merged into main: pass --before REV (the code to compare with)")
    sources = {"before": export_before(before_rev), "after": ROOT / "src"}
    print(
        f"before = {before_rev[:12]}, after = this worktree; {args.tracks} × {TRACK_SECONDS} s",
        flush=True,
    )
    chosen = [name for name in args.libraries.split(",") if name in LIBRARIES]
    rows = []
    for name in chosen:
        folder = library(name, args.tracks)
        library_bytes = files_bytes(folder)
        for label, src in sources.items():  # interleaved: before, after per library
            stored, counts, sizes, stand_ins, wall = import_into(src, folder)
            rows.append((name, label, library_bytes, stored, counts, sizes, stand_ins, wall))
            print(
                f"  {name} {label}: {stored / library_bytes:.2f}× "
                f"({stored / 1e6:.1f} of {library_bytes / 1e6:.1f} MB) {dict(counts)} "
                f"stand-ins {stand_ins}, {wall:.0f} s",
                flush=True,
            )
    print()
    print(f"{'library':<9} {'code':<7} {'library MB':>10} {'stored MB':>10} {'ratio':>6}  "
          + " ".join(f"{p:>9}" for p in PREFIXES) + f" {'stand-in':>8} {'import s':>8}")  # fmt: skip
    for name, label, library_bytes, stored, counts, _, stand_ins, wall in rows:
        print(
            f"{name:<9} {label:<7} {library_bytes / 1e6:>10.2f} {stored / 1e6:>10.2f} "
            f"{stored / library_bytes:>5.2f}×  "
            + " ".join(f"{counts.get(p, 0):>9}" for p in PREFIXES)
            + f" {stand_ins:>8} {wall:>8.1f}"
        )
    print()
    print("MB per prefix (before → after):")
    for name in chosen:
        pair = [r for r in rows if r[0] == name]
        before, after = pair[0][5], pair[1][5]
        parts = [
            f"{p} {before.get(p, 0) / 1e6:.2f}→{after.get(p, 0) / 1e6:.2f}"
            for p in (*PREFIXES, "waveforms", "art")
            if before.get(p) or after.get(p)
        ]
        print(f"  {name:<9} " + ", ".join(parts))


if __name__ == "__main__":
    main()
