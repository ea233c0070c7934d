"""One OS process ticking the schedules the way `tonearm worker` and `tonearm serve` do
(JobWorker's maintenance step: sweep, then tick), on a clock the test sets.

    python -m tests.jobs.scheduler_process GO_FILE START_ISO HOURS

Settings come from TONEARM_*. The process waits for GO_FILE (so every process starts
ticking together), then walks its clock hour by hour from START over HOURS, ticking at
each step, and prints how many runs it fired.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from tonearm.app import open_runtime
from tonearm.settings import load_settings


async def tick_through(go_file: Path, start: datetime, hours: int) -> int:
    now = [start]
    services = await open_runtime(load_settings(), clock=lambda: now[0])
    try:
        while not go_file.exists():
            time.sleep(0.01)
        fired = 0
        for hour in range(hours + 1):
            now[0] = start + timedelta(hours=hour, seconds=1)
            await services.domains.jobs.sweep()
            fired += len(await services.domains.jobs.tick_schedules())
        return fired
    finally:
        await services.close()


if __name__ == "__main__":
    go, start_iso, hours = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(asyncio.run(tick_through(Path(go), datetime.fromisoformat(start_iso), hours)))
