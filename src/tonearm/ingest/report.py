"""Progress and results of a batch, reported to whoever drives it (CLI, job, API)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from uuid import UUID

from tonearm.ingest.pipeline import IngestResult, Outcome
from tonearm.library.paths import display_path, path_to_text

MAX_LISTED_FAILURES = 1000


class IngestReporter(Protocol):
    """Told about each file as a batch goes; the CLI draws a progress bar from it."""

    def file_started(self, path: Path) -> None:
        """Work on `path` began."""
        ...

    def file_finished(self, result: IngestResult) -> None:
        """Work on a file ended (any outcome)."""
        ...

    def total_known(self, total: int) -> None:
        """How many files the batch holds, once counted."""
        ...

    def file_skipped(self, path: Path) -> None:
        """A counted file needed no work (unchanged since the last scan)."""
        ...


class SilentReporter:
    """A reporter that tells no one (jobs keep only the summary)."""

    def file_started(self, path: Path) -> None:
        """Nothing."""

    def file_finished(self, result: IngestResult) -> None:
        """Nothing."""

    def total_known(self, total: int) -> None:
        """Nothing."""

    def file_skipped(self, path: Path) -> None:
        """Nothing."""


@dataclass
class BatchSummary:
    """Counts per outcome, and the failures with their reasons."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)
    song_ids: list[UUID] = field(default_factory=list)
    unchanged: int = 0
    removed: int = 0
    queued_for_enrichment: int = 0  # scan: songs (or their art) waiting for phase 2

    def add(self, result: IngestResult) -> None:
        """Count one file's result."""
        self.counts[result.outcome.value] += 1
        if result.outcome is Outcome.FAILED and len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append((result.path, result.reason or "unknown"))
        keeps_id = result.song_id is not None and result.outcome is not Outcome.DUPLICATE
        if keeps_id and result.song_id and len(self.song_ids) < MAX_LISTED_FAILURES:
            self.song_ids.append(result.song_id)
        if result.outcome is Outcome.DUPLICATE and len(self.duplicates) < MAX_LISTED_FAILURES:
            self.duplicates.append((result.path, result.reason or ""))

    def as_dict(self) -> dict[str, object]:
        """A JSON-able form (job results)."""
        return {
            **{outcome.value: self.counts[outcome.value] for outcome in Outcome},
            "unchanged": self.unchanged,
            "removed": self.removed,
            "queued_for_enrichment": self.queued_for_enrichment,
            "failures": [{"path": shown_path(p), "reason": r} for p, r in self.failures[:50]],
        }


def shown_path(path: Path) -> str:
    """`path` as a person reads it: a Latin-1 name shows as "café", never as an escape.

    Also what goes into JSON results: unlike the raw name, it holds no lone surrogates.
    """
    return display_path(path_to_text(path))
