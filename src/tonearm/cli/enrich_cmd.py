"""`tonearm enrich` and `tonearm scan --status`: phase 2 of scanning, in the foreground."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tonearm.cli.context import console, run, state

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from tonearm.app import Runtime
    from tonearm.ingest.enrichment import EnrichmentSummary
    from tonearm.ingest.enrichment_queue import EnrichmentCounts


class EnrichmentBar:
    """Songs done out of those waiting when the run began, and the one just finished."""

    def __init__(self, progress: Progress, total: int) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task("enriching", total=total or None)

    def song_finished(self, outcome: str, label: str) -> None:
        """Advance the bar; print failures as they happen."""
        self._progress.update(self._task, advance=1, description=label.rsplit("/", 1)[-1][:40])
        if outcome == "failed":
            self._progress.console.print(f"[red]✘[/red] {label}")


def describe_counts(counts: EnrichmentCounts) -> str:
    """One line: `enrichment: 12 pending, 1 running, 0 failed, 300 done (ETA 4 min)`."""
    eta = counts.eta_seconds
    tail = ""
    if counts.pending or counts.running:
        tail = f" (ETA {_minutes(eta)})" if eta is not None else " (ETA unknown)"
    return (
        f"enrichment: {counts.pending} pending, {counts.running} running, "
        f"{counts.failed} failed, {counts.done} done{tail}"
    )


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


async def status_line(runtime: Runtime) -> str:
    """The enrichment queue as one line, for `scan` and `scan --status`."""
    return describe_counts(await runtime.domains.ingest.enrichment_status())


def enrich(
    ctx: typer.Context,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Songs at once (default: TONEARM_ENRICH_JOBS)."),
    ] = None,
) -> None:
    """Enrich scanned songs now (identity, loudness, waveform, preview, art), until none
    is left; the server does the same in the background."""
    from tonearm.app import open_runtime

    settings = state(ctx).settings(quiet=True)

    async def work() -> tuple[EnrichmentSummary, EnrichmentCounts]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        runtime = await open_runtime(settings)
        try:
            before = await runtime.domains.ingest.enrichment_status()
            with Progress(
                TextColumn("{task.description:<40}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as progress:
                bar = EnrichmentBar(progress, before.pending + before.running)
                summary = await runtime.domains.ingest.enrich(jobs or settings.enrich_jobs, bar)
            return summary, await runtime.domains.ingest.enrichment_status()
        finally:
            await runtime.close()

    summary, after = run(work())
    table = Table("outcome", "songs", title="enrichment report")
    for outcome, count in sorted(summary.counts.items()):
        table.add_row(outcome, str(count))
    console.print(table)
    for label, reason in summary.failures[:50]:
        console.print(f"[red]failed[/red] {label}: {reason}", highlight=False)
    console.print(describe_counts(after), highlight=False)
    if summary.counts["failed"]:
        raise typer.Exit(1)
