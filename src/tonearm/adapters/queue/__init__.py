"""The job queue adapter: huey on a SQLite file or on Redis."""

from tonearm.adapters.queue.base import Deliver, JobQueue
from tonearm.adapters.queue.huey_queue import HueyJobQueue, open_job_queue

__all__ = ["Deliver", "HueyJobQueue", "JobQueue", "open_job_queue"]
