"""`tonearm import` that kills itself (SIGKILL) at a fixed point of the pipeline.

    python -m tests.ingest.crashing_import POINT N FILE...

Files are imported one at a time, in the order given. POINT is when, during the N-th
file, the process dies:
- `before_original`: the pending import is recorded, its original not yet stored;
- `original`: the original is stored, no rendition made yet (ffmpeg's render starts);
- `renditions`: mid-renditions, two of the file's audio renditions stored;
- `final`: every object stored, just before the transaction that lists the song.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tonearm.adapters.db.library import SqlSongRepository
from tonearm.adapters.media.toolkit import FFmpegMediaTools
from tonearm.adapters.storage.local import LocalObjectStore
from tonearm.app import open_runtime
from tonearm.settings import load_settings

_AUDIO_PREFIXES = ("high/", "medium/", "low/", "efficient/", "previews/")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_on_call(cls: type, method_name: str, nth: int) -> None:
    original = getattr(cls, method_name)
    calls = 0

    async def crashing(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth:
            die()
        return await original(self, *args, **kwargs)

    setattr(cls, method_name, crashing)


def kill_on_put(nth: int, *, renditions_after: int | None) -> None:
    """Die on the `nth` put of an original; or, with `renditions_after`, on the put of
    that many audio renditions after the `nth` original was stored (the last one not)."""
    original = LocalObjectStore.put_file
    originals = renditions = 0

    async def crashing(self: LocalObjectStore, key: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal originals, renditions
        if key.startswith("original/"):
            originals += 1
            if renditions_after is None and originals == nth:
                die()
        elif originals == nth and key.startswith(_AUDIO_PREFIXES):
            renditions += 1
            if renditions == (renditions_after or 0) + 1:
                die()
        return await original(self, key, *args, **kwargs)

    LocalObjectStore.put_file = crashing  # type: ignore[method-assign]


async def main(point: str, nth: int, paths: list[Path]) -> None:
    if point == "before_original":
        kill_on_put(nth, renditions_after=None)
    elif point == "original":
        kill_on_call(FFmpegMediaTools, "render", nth)
    elif point == "renditions":
        kill_on_put(nth, renditions_after=2)
    elif point == "final":
        kill_on_call(SqlSongRepository, "add", nth)
    else:
        raise SystemExit(f"unknown point {point}")
    services = await open_runtime(load_settings())
    try:
        await services.domains.ingest.import_paths(paths, jobs=1)
    finally:
        await services.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), [Path(p) for p in sys.argv[3:]]))
