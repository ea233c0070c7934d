"""`tonearm scan` and `tonearm import`: music in, with a progress bar and a report."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tonearm.cli.context import console, fail, run, state, with_runtime

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    # The runtime is imported inside the commands, so `tonearm --help` stays fast.
    from tonearm.app import Runtime
    from tonearm.ingest.pipeline import IngestResult
    from tonearm.ingest.report import BatchSummary
    from tonearm.library.music_folders import MusicFolder

# Outcome.FAILED's value, without importing the pipeline.
FAILED = "failed"


class ProgressReporter:
    """Draws files done/total, the current file, the rate and the time left."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task("starting", total=None, rate="")

    def total_known(self, total: int) -> None:
        """Set the bar's total."""
        self._progress.update(self._task, total=total)

    def file_started(self, path: Path) -> None:
        """Show the file being worked on."""
        self._progress.update(self._task, description=escape(_shown(path.name)[:40]))

    def file_skipped(self, path: Path) -> None:
        """Advance the bar past a file that needed no work."""
        self._progress.advance(self._task)

    def file_finished(self, result: IngestResult) -> None:
        """Advance the bar; print failures as they happen."""
        self._progress.advance(self._task)
        speed = self._progress.tasks[self._task].speed
        self._progress.update(self._task, rate=f"{speed * 60:.1f} files/min" if speed else "")
        if result.outcome == FAILED:
            self._progress.console.print(
                f"[red]✘[/red] {escape(_shown(result.path))}: {escape(result.reason or '')}",
                highlight=False,
            )


def _shown(path: Path | str) -> str:
    # A name that is not UTF-8 holds lone surrogates, which the terminal cannot print.
    from tonearm.library.paths import display_path, path_to_text

    return display_path(path_to_text(path))


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _print_summary(summary: BatchSummary) -> None:
    from tonearm.ingest.pipeline import Outcome

    table = Table("outcome", "files", title="ingest report")
    for outcome in Outcome:
        if summary.counts[outcome.value]:
            table.add_row(outcome.value, str(summary.counts[outcome.value]))
    if summary.unchanged:
        table.add_row("unchanged", str(summary.unchanged))
    if summary.removed:
        table.add_row("removed", str(summary.removed))
    console.print(table)
    for path, reason in summary.duplicates[:20]:
        line = f"[yellow]duplicate[/yellow] {escape(_shown(path))}: {escape(reason)}"
        console.print(line, highlight=False)
    for path, reason in summary.failures:
        console.print(
            f"[red]failed[/red] {escape(_shown(path))}: {escape(reason)}", highlight=False
        )


