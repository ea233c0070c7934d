"""Leftovers of interrupted ingests: objects no row points at, and stale temp folders."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from tonearm.adapters.storage.base import ObjectInfo, ObjectStore
from tonearm.ingest.keys import STORAGE_PREFIXES
from tonearm.ingest.pending import PendingImports, song_id_of_key
from tonearm.library.repository import SongRepository

log = structlog.get_logger(__name__)
PAGE = 500
TEMP_PREFIX = "tonearm-ingest-"


async def remove_orphan_objects(
    store: ObjectStore,
    songs: SongRepository,
    *,
    now: datetime,
    grace: timedelta,
    pending: PendingImports | None = None,
) -> int:
    """Delete stored objects that no song or rendition references and that are older than
    `grace` (younger ones may belong to an ingest that is about to write its row). The
    objects of a pending import are kept whatever their age: the next start finishes it."""
    removed = 0
    for prefix in STORAGE_PREFIXES:
        page: list[ObjectInfo] = []
        async for info in store.list(prefix + "/"):
            page.append(info)
            if len(page) >= PAGE:
                removed += await _remove_unknown(store, songs, pending, page, now - grace)
                page = []
        removed += await _remove_unknown(store, songs, pending, page, now - grace)
    if removed:
        log.info("cleanup.orphans_removed", count=removed)
    return removed


async def _remove_unknown(
    store: ObjectStore,
    songs: SongRepository,
    pending: PendingImports | None,
    page: list[ObjectInfo],
    cutoff: datetime,
) -> int:
    old = [info for info in page if info.modified_at < cutoff]
    known = await songs.known_storage_keys([info.key for info in old])
    unknown = [info for info in old if info.key not in known]
    if pending is not None and unknown:
        owners = {info.key: song_id_of_key(info.key) for info in unknown}
        kept = await pending.pending_song_ids({i for i in owners.values() if i is not None})
        unknown = [info for info in unknown if owners[info.key] not in kept]
    removed = 0
    for info in unknown:
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
