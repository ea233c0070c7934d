"""A job that marks each attempt on disk and holds its first attempt until killed.

Run as a script, it is `tonearm worker` with this job registered:
    python -m tests.jobs.holding_jobs
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tonearm.app import default_job_registry
from tonearm.jobs import JobContext, JobRegistry

HOLD_SECONDS = 3600


async def hold_first_attempt(context: JobContext) -> Mapping[str, Any]:
    """Write started-N; on the first attempt, block (the test kills the worker here)."""
    markers = Path(context.payload["marker_dir"])
    (markers / f"started-{context.attempt}").write_text(str(context.run.worker_id))
    if context.attempt == 1:
        await asyncio.sleep(HOLD_SECONDS)
    (markers / "finished").write_text(str(context.attempt))
    return {"finished_on_attempt": context.attempt}


def registry_with_holding_job() -> JobRegistry:
    """The shipped jobs plus `test.hold`."""
    registry = default_job_registry()
    registry.add("test.hold", hold_first_attempt, description="holds its first attempt")
    return registry


if __name__ == "__main__":
    from tonearm.cli.serve_cmd import run_worker
    from tonearm.logging import configure_logging
    from tonearm.settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    run_worker(settings, registry_with_holding_job())
