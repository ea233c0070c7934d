"""The app over httpx's ASGI transport, with services opened on a temp data directory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tonearm.app import Runtime, attach_runtime, create_app, open_runtime
from tonearm.settings import Settings


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    """Every API test runs on the embedded defaults and on PostgreSQL + Redis + S3."""
    return stack_settings


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_runtime(settings)
    yield opened
    await opened.close()


@pytest.fixture
def app(settings: Settings, services: Runtime) -> FastAPI:
    application = create_app(settings)
    # httpx's ASGITransport does not run the lifespan; hand the app its services directly.
    attach_runtime(application, services)
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tonearm.test") as http:
        yield http
