"""Health of the parts tonearm depends on: each checked, timed, and reported in one place."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from tonearm.errors import TonearmError

CHECK_TIMEOUT_SECONDS = 5.0
# When this process loaded tonearm (the server's start, give or take its imports).
_STARTED_MONOTONIC = time.monotonic()


def uptime_seconds() -> float:
    """How long this process has been running tonearm."""
    return time.monotonic() - _STARTED_MONOTONIC


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    """One part's state: ok, or the reason it is not."""

    ok: bool
    detail: str
    latency_ms: float


async def check_component(check: Callable[[], Awaitable[object]]) -> ComponentHealth:
    """Run one check with a timeout; a TonearmError or timeout becomes a failed result."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except TimeoutError:
        detail, ok = f"no answer within {CHECK_TIMEOUT_SECONDS:g} s", False
    except TonearmError as error:
        detail, ok = str(error), False
    else:
        detail, ok = "ok", True
    return ComponentHealth(ok, detail, round((time.perf_counter() - started) * 1000, 2))


async def check_components(
    checks: Mapping[str, Callable[[], Awaitable[object]]],
) -> dict[str, ComponentHealth]:
    """Every check, run concurrently, by name."""
    names = list(checks)
    results = await asyncio.gather(*(check_component(checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


class SystemHealth:
    """The component checks behind /api/health, the admin screen and `tonearm doctor`."""

    def __init__(self, checks: Mapping[str, Callable[[], Awaitable[object]]]) -> None:
        self._checks = dict(checks)

    async def components(self) -> dict[str, ComponentHealth]:
        """Each component's state, checked now."""
        return await check_components(self._checks)
