"""Offline evaluation of recommendations: leave-last-N-out per user on seeded listening logs
(bench/recs/logs.py), HR@20 and NDCG@20 with and without repeat listens, every model side by
side in one run, on a tune seed and a report seed.

Protocol. For each user, the last N listens (`play`/`replay` events; N = --holdout) are held
out, with every event of that user from the first of them on (its skips, likes...). The
models are fitted on everything else, every user's history before their own window. The
targets are the songs of the window that were listened to (not skipped before 30 s).

- with repeats: every target counts, including songs the user already heard before the
  window (in music most listening is re-listening), and the models may recommend them;
- without repeats: only targets new to the user count, and the songs the user heard before
  the window (any event) are excluded from the recommendations; a user with no new target in
  the window is left out of this column.

HR@20 is the share of held-out windows with at least one target in the top 20; NDCG@20 is
binary-relevance NDCG over the distinct targets (ideal: min(targets, 20) hits on top). The
single-user log has one window, far too noisy, so it is evaluated on `--single-folds`
successive windows (rolling origin: the last N listens, the N before them with the model
refitted on what came before, ...), and the 50-user log on `--folds` per user (default 3).
The table's last line gives the largest standard error of a column's NDCG means: differences
smaller than about twice that are noise.

Tune on the tune seed, report on the report seed: a model's parameters are chosen by looking
at the tune-seed table only, and the report-seed figures are the ones quoted.

Elsewhere, on real data: the Last.fm 1K users dataset (Celma, 2010: 992 users' full
listening histories with timestamps, 19 M scrobbles; no skips) for this same protocol, and
the ListenBrainz listen dumps (CC0, millions of users, timestamps; can be cut to single-user
histories) for scale and recency; neither is installable here, and neither has skips or
dislikes, which is what the generated logs add.

Another recommender (tonearm's ranker) joins the table as one more row without editing this
file: `--model MODULE:NAME`, where NAME is a class (or a function) that takes no argument and
gives an object with the `models.Model` methods, `fit(log)` and `recommend(user, n, exclude)`;
MODULE is imported with the usual path (run with PYTHONPATH=src:bench/recs for tonearm's).

Run: python bench/recs/evaluate.py [--quick] [--holdout N] [--seeds TUNE,REPORT]
[--model MODULE:NAME ...]  (--quick: smaller logs, under 10 s; ALS needs `implicit`, in the
`bench` extra)
"""

from __future__ import annotations

import argparse
import importlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from logs import PLAY, REPLAY, SKIP_MS, Log, generate, generate_single
from models import Model, baselines

K = 20


@dataclass
class Window:
    """One held-out window of one user."""

    user: int
    targets: set[int]  # listened songs in the window
    new: set[int]  # of them, those the user had not heard before the window
    seen: set[int]  # every song of the user's events before the window


def split(log: Log, holdout: int, fold: int) -> tuple[Log, list[Window]]:
    """Hold out each user's `fold`-th last block of `holdout` listens (0: the last one) and
    everything of theirs after it; the training log is every user's events before it."""
    keep = np.zeros(len(log), dtype=bool)
    windows = []
    listens = np.isin(log.kind, (PLAY, REPLAY))
    for u in range(log.users):
        rows = np.flatnonzero(log.user == u)
        starts = rows[listens[rows]]
        end = len(starts) - fold * holdout
        begin = end - holdout
        if begin < holdout:  # too little left to learn from
            continue
        cut = log.ts[starts[begin]]
        train = rows[log.ts[rows] < cut]
        keep[train] = True
        held = starts[begin:end]
        targets = {int(s) for s in log.song[held[log.played_ms[held] >= SKIP_MS]]}
        seen = {int(s) for s in log.song[train]}
        windows.append(Window(u, targets, targets - seen, seen))
    return log.subset(keep), windows


def ndcg(ranked: list[int], targets: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, s in enumerate(ranked[:K]) if s in targets)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(targets), K)))
    return dcg / ideal


@dataclass
class Scores:
    hr: dict[str, list[float]] = field(default_factory=lambda: {"with": [], "without": []})
    ndcg: dict[str, list[float]] = field(default_factory=lambda: {"with": [], "without": []})
    fit_seconds: float = 0.0
    fits: int = 0

    def add(self, mode: str, ranked: list[int], targets: set[int]) -> None:
        self.hr[mode].append(float(any(s in targets for s in ranked[:K])))
        self.ndcg[mode].append(ndcg(ranked, targets))


