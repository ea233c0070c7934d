"""Leftovers of interrupted ingests: objects no row points at, and stale temp folders."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from tonearm.adapters.storage.base import ObjectInfo, ObjectStore
from tonearm.ingest.keys import STORAGE_PREFIXES
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)
PAGE = 500
TEMP_PREFIX = "tonearm-ingest-"


async def remove_orphan_objects(
    store: ObjectStore, songs: SongRepository, *, now: datetime, grace: timedelta
) -> int:
    """Delete stored objects that no song or rendition references and that are older than
    `grace` (younger ones may belong to an ingest that is about to write its row)."""
    removed = 0
    for prefix in STORAGE_PREFIXES:
        page: list[ObjectInfo] = []
        async for info in store.list(prefix + "/"):
            page.append(info)
            if len(page) >= PAGE:
                removed += await _remove_unknown(store, songs, page, now - grace)
                page = []
        removed += await _remove_unknown(store, songs, page, now - grace)
    if removed:
        log.info("cleanup.orphans_removed", count=removed)
    return removed


async def _remove_unknown(
    store: ObjectStore, songs: SongRepository, page: list[ObjectInfo], cutoff: datetime
) -> int:
    known = await songs.known_storage_keys([info.key for info in page])
    removed = 0
    for info in page:
        if info.key not in known and info.modified_at < cutoff:
            await store.delete(info.key)
            removed += 1
    return removed


def remove_stale_temp_folders(
    temp_dir: Path, older_than_seconds: float, prefixes: tuple[str, ...] = (TEMP_PREFIX,)
) -> int:
    """Delete temp folders (named with one of `prefixes`) left by a killed process."""
    if not temp_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    folders = [folder for prefix in prefixes for folder in temp_dir.glob(f"{prefix}*")]
    for folder in folders:
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed
