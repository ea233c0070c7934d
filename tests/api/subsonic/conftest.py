"""Subsonic API fixtures: a signed-in Subsonic client over ASGI, and a live server for
third-party clients (py-sonic) with a real imported library.

Subsonic tests run on the embedded stack; a module marked `both_stacks` runs on scale-out
too (the REST tests already cover every service on both).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.live import LiveServer, start_live_server
from tonearm.app import Runtime
from tonearm.users import User


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_stacks: run this Subsonic module on scale-out too (embedded only else)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Leave out the scale-out run of Subsonic tests not marked both_stacks (deselected, so
    # the run reports them as such): the REST tests already run every service on both.
    here = Path(__file__).parent
    chosen, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_scale_out = callspec is not None and callspec.params.get("stack_settings") == "scale_out"
        if (
            on_scale_out
            and here in Path(str(item.path)).parents
            and not item.get_closest_marker("both_stacks")
        ):
            dropped.append(item)
        else:
            chosen.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


@pytest.fixture
async def alice(services: Runtime) -> User:
    """A user whose password is tests.api.accounts.PASSWORD."""
    return await services.domains.users.add_user("alice", PASSWORD)


@pytest.fixture
async def subsonic(client: httpx.AsyncClient, alice: User) -> AsyncIterator[SubsonicClient]:
    """Calls Subsonic methods as alice (password auth, JSON unless asked otherwise)."""
    yield SubsonicClient(client, "alice", PASSWORD)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `tonearm serve` on 127.0.0.1 with alice and a small imported library."""
    server = start_live_server(tmp_path_factory.mktemp("live"))
    try:
        yield server
    finally:
        server.stop()