def evaluate(log: Log, models: list[Model], holdout: int, folds: int) -> dict[str, Scores]:
    results = {m.name: Scores() for m in models}
    for fold in range(folds):
        train, windows = split(log, holdout, fold)
        for model in models:
            scores = results[model.name]
            start = time.perf_counter()
            model.fit(train)
            scores.fit_seconds += time.perf_counter() - start
            scores.fits += 1
            for w in windows:
                if w.targets:
                    scores.add("with", model.recommend(w.user, K, set()), w.targets)
                if w.new:
                    scores.add("without", model.recommend(w.user, K, w.seen), w.new)
    return results


def _largest_error(results: dict[str, Scores], mode: str) -> float:
    return max(
        float(np.std(s.ndcg[mode]) / math.sqrt(len(s.ndcg[mode]))) if s.ndcg[mode] else 0.0
        for s in results.values()
    )


def table(title: str, columns: list[tuple[str, dict[str, Scores]]]) -> str:
    """model x log x {HR, NDCG} x {with repeats, without}, plus fit time."""
    head = f"{'model':<18}"
    sub = f"{'':<18}"
    for name, _ in columns:
        head += f" | {name:^38}"
        sub += f" | {'HR w/':>6} {'NDCG w/':>7} {'HR new':>7} {'NDCG new':>8} {'fit s':>5}"
    lines = [title, head, sub, "-" * len(sub)]
    for model in columns[0][1]:
        line = f"{model:<18}"
        for _, results in columns:
            s = results[model]
            line += (
                f" | {np.mean(s.hr['with']):>6.3f} {np.mean(s.ndcg['with']):>7.3f}"
                f" {np.mean(s.hr['without']):>7.3f} {np.mean(s.ndcg['without']):>8.3f}"
                f" {s.fit_seconds / max(1, s.fits):>5.2f}"
            )
        lines.append(line)
    counts = ", ".join(
        f"{name}: {len(next(iter(r.values())).hr['with'])} windows with repeats, "
        f"{len(next(iter(r.values())).hr['without'])} with a new song"
        for name, r in columns
    )
    errors = ", ".join(
        f"{name}: {_largest_error(r, 'with'):.3f} with repeats, {_largest_error(r, 'without'):.3f} new"
        for name, r in columns
    )
    lines.append(f"({counts}; fit s: mean per fit)")
    lines.append(f"(largest standard error of an NDCG@{K} mean: {errors})")
    return "\n".join(lines)


def run(
    seeds: list[int],
    holdout: int,
    folds: int,
    single_folds: int,
    quick: bool,
    models: Callable[[], list[Model]] = baselines,
) -> None:
    for role, seed in zip(("tune", "report"), seeds, strict=False):
        if quick:
            many = generate(seed, users=20, songs=1_000, listens=400, days=60)
            one = generate_single(seed, songs=1_000, listens=2_000, days=120)
        else:
            many = generate(seed)
            one = generate_single(seed)
        columns = [
            (f"{many.users} users ({folds} per user)", evaluate(many, models(), holdout, folds)),
            (f"1 user ({single_folds} folds)", evaluate(one, models(), holdout, single_folds)),
        ]
        title = (
            f"\n{role} seed {seed}: leave-last-{holdout}-out, @{K}; "
            f"'w/' counts repeat listens, 'new' only songs new to the user"
        )
        print(table(title, columns), flush=True)


def _load(spec: str) -> Callable[[], Model]:
    module, _, name = spec.partition(":")
    make: Callable[[], Model] = getattr(importlib.import_module(module), name)
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small logs, under 30 s")
    parser.add_argument("--holdout", type=int, default=10, help="N of leave-last-N-out")
    parser.add_argument("--folds", type=int, default=3, help="windows per user, 50-user log")
    parser.add_argument("--single-folds", type=int, default=40, help="windows, single-user log")
    parser.add_argument("--seeds", default="1,2", help="tune seed, report seed")
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="one more model: a class or function of no argument giving a models.Model",
    )
    args = parser.parse_args()
    extra = [_load(spec) for spec in args.model]
    seeds = [int(s) for s in args.seeds.split(",")]
    folds = 1 if args.quick else args.folds
    single_folds = min(args.single_folds, 5) if args.quick else args.single_folds
    run(
        seeds,
        args.holdout,
        folds,
        single_folds,
        args.quick,
        models=lambda: [*baselines(), *(make() for make in extra)],
    )


if __name__ == "__main__":
    main()
