"""The JobQueue interface: carries job run ids from whoever enqueues to worker threads.

It moves ids only; what to run and whether it ran live in the job ledger (tonearm.jobs).
Implementations: huey over a SQLite file (embedded) or over Redis (scale-out).
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Deliver = Callable[[str], None]
"""Called on a worker thread with one run id; it must not raise for ordinary job failures."""


class JobQueue(Protocol):
    """Send run ids, optionally delayed; consume them on worker threads."""

    def send(self, run_id: str, delay_seconds: float = 0.0) -> None:
        """Queue `run_id` for delivery after `delay_seconds`."""
        ...

    def start_consumer(self, deliver: Deliver, workers: int) -> None:
        """Start `workers` threads that call `deliver` for each run id; returns at once."""
        ...

    def stop_consumer(self, timeout_seconds: float = 30.0) -> None:
        """Stop taking new ids and wait up to `timeout_seconds` for running deliveries."""
        ...

    def pending(self) -> int:
        """How many ids wait in the queue (not counting delayed ones)."""
        ...

    def check(self) -> None:
        """Raise Unavailable (one line) if the queue's backend cannot be used."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
