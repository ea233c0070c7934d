"""`tonearm import` that kills itself (SIGKILL) at a fixed point of the pipeline.

    python -m tests.ingest.crashing_import POINT N FILE
POINT is `song_row` (the original is stored, the song's row is not yet written) or
`rendition_row` (on the N-th rendition row: its object is stored, its row is not).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tonearm.adapters.db.library import SqlSongRepository
from tonearm.app import open_services
from tonearm.settings import load_settings


def kill_on_call(method_name: str, nth: int) -> None:
    original = getattr(SqlSongRepository, method_name)
    calls = 0

    async def crashing(self: SqlSongRepository, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return await original(self, *args, **kwargs)

    setattr(SqlSongRepository, method_name, crashing)


async def main(point: str, nth: int, path: Path) -> None:
    kill_on_call({"song_row": "add", "rendition_row": "add_rendition"}[point], nth)
    services = await open_services(load_settings())
    try:
        await services.ingest.import_paths([path], jobs=1)
    finally:
        await services.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
