"""Worker threads that run delivered jobs, each with its own event loop and services.

Used by `tonearm worker` and, with the embedded queue, inside `tonearm serve`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import structlog

from tonearm.adapters.queue.base import JobQueue

if TYPE_CHECKING:
    from tonearm.domains import Domains
    from tonearm.jobs.service import JobService

log = structlog.get_logger(__name__)


class WorkerRuntime(Protocol):
    """What a worker thread opens: the domain services (jobs among them) and a way to
    close their connections."""

    @property
    def domains(self) -> Domains:
        """The domain services handlers get as `JobContext.domains`."""
        ...

    async def close(self) -> None:
        """Release this thread's connections."""
        ...


class _ThreadRuntime:
    """An event loop and the services opened in it, owned by one thread."""

    def __init__(self, open_runtime: Callable[[], Coroutine[Any, Any, WorkerRuntime]]) -> None:
        self.runner = asyncio.Runner()
        self.opened: WorkerRuntime = self.runner.run(open_runtime())

    def close(self) -> None:
        try:
            self.runner.run(self.opened.close())
        finally:
            self.runner.close()


class JobWorker:
    """Consumes the job queue with N threads; one more thread sweeps leases and schedules."""

    def __init__(
        self,
        queue: JobQueue,
        open_runtime: Callable[[], Coroutine[Any, Any, WorkerRuntime]],
        *,
        threads: int,
        sweep_interval_seconds: float,
    ) -> None:
        self._queue = queue
        self._open_runtime = open_runtime
        self._threads = threads
        self._sweep_interval = sweep_interval_seconds
        self._local = threading.local()
        self._runtimes: list[_ThreadRuntime] = []
        self._runtimes_lock = threading.Lock()
        self._stop = threading.Event()
        self._maintenance: threading.Thread | None = None
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"

    def start(self) -> None:
        """Start consuming and sweeping; returns at once."""
        self._queue.start_consumer(self._deliver, self._threads)
        self._maintenance = threading.Thread(
            target=self._maintain, name="tonearm-job-maintenance", daemon=True
        )
        self._maintenance.start()
        log.info("jobs.worker_started", worker=self.worker_id, threads=self._threads)

    def stop(self, timeout_seconds: float = 30.0) -> None:
        """Finish running jobs (up to the timeout), stop the threads, close their services."""
        self._stop.set()
        self._queue.stop_consumer(timeout_seconds)
        if self._maintenance is not None:
            self._maintenance.join(timeout_seconds)
        with self._runtimes_lock:
            runtimes, self._runtimes = self._runtimes, []
        for runtime in runtimes:
            try:
                runtime.close()
            except Exception:
                log.exception("jobs.runtime_close_failed")

    def _runtime(self) -> _ThreadRuntime:
        runtime: _ThreadRuntime | None = getattr(self._local, "runtime", None)
        if runtime is None:
            runtime = _ThreadRuntime(self._open_runtime)
            self._local.runtime = runtime
            with self._runtimes_lock:
                self._runtimes.append(runtime)
        return runtime

    def _deliver(self, run_id: str) -> None:
        runtime = self._runtime()
        worker_id = f"{self.worker_id}:{threading.current_thread().name}"
        try:
            domains = runtime.opened.domains
            runtime.runner.run(domains.jobs.execute(UUID(run_id), worker_id, domains))
        except Exception:
            # The ledger could not be reached; the lease will run out and the run come back.
            log.exception("jobs.delivery_failed", run_id=run_id)

    def _maintain(self) -> None:
        runtime: _ThreadRuntime | None = None
        while not self._stop.is_set():
            try:
                runtime = runtime or self._runtime()
                runtime.runner.run(self._maintain_once(runtime.opened.domains.jobs))
            except Exception:
                log.exception("jobs.maintenance_failed")
            self._stop.wait(self._sweep_interval)

    @staticmethod
    async def _maintain_once(jobs: JobService) -> None:
        await jobs.sweep()
        await jobs.tick_schedules()
