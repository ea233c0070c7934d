"""The jobs a process knows: each domain adds its own (trending, tiering, ingest, …)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from croniter import croniter

from tonearm.errors import InvalidInput
from tonearm.jobs.models import JobDefinition, JobHandler, UnknownJob


class JobRegistry:
    """Job definitions by name."""

    def __init__(self) -> None:
        self._jobs: dict[str, JobDefinition] = {}

    def add(
        self,
        name: str,
        handler: JobHandler,
        *,
        description: str,
        cron: str | None = None,
        max_attempts: int | None = None,
        default_payload: Mapping[str, Any] | None = None,
        needs: tuple[str, ...] = (),
    ) -> JobDefinition:
        """Register a job; `cron` (five fields, UTC) makes it recurring; `needs` names the
        payload keys every run must be given.

        Raises InvalidInput for a duplicate name or a bad cron expression.
        """
        if name in self._jobs:
            raise InvalidInput(f"job {name!r} is registered twice")
        if cron is not None and not croniter.is_valid(cron):
            raise InvalidInput(f"job {name!r}: bad cron expression {cron!r}")
        definition = JobDefinition(
            name=name,
            handler=handler,
            description=description,
            cron=cron,
            max_attempts=max_attempts,
            default_payload=dict(default_payload or {}),
            needs=needs,
        )
        self._jobs[name] = definition
        return definition

    def get(self, name: str) -> JobDefinition:
        """The definition; raises UnknownJob."""
        try:
            return self._jobs[name]
        except KeyError:
            raise UnknownJob(name) from None

    def __iter__(self) -> Iterator[JobDefinition]:
        return iter(sorted(self._jobs.values(), key=lambda job: job.name))

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def scheduled(self) -> list[JobDefinition]:
        """The recurring jobs."""
        return [job for job in self if job.cron is not None]
