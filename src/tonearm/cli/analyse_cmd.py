"""`tonearm analyse`: audio analysis of the library (or one song) in the foreground."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from tonearm.cli.context import console, fail, run, state

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from tonearm.analysis.service import AnalysisOverview, AnalysisSummary


class AnalysisBar:
    """Songs analysed out of those pending when the run began; failures printed as they come."""

    def __init__(self, progress: Progress, total: int) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task("analysing", total=total or None)

    def song_finished(self, song_id: UUID, outcome: str, reason: str | None) -> None:
        """Advance the bar."""
        self._progress.update(self._task, advance=1)
        if outcome == "failed":
            self._progress.console.print(f"[red]✘[/red] {song_id}: {reason}", highlight=False)


def describe(overview: AnalysisOverview) -> str:
    """One line: `analysis: 300 done, 2 failed, 12 pending (analyser v1)`."""
    if not overview.available or overview.counts is None:
        return f"analysis: unavailable: {overview.reason}"
    counts = overview.counts
    return (
        f"analysis: {counts.done} done, {counts.failed} failed, {counts.pending} pending "
        f"(analyser {overview.analyzer_version})"
    )


def analyse(
    ctx: typer.Context,
    song: Annotated[
        str | None, typer.Option("--song", help="Analyse only this song (its id).")
    ] = None,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Analyse again songs already analysed (all of them, or --song's), failures "
            "included; without it, only songs not analysed yet.",
        ),
    ] = False,
    status: Annotated[
        bool, typer.Option("--status", help="Only print how far analysis is.")
    ] = False,
) -> None:
    """Analyse songs' audio (tempo, key, energy, intro/outro, similarity embedding):
    songs enriched before analysis was installed, or all with --again. Stopped half-way,
    the next run goes on where this one stopped."""
    from tonearm.app import open_runtime

    song_id: UUID | None = None
    if song is not None:
        try:
            song_id = UUID(song)
        except ValueError:
            fail(f"not a song id: {song!r}", code=2)
    settings = state(ctx).settings(quiet=True)

    async def work() -> tuple[AnalysisOverview, AnalysisSummary | None, str | None]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from tonearm.analysis.service import AnalysisSummary, AnalysisUnavailable

        runtime = await open_runtime(settings)
        analysis = runtime.domains.analysis
        try:
            before = await analysis.status()
            if status or not before.available:
                return before, None, None
            summary = AnalysisSummary()
            if song_id is not None:
                await runtime.songs.get(song_id)  # SongNotFound: a clear message
                outcome, reason = await analysis.analyse_song(song_id)
                if outcome == "done":
                    summary.done += 1
                else:
                    summary.failed += 1
                    summary.failures.append((str(song_id), reason or ""))
                return await analysis.status(), summary, None
            assert before.counts is not None
            total = before.counts.pending + (
                before.counts.done + before.counts.failed if again else 0
            )
            try:
                with Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=console,
                ) as progress:
                    summary = await analysis.run(again=again, reporter=AnalysisBar(progress, total))
            except AnalysisUnavailable as error:
                return before, None, str(error)
            return await analysis.status(), summary, None
        finally:
            await runtime.close()

    overview, summary, problem = run(work())
    if not overview.available:
        fail(overview.reason or "analysis is unavailable")
    if problem is not None:
        fail(problem)
    if summary is not None:
        console.print(f"analysed {summary.done}, failed {summary.failed}", highlight=False)
        for label, reason in summary.failures[:50]:
            console.print(f"[red]failed[/red] {label}: {reason}", highlight=False)
    console.print(describe(overview), highlight=False)
    if summary is not None and summary.failed and summary.done == 0:
        raise typer.Exit(1)