def import_music(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    move: Annotated[bool, typer.Option("--move", help="Delete each source once stored.")] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Files at once (default: cores).")
    ] = None,
) -> None:
    """Copy music into tonearm's storage (--move to move it) and the library."""
    settings = state(ctx).settings(quiet=True)
    missing = [_shown(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")

    async def work(runtime: Runtime) -> BatchSummary:
        with _progress() as progress:
            return await runtime.domains.ingest.import_paths(
                paths, ProgressReporter(progress), jobs=jobs, move=move
            )

    summary = run(with_runtime(settings, work))
    _print_summary(summary)
    if summary.counts[FAILED]:
        raise typer.Exit(1)


def scan(
    ctx: typer.Context,
    folders: Annotated[
        list[Path] | None,
        typer.Argument(help="Music folders or folders inside one (default: every one)."),
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", help="Keep scanning on changes.")] = False,
    add: Annotated[
        bool, typer.Option("--add", help="Add a FOLDER that is not a music folder yet.")
    ] = False,
    status: Annotated[
        bool, typer.Option("--status", help="Only show the enrichment queue (phase 2).")
    ] = False,
) -> None:
    """Read music folders in place: add new files, follow changes, moves and removals.

    Songs are listed at once; decoding them (enrichment) goes on in the background, or
    now with `tonearm enrich`."""
    settings = state(ctx).settings(quiet=True)
    if status:
        from tonearm.cli.enrich_cmd import status_line

        console.print(run(with_runtime(settings, status_line)), highlight=False)
        return
    for root in folders or []:
        if not root.exists():
            fail(f"no such folder: {_shown(root)}")
        if not root.is_dir():
            fail(f"not a folder: {_shown(root)} (scan reads folders; import copies files)")

    from tonearm.ingest.folder_scan import merge_into, scan_folders

    async def work(runtime: Runtime) -> BatchSummary:
        chosen, inner = await _resolve_folders(runtime, folders or [], add=add)
        with _progress() as progress:
            reporter = ProgressReporter(progress)
            summary = await scan_folders(
                runtime.domains.ingest,
                runtime.domains.folders,
                chosen,
                reporter,
                playlist_files=runtime.domains.playlist_files,
            )
            if inner:
                merge_into(summary, await runtime.domains.ingest.scan(inner, reporter))
        _print_summary(summary)
        await _report_enrichment(runtime, summary)
        if watch:
            await _watch(runtime, [f.fs_path for f in chosen] + inner)
        return summary

    summary = run(with_runtime(settings, work))
    if summary.failures and not (sum(summary.counts.values()) or summary.unchanged):
        # Nothing could be scanned at all (an unreadable folder): say why in one line.
        root, reason = summary.failures[0]
        fail(f"{_shown(root)}: {reason}")
    if summary.counts[FAILED] or summary.failures:
        raise typer.Exit(1)


async def _resolve_folders(
    runtime: Runtime, paths: list[Path], *, add: bool
) -> tuple[list[MusicFolder], list[Path]]:
    """The music folders to scan, and folders inside one to scan alone. A path outside
    every music folder is refused (or added, with --add)."""
    if not paths:
        every = await runtime.domains.folders.list_folders()
        if not every:
            fail(
                "no music folders yet: add one with `tonearm folders add PATH` (or "
                "`tonearm scan --add PATH`)"
            )
        return every, []
    chosen: list[MusicFolder] = []
    inner: list[Path] = []
    for path in paths:
        folder = await runtime.domains.folders.containing(path)
        if folder is None and add:
            folder = await runtime.domains.folders.add(path)
            console.print(f"added music folder {folder.id}: {folder.display}", highlight=False)
        if folder is None:
            if not path.exists():
                fail(f"no such folder: {_shown(path)}")
            fail(
                f"{_shown(path)} is not in a music folder: add it with "
                f"`tonearm folders add {_shown(path)}` (or scan it with --add)"
            )
        if folder.fs_path == path.expanduser().resolve():
            chosen.append(folder)
        else:
            inner.append(path.expanduser().resolve())
    return chosen, inner


async def _report_enrichment(runtime: Runtime, summary: BatchSummary) -> None:
    """Say how many songs await enrichment, and ask a running server to start on them."""
    from tonearm.cli.enrich_cmd import status_line
    from tonearm.ingest.jobs import request_enrichment

    if summary.queued_for_enrichment:
        await request_enrichment(runtime.domains.jobs)
    counts = await runtime.domains.ingest.enrichment_status()
    console.print(await status_line(runtime), highlight=False)
    if counts.pending or counts.running:
        console.print(
            "every song is listed now; the server enriches them in the background, "
            "`tonearm enrich` does it now",
            highlight=False,
        )


async def _watch(runtime: Runtime, roots: list[Path]) -> None:
    from watchfiles import awatch

    console.print(f"watching {', '.join(map(_shown, roots))} (Ctrl-C to stop)", highlight=False)
    try:
        async for _changes in awatch(*roots, debounce=2000, recursive=True):
            summary = await runtime.domains.ingest.scan(roots)
            _print_summary(summary)
    except asyncio.CancelledError:
        return


def demo(ctx: typer.Context) -> None:
    """Add a few generated tracks to an empty library (what `make run` does first)."""
    from tonearm.adapters.ffmpeg import find_ffmpeg
    from tonearm.adapters.ffmpeg.demo import write_demo_library

    settings = state(ctx).settings(quiet=True)

    async def work(runtime: Runtime) -> tuple[BatchSummary | None, str]:
        if await runtime.songs.count_live():
            return None, ""
        folder = settings.data_dir / "demo-library"
        files = await write_demo_library(find_ffmpeg(settings.ffmpeg_path), folder)
        with _progress() as progress:
            summary = await runtime.domains.ingest.import_paths(files, ProgressReporter(progress))
        # Analysed at once, so the song pages show tempo and key from the first visit.
        analysis = runtime.domains.analysis
        if not await analysis.wants_pcm():
            return summary, (await analysis.status()).reason or ""
        analysed = await analysis.run()
        return summary, f"audio analysis: {analysed.done} analysed, {analysed.failed} failed"

    summary, analysed = run(with_runtime(settings, work))
    if summary is None:
        console.print("the library already has songs; no demo tracks added")
        return
    _print_summary(summary)
    console.print(analysed, highlight=False)
