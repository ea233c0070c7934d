"""Typed request dependencies for route handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

if TYPE_CHECKING:
    from tonearm.app import Services


def get_services(request: Request) -> Services:
    """The services the app opened at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated["Services", Depends(get_services)]
