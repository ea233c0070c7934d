"""`tonearm enrich` that kills itself (SIGKILL) on the N-th rendition row it would write.

python -m tests.ingest.crashing_enrich N
"""

from __future__ import annotations

import asyncio
import sys

from tests.ingest.crashing_import import kill_on_call
from tonearm.adapters.db.library import SqlSongRepository
from tonearm.app import open_runtime
from tonearm.settings import load_settings


async def main(nth: int) -> None:
    kill_on_call(SqlSongRepository, "add_rendition", nth)
    services = await open_runtime(load_settings())
    try:
        await services.domains.ingest.enrich(jobs=1)
    finally:
        await services.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
