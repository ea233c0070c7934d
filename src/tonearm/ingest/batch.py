"""`tonearm import`: copy (or move) files into tonearm's storage, several at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from tonearm.ingest.files import walk_inputs
from tonearm.ingest.pipeline import IngestPipeline, IngestResult, Outcome
from tonearm.ingest.report import BatchSummary, IngestReporter, shown_path

log = structlog.get_logger(__name__)


async def import_paths(
    pipeline: IngestPipeline,
    paths: list[Path],
    reporter: IngestReporter,
    *,
    jobs: int,
    move: bool = False,
    source: str = "import",
) -> BatchSummary:
    """Import every music file under `paths`, `jobs` at a time; bad files do not stop it.

    With `move`, a source file is deleted once its song and original are stored — never
    for a duplicate or a failure.
    """
    # Paths only (counting first gives the bar its total), each with the folder it was
    # found in: that folder is the music root, never an artist or album.
    files = [(path, _root_of(path, paths)) for path in walk_inputs(paths)]
    reporter.total_known(len(files))
    summary = BatchSummary()
    slots = asyncio.Semaphore(max(1, jobs))

    async def one(path: Path, root: Path | None) -> None:
        async with slots:
            reporter.file_started(path)
            # ingest_file reports every error as this file's failure; this guard is for
            # the little around it, so that no single file can end the batch.
            try:
                result: IngestResult = await pipeline.ingest_file(
                    path, in_place=False, source=source, root=root
                )
            except Exception as error:
                log.exception("import.file_crashed", path=shown_path(path))
                result = IngestResult(
                    path, Outcome.FAILED, reason=f"internal error ({type(error).__name__})"
                )
            if move and result.outcome in (Outcome.IMPORTED, Outcome.RESUMED):
                try:
                    await asyncio.to_thread(path.unlink, missing_ok=True)
                except OSError as error:
                    log.warning("import.not_moved", path=shown_path(path), error=str(error))
        summary.add(result)
        reporter.file_finished(result)

    await asyncio.gather(*(one(path, root) for path, root in files))
    return summary


def _root_of(path: Path, inputs: list[Path]) -> Path | None:
    """The input folder `path` was found in; None for a file named on its own."""
    if path in inputs:
        return None
    return next((folder for folder in inputs if path.is_relative_to(folder)), None)
