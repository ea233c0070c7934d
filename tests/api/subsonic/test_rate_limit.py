"""Subsonic calls count against TONEARM_RATE_LIMIT_SUBSONIC_PER_MINUTE, per user."""

from __future__ import annotations

import pytest

from tests.api.subsonic.client import SubsonicClient
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    return stack_settings.model_copy(update={"rate_limit_subsonic_per_minute": 5})


async def test_over_the_rate_limit_calls_fail_with_a_message(subsonic: SubsonicClient) -> None:
    for _ in range(5):
        await subsonic.call("ping")
    error = await subsonic.fail("ping")
    assert error["code"] == 0
    assert "too many requests" in error["message"]
