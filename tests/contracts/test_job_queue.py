"""Contract of JobQueue, run against the embedded (SQLite) and the Redis implementation."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningServer, free_port
from tonearm.adapters.queue import JobQueue, open_job_queue
from tonearm.errors import Unavailable


@pytest.fixture
def embedded_queue(tmp_path: Path) -> Iterator[JobQueue]:
    queue = open_job_queue(f"sqlite:///{tmp_path / 'queue.db'}")
    yield queue
    queue.stop_consumer(5)
    queue.close()


@pytest.fixture
def redis_queue(redis_server: RunningServer) -> Iterator[JobQueue]:
    queue = open_job_queue(redis_server.url, name=f"test-{uuid.uuid4().hex[:8]}")
    yield queue
    queue.stop_consumer(5)
    queue.close()


@pytest.fixture(params=["embedded_queue", "redis_queue"])
def job_queue(request: pytest.FixtureRequest) -> JobQueue:
    queue: JobQueue = request.getfixturevalue(request.param)
    return queue


class Recorder:
    """Collects delivered ids from worker threads."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    def deliver(self, run_id: str) -> None:
        with self.arrived:
            self.ids.append(run_id)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.ids) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return list(self.ids)


def test_every_sent_id_is_delivered_once(job_queue: JobQueue) -> None:
    recorder = Recorder()
    sent = [str(uuid.uuid4()) for _ in range(20)]
    for run_id in sent:
        job_queue.send(run_id)
    job_queue.start_consumer(recorder.deliver, workers=3)
    delivered = recorder.wait_for(len(sent))
    time.sleep(0.3)  # a duplicate would arrive in this time
    assert sorted(recorder.ids) == sorted(sent)
    assert len(delivered) == len(sent)


def test_pending_counts_ids_not_yet_consumed(job_queue: JobQueue) -> None:
    for _ in range(3):
        job_queue.send(str(uuid.uuid4()))
    assert job_queue.pending() == 3


def test_a_delayed_id_waits_for_its_time(job_queue: JobQueue) -> None:
    recorder = Recorder()
    job_queue.start_consumer(recorder.deliver, workers=1)
    later, now = str(uuid.uuid4()), str(uuid.uuid4())
    job_queue.send(later, delay_seconds=2.5)
    job_queue.send(now)
    assert recorder.wait_for(1) == [now]
    assert recorder.wait_for(2) == [now, later]


def test_check_passes_on_a_working_backend(job_queue: JobQueue) -> None:
    job_queue.check()


def test_redis_queue_check_names_an_unreachable_server() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    queue = open_job_queue(url)
    with pytest.raises(Unavailable) as caught:
        queue.check()
    message = str(caught.value)
    assert url in message
    assert "\n" not in message
