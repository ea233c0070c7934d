"""Scanning the music folders kept in the database, one folder at a time.

Each folder is scanned on its own so its last scan (when, and what it did) can be kept
with it for the admin screens; the batch summary adds them up. The CLI, the scheduled
rescan, the admin's Scan now and Subsonic's startScan all come through here.

After a folder's songs, its playlist files (.m3u, .m3u8, .xspf) are read into read-only
playlists (playlists/files), so their entries can match the songs just scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from tonearm.ingest.pipeline import IngestResult
from tonearm.ingest.report import MAX_LISTED_FAILURES, BatchSummary, IngestReporter, SilentReporter
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.music_folders import MusicFolder


class FolderScanner(Protocol):
    """What scans one folder list (LibraryIngest.scan)."""

    async def scan(
        self, folders: list[Path], reporter: IngestReporter | None = None
    ) -> BatchSummary:
        """Bring the library in line with `folders`."""
        ...


class PlaylistFileSync(Protocol):
    """What keeps a folder's playlist files as playlists (PlaylistFileService)."""

    async def sync_folder(self, folder: MusicFolder, all_folder_ids: Sequence[int]) -> Any:
        """Bring the folder's scanned playlists in line with its files; returns a summary
        with `as_dict()`."""
        ...


class _RunningTotal:
    """Passes a reporter the files counted so far over all folders, not per folder, so a
    progress bar's total only grows."""

    def __init__(self, reporter: IngestReporter) -> None:
        self._reporter = reporter
        self._before = 0
        self._current = 0

    def next_folder(self) -> None:
        self._before += self._current
        self._current = 0

    def total_known(self, total: int) -> None:
        self._current = total
        self._reporter.total_known(self._before + total)

    def file_started(self, path: Path) -> None:
        self._reporter.file_started(path)

    def file_finished(self, result: IngestResult) -> None:
        self._reporter.file_finished(result)

    def file_skipped(self, path: Path) -> None:
        self._reporter.file_skipped(path)


def merge_into(total: BatchSummary, part: BatchSummary) -> None:
    """Add one folder's summary to the batch's."""
    total.counts.update(part.counts)
    total.failures.extend(part.failures[: MAX_LISTED_FAILURES - len(total.failures)])
    total.duplicates.extend(part.duplicates[: MAX_LISTED_FAILURES - len(total.duplicates)])
    total.song_ids.extend(part.song_ids[: MAX_LISTED_FAILURES - len(total.song_ids)])
    total.unchanged += part.unchanged
    total.removed += part.removed
    total.queued_for_enrichment += part.queued_for_enrichment


async def scan_folders(
    ingest: FolderScanner,
    folders: MusicFolderService,
    chosen: Sequence[MusicFolder],
    reporter: IngestReporter | None = None,
    playlist_files: PlaylistFileSync | None = None,
) -> BatchSummary:
    """Scan each of `chosen` (and its playlist files, given `playlist_files`) and remember
    its result with it; returns the sum."""
    running = _RunningTotal(reporter or SilentReporter())
    summary = BatchSummary()
    folder_ids = [folder.id for folder in await folders.list_folders()]
    for folder in chosen:
        running.next_folder()
        part = await ingest.scan([folder.fs_path], running)
        record = part.as_dict()
        if playlist_files is not None:
            synced = await playlist_files.sync_folder(folder, folder_ids)
            record["playlists"] = synced.as_dict()
        await folders.record_scan(folder.id, record)
        merge_into(summary, part)
    return summary
