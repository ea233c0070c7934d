"""Audio analysis accuracy and cost on generated songs with known truth (bench/analysis_corpus.py).

For the tune seed (what the analyser was tuned on) and the report seed (never looked at while
tuning), prints one table: tonearm's analyser beside librosa's defaults —
- tempo: within ±2% of the notated beat (acc1), and allowing half/double (acc2);
  librosa: `librosa.beat.beat_track` (default arguments);
- key: exact, and exact-or-relative major/minor; librosa: a plain Krumhansl-Kessler
  correlation of `librosa.feature.chroma_stft`'s mean (default arguments);
- beat grid: F-measure of the beats against the notated beats (±70 ms);
- metre (3 vs 4), intro end and outro start within 1 s (tonearm only);
- cost: analysis seconds per second of audio (×RT), single process;
- style clustering: the 10 nearest songs by embedding share the query's style, %.

Targets (issue 21): acc1 ≥ 90%, acc2 ≥ 97%, key exact-or-relative ≥ 80%, intro/outro within
1 s, cost ≤ 0.05× real time, style clustering ≥ 80%.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_analysis.py [--count N] [--seeds 2101,2102]
     [--no-librosa] [--verbose] [--long]
`--long` instead times one 20-minute song and its peak memory.
librosa's beat tracker is numba-jitted: its first call compiles (~20 s, cached under
NUMBA_CACHE_DIR, /tmp/tonearm-bench/numba by default); the cost column times tonearm only.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np
from bench.analysis_corpus import REPORT_SEED, TUNE_SEED, Case, generate

from tonearm.analysis.analyser import analyse_pcm
from tonearm.analysis.models import SongFeatures

_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass
class Row:
    case: Case
    features: SongFeatures
    seconds: float
    librosa_tempo: float | None = None
    librosa_key: tuple[int, str] | None = None


def tempo_ok(estimate: float | None, truth: float, octave: bool = False) -> bool:
    if not estimate:
        return False
    factors = (1.0, 2.0, 0.5) if octave else (1.0,)
    return any(abs(estimate * f / truth - 1.0) <= 0.02 for f in factors)


def key_ok(estimate: tuple[int, str] | None, case: Case, relative: bool = True) -> bool:
    if estimate is None:
        return False
    pitch, mode = estimate
    if (pitch, mode) == (case.key_pitch, case.mode):
        return True
    if not relative or mode == case.mode:
        return False
    # The relative minor sits 3 semitones below its major.
    if case.mode == "major":
        return pitch == (case.key_pitch + 9) % 12
    return pitch == (case.key_pitch + 3) % 12


def librosa_estimates(case: Case) -> tuple[float | None, tuple[int, str] | None]:
    import librosa

    y, sr = case.samples, case.sample_rate
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    tempo_value = float(np.atleast_1d(tempo)[0]) or None
    chroma = librosa.feature.chroma_stft(y=y, sr=sr).mean(axis=1)
    scores = []
    for pitch in range(12):
        rotated = np.roll(chroma, -pitch)
        scores.append((np.corrcoef(rotated, _KK_MAJOR)[0, 1], pitch, "major"))
        scores.append((np.corrcoef(rotated, _KK_MINOR)[0, 1], pitch, "minor"))
    _, pitch, mode = max(scores)
    return tempo_value, (pitch, mode)


def beat_f_measure(
    estimated: tuple[float, ...], truth: tuple[float, ...], window: float = 0.07
) -> float:
    """MIREX-style beat F-measure: an estimated beat within ±70 ms of an unmatched true beat is a hit."""
    if not estimated or not truth:
        return 0.0
    reference = np.asarray(truth)
    used = np.zeros(len(reference), dtype=bool)
    hits = 0
    for beat in estimated:
        distance = np.abs(reference - beat)
        distance[used] = np.inf
        i = int(np.argmin(distance))
        if distance[i] <= window:
            used[i] = True
            hits += 1
    precision, recall = hits / len(estimated), hits / len(reference)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def style_clustering(rows: list[Row], k: int = 10) -> float:
    vectors = np.array([row.features.embedding for row in rows])
    styles = [row.case.style for row in rows]
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    shares = []
    for i in range(len(rows)):
        nearest = np.argsort(-sims[i])[:k]
        shares.append(np.mean([styles[j] == styles[i] for j in nearest]))
    return float(np.mean(shares)) * 100


def pct(flags: list[bool]) -> float:
    return 100.0 * sum(flags) / max(1, len(flags))


def run_seed(seed: int, count: int, with_librosa: bool, verbose: bool) -> dict[str, float]:
    cases = generate(seed, count)
    rows = []
    for case in cases:
        started = time.perf_counter()
        features = analyse_pcm(case.samples, case.sample_rate)
        row = Row(case, features, time.perf_counter() - started)
        if with_librosa:
            row.librosa_tempo, row.librosa_key = librosa_estimates(case)
        rows.append(row)
        if verbose:
            f = features
            key = (f.key.pitch, f.key.mode.value) if f.key else None
            mark = (
                "OK "
                if tempo_ok(f.tempo_bpm, case.tempo)
                else ("oct" if tempo_ok(f.tempo_bpm, case.tempo, True) else "XX ")
            )
            print(
                f"  {case.name:20s} {case.tempo:6.1f} -> {f.tempo_bpm or 0:6.1f} {mark}"
                f" m{case.meter}->{f.meter} key {case.key_name:9s} -> {f.key.name if f.key else '-':9s}"
                f" {'ok' if key_ok(key, case) else 'XX'}"
                f" intro {case.intro_end:5.1f}/{f.intro_end:5.1f} outro {case.outro_start:5.1f}/{f.outro_start:5.1f}"
                f" librosa {row.librosa_tempo or 0:6.1f}"
            )
    audio = sum(row.case.duration for row in rows)
    result = {
        "songs": float(len(rows)),
        "acc1": pct([tempo_ok(r.features.tempo_bpm, r.case.tempo) for r in rows]),
        "acc2": pct([tempo_ok(r.features.tempo_bpm, r.case.tempo, True) for r in rows]),
        "key_exact": pct([key_ok(_key(r.features), r.case, relative=False) for r in rows]),
        "key_rel": pct([key_ok(_key(r.features), r.case) for r in rows]),
        "beat_f": 100
        * float(np.mean([beat_f_measure(r.features.beats, r.case.beats) for r in rows])),
        "meter": pct([r.features.meter == r.case.meter for r in rows]),
        "intro": pct([abs(r.features.intro_end - r.case.intro_end) <= 1.0 for r in rows]),
        "outro": pct([abs(r.features.outro_start - r.case.outro_start) <= 1.0 for r in rows]),
        "xrt": sum(r.seconds for r in rows) / audio,
        "style": style_clustering(rows),
    }
    if with_librosa:
        result |= {
            "lr_acc1": pct([tempo_ok(r.librosa_tempo, r.case.tempo) for r in rows]),
            "lr_acc2": pct([tempo_ok(r.librosa_tempo, r.case.tempo, True) for r in rows]),
            "lr_key_exact": pct([key_ok(r.librosa_key, r.case, relative=False) for r in rows]),
            "lr_key_rel": pct([key_ok(r.librosa_key, r.case) for r in rows]),
        }
    return result


def long_song(minutes: float = 20.0) -> None:
    """Time and peak memory (tracemalloc: numpy's allocations) of one long song."""
    import tracemalloc

    case = generate(TUNE_SEED, 1, duration=60.0)[0]
    samples = np.tile(case.samples, int(minutes * 60 / case.duration) + 1)[
        : int(minutes * 60 * 22050)
    ]
    tracemalloc.start()
    started = time.perf_counter()
    analyse_pcm(samples)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{minutes:.0f}-minute song: {elapsed:.1f} s ({elapsed / (minutes * 60):.4f}x real time), "
        f"peak memory above the input {peak / 1e6:.0f} MB (input {samples.nbytes / 1e6:.0f} MB)"
    )


