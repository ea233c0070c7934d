"""One delivery run of the scrobbling outbox, in a process of its own (the test kills it).

    python -m tests.scrobbling.delivering_worker

Settings come from the environment (TONEARM_DATA_DIR, TONEARM_LISTENBRAINZ_URL, …).
"""

from __future__ import annotations

import asyncio

from tonearm.app import open_runtime
from tonearm.settings import load_settings


async def main() -> None:
    runtime = await open_runtime(load_settings())
    try:
        report = await runtime.domains.scrobbling.deliver()
        print(f"sent {report.sent}", flush=True)
    finally:
        await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
