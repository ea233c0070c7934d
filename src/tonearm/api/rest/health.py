"""GET /api/health: is every part of tonearm working?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from tonearm import __version__
from tonearm.api.deps import HealthDep
from tonearm.health import ComponentHealth

router = APIRouter(tags=["health"])


class ComponentOut(BaseModel):
    """One component's state."""

    ok: bool
    detail: str
    latency_ms: float


class HealthOut(BaseModel):
    """Overall state and each component's."""

    status: Literal["ok", "degraded"]
    version: str
    components: dict[str, ComponentOut]


def health_out(report: dict[str, ComponentHealth]) -> HealthOut:
    """Components' states as sent (also part of GET /api/admin/health)."""
    healthy = all(component.ok for component in report.values())
    return HealthOut(
        status="ok" if healthy else "degraded",
        version=__version__,
        components={
            name: ComponentOut(ok=c.ok, detail=c.detail, latency_ms=c.latency_ms)
            for name, c in report.items()
        },
    )


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def get_health(components: HealthDep, response: Response) -> HealthOut:
    """Database, storage, cache and queue, each checked now. 503 when any is down."""
    health = health_out(await components.components())
    response.status_code = 200 if health.status == "ok" else 503
    return health
