"""JobQueue on huey: SqliteHuey (a file on local disk) or RedisHuey.

huey alone may lose a task whose worker is killed mid-run (it never acknowledges); tonearm
covers that with the job ledger's leases, so here huey only has to move ids.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import structlog
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer
from redis import ConnectionPool
from redis.exceptions import RedisError

from tonearm.adapters.queue.base import Deliver
from tonearm.errors import ConfigError, Unavailable
from tonearm.settings import mask_url

log = structlog.get_logger(__name__)

_TASK_NAME = "tonearm.deliver"


class _EmbeddedConsumer(Consumer):
    """A huey consumer that leaves signal handling to its host process (uvicorn, the CLI)."""

    def _set_signal_handlers(self) -> None:
        pass


class HueyJobQueue:
    """Run ids on a huey queue, consumed by huey worker threads."""

    def __init__(self, huey: Huey, description: str) -> None:
        self._huey = huey
        self._description = description
        self._deliver: Deliver | None = None
        self._consumer: Consumer | None = None
        self._task = huey.task(name=_TASK_NAME)(self._on_message)

    def _on_message(self, run_id: str) -> None:
        if self._deliver is None:
            raise RuntimeError("a job message arrived in a process that runs no consumer")
        self._deliver(run_id)

    def send(self, run_id: str, delay_seconds: float = 0.0) -> None:
        """Queue `run_id`; huey's scheduler holds delayed ones until they are due."""
        try:
            if delay_seconds > 0:
                self._task.schedule(args=(run_id,), delay=delay_seconds)
            else:
                self._task(run_id)
        except (RedisError, sqlite3.Error) as error:
            raise Unavailable(f"job queue {self._description}: {error}") from None

    def start_consumer(self, deliver: Deliver, workers: int) -> None:
        """Start huey's worker threads and its scheduler thread (for delayed ids)."""
        self._deliver = deliver
        consumer = _EmbeddedConsumer(
            self._huey,
            workers=workers,
            periodic=False,
            worker_type="thread",
            initial_delay=0.05,
            max_delay=1.0,
            check_worker_health=True,
        )
        consumer.start()
        self._consumer = consumer

    def stop_consumer(self, timeout_seconds: float = 30.0) -> None:
        """Let running deliveries finish (up to the timeout), then stop the threads."""
        if self._consumer is not None:
            self._consumer.shutdown_timeout = timeout_seconds
            self._consumer.stop(graceful=True)
            self._consumer = None

    def pending(self) -> int:
        """Ids waiting in the queue."""
        try:
            return int(self._huey.pending_count())
        except (RedisError, sqlite3.Error) as error:
            raise Unavailable(f"job queue {self._description}: {error}") from None

    def check(self) -> None:
        """Touch the backend once."""
        self.pending()

    def close(self) -> None:
        """Close huey's storage connections."""
        self._huey.storage.close()


def open_job_queue(url: str, name: str = "tonearm") -> HueyJobQueue:
    """The queue for TONEARM_QUEUE_URL: sqlite:///path (embedded) or redis(s)://….

    `name` separates queues sharing one backend (huey prefixes its Redis keys with it).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # results=False: outcomes are kept in the job ledger, not in huey.
        huey: Huey = SqliteHuey(name=name, filename=str(path), results=False, utc=True)
        return HueyJobQueue(huey, f"sqlite file {path}")
    if parts.scheme in {"redis", "rediss"}:
        pool = ConnectionPool.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        huey = RedisHuey(name=name, connection_pool=pool, results=False, utc=True)
        return HueyJobQueue(huey, mask_url(url))
    raise ConfigError("TONEARM_QUEUE_URL", f"unsupported scheme {parts.scheme!r}")
