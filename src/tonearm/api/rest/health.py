"""GET /api/health: is every part of tonearm working?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from tonearm import __version__
from tonearm.api.deps import ServicesDep

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


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def get_health(services: ServicesDep, response: Response) -> HealthOut:
    """Database, storage, cache and queue, each checked now. 503 when any is down."""
    report = await services.health()
    healthy = all(component.ok for component in report.values())
    response.status_code = 200 if healthy else 503
    return HealthOut(
        status="ok" if healthy else "degraded",
        version=__version__,
        components={
            name: ComponentOut(ok=c.ok, detail=c.detail, latency_ms=c.latency_ms)
            for name, c in report.items()
        },
    )
