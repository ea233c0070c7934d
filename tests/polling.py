"""Waiting for a condition instead of sleeping: poll it until it holds, up to a deadline.

    wait_for(lambda: path.exists(), "the marker file")
    await eventually(lambda: job_done(run_id), "the job to finish")

The deadline is generous (a loaded machine only makes a test slower, never red); it is
not a measure of speed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_SECONDS = 30.0
INTERVAL_SECONDS = 0.02


def wait_for(
    condition: Callable[[], T],
    what: str,
    *,
    timeout: float = DEADLINE_SECONDS,
    interval: float = INTERVAL_SECONDS,
) -> T:
    """The first truthy value of `condition()`; fails the test naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(interval)
    return value


async def eventually(
    condition: Callable[[], Awaitable[T]],
    what: str,
    *,
    timeout: float = DEADLINE_SECONDS,
    interval: float = INTERVAL_SECONDS,
) -> T:
    """Like wait_for, for an async `condition`, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not (value := await condition()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        await asyncio.sleep(interval)
    return value


__all__ = ["DEADLINE_SECONDS", "eventually", "wait_for"]
