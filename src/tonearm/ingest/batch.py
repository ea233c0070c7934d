"""`tonearm import`: copy (or move) files into tonearm's storage, several at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from tonearm.ingest.files import walk_inputs
from tonearm.ingest.pipeline import IngestPipeline, IngestResult, Outcome
from tonearm.ingest.report import BatchSummary, IngestReporter

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
    files = list(walk_inputs(paths))  # paths only; counting first gives the bar its total
    reporter.total_known(len(files))
    summary = BatchSummary()
    slots = asyncio.Semaphore(max(1, jobs))

    async def one(path: Path) -> None:
        async with slots:
            reporter.file_started(path)
            result: IngestResult = await pipeline.ingest_file(path, in_place=False, source=source)
            if move and result.outcome in (Outcome.IMPORTED, Outcome.RESUMED):
                await asyncio.to_thread(path.unlink, missing_ok=True)
        summary.add(result)
        reporter.file_finished(result)

    await asyncio.gather(*(one(path) for path in files))
    return summary