def _key(features: SongFeatures) -> tuple[int, str] | None:
    return None if features.key is None else (features.key.pitch, features.key.mode.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=84, help="songs per seed (12 per style)")
    parser.add_argument("--seeds", default=f"{TUNE_SEED},{REPORT_SEED}")
    parser.add_argument("--no-librosa", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--long", action="store_true", help="only time a 20-minute song")
    args = parser.parse_args()
    # Before librosa (numba) is imported: its beat tracker's compiled code is cached there.
    os.environ.setdefault("NUMBA_CACHE_DIR", "/tmp/tonearm-bench/numba")
    if args.long:
        long_song()
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {}
    for seed in seeds:
        label = "tune" if seed == TUNE_SEED else ("report" if seed == REPORT_SEED else "other")
        print(f"seed {seed} ({label}): {args.count} songs", flush=True)
        results[seed] = run_seed(seed, args.count, not args.no_librosa, args.verbose)
    print()
    header = f"{'':34s}" + "".join(f"{f'seed {s}':>18s}" for s in seeds)
    print(header)
    lines = [
        ("tempo ±2% (acc1)  tonearm / librosa", "acc1", "lr_acc1", "%"),
        ("tempo ±2% x2/x½ (acc2)", "acc2", "lr_acc2", "%"),
        ("key exact", "key_exact", "lr_key_exact", "%"),
        ("key exact or relative", "key_rel", "lr_key_rel", "%"),
    ]
    for title, ours, theirs, unit in lines:
        cells = []
        for s in seeds:
            r = results[s]
            other = f"{r[theirs]:5.1f}" if theirs in r else "    -"
            cells.append(f"{r[ours]:6.1f} / {other}{unit}")
        print(f"{title:34s}" + "".join(f"{c:>18s}" for c in cells))
    for title, key, unit in (
        ("beat F-measure (±70 ms), mean", "beat_f", "%"),
        ("metre (3 vs 4)", "meter", "%"),
        ("intro end within 1 s", "intro", "%"),
        ("outro start within 1 s", "outro", "%"),
        ("style: 10 nearest share style", "style", "%"),
        ("cost (x real time, tonearm)", "xrt", "x"),
    ):
        fmt = "{:.4f}" if unit == "x" else "{:.1f}"
        print(f"{title:34s}" + "".join(f"{fmt.format(results[s][key]) + unit:>18s}" for s in seeds))


if __name__ == "__main__":
    main()
