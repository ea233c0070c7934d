"""Subsonic sign-in reads an account once every few seconds (users/subsonic.py,
ACCOUNT_CACHE_SECONDS), yet a disabled account, a new password or a deleted account take
effect at once when changed through this server, and within the cache's time when changed
by another process (the CLI, a second worker)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.accounts import PASSWORD
from tests.api.subsonic.client import Auth, SubsonicClient
from tests.statements import count_statements
from tonearm.adapters.db.users import SqlUserRepository
from tonearm.app import Runtime
from tonearm.users import User
from tonearm.users.passwords import hash_password
from tonearm.users.subsonic import ACCOUNT_CACHE_SECONDS

pytestmark = pytest.mark.anyio

SCHEMES: list[Auth] = ["password", "enc", "token"]


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(services: Runtime) -> Monotonic:
    clock = Monotonic()
    services.domains.subsonic_auth.monotonic = clock
    return clock


@pytest.mark.parametrize("auth", SCHEMES)
async def test_a_second_call_reads_no_account(
    subsonic: SubsonicClient, services: Runtime, monotonic: Monotonic, auth: Auth
) -> None:
    await subsonic.call("ping", auth=auth)
    with count_statements(services.database) as sent:
        await subsonic.call("ping", auth=auth)
    assert sent.count == 0, sent.described()
    monotonic.now += ACCOUNT_CACHE_SECONDS + 0.1
    with count_statements(services.database) as sent:
        await subsonic.call("ping", auth=auth)
    assert sent.count >= 1  # read again once the cached account is too old


@pytest.mark.parametrize("auth", SCHEMES)
async def test_disabling_through_the_server_takes_effect_at_once(
    subsonic: SubsonicClient, services: Runtime, monotonic: Monotonic, auth: Auth
) -> None:
    await subsonic.call("ping", auth=auth)
    await services.domains.users.set_active("alice", False)
    assert (await subsonic.fail("ping", auth=auth))["code"] == 40
    await services.domains.users.set_active("alice", True)
    assert (await subsonic.call("ping", auth=auth))["status"] == "ok"


@pytest.mark.parametrize("auth", SCHEMES)
async def test_a_new_password_takes_effect_at_once(
    subsonic: SubsonicClient,
    services: Runtime,
    client: httpx.AsyncClient,
    monotonic: Monotonic,
    auth: Auth,
) -> None:
    await subsonic.call("ping", auth=auth)
    await services.domains.users.set_password("alice", "a brand new passphrase")
    assert (await subsonic.fail("ping", auth=auth))["code"] == 40
    renewed = SubsonicClient(client, "alice", "a brand new passphrase")
    assert (await renewed.call("ping", auth=auth))["status"] == "ok"


async def test_a_deleted_account_is_refused_at_once(
    client: httpx.AsyncClient, services: Runtime, monotonic: Monotonic, alice: User
) -> None:
    await services.domains.users.add_user("bob", PASSWORD)
    bob = SubsonicClient(client, "bob", PASSWORD)
    await bob.call("ping", auth="token")
    await services.domains.users.delete_user("bob")
    assert (await bob.fail("ping", auth="token"))["code"] == 40


@pytest.mark.parametrize("auth", SCHEMES)
async def test_a_change_by_another_process_takes_effect_within_the_cache_time(
    subsonic: SubsonicClient, services: Runtime, monotonic: Monotonic, alice: User, auth: Auth
) -> None:
    # Written straight to the database, as `tonearm user disable` in another process does.
    other_process = SqlUserRepository(services.database.sessions)
    await subsonic.call("ping", auth=auth)
    await other_process.set_active(alice.id, False)
    monotonic.now += ACCOUNT_CACHE_SECONDS / 2
    assert (await subsonic.call("ping", auth=auth))["status"] == "ok"  # still the cached one
    monotonic.now += ACCOUNT_CACHE_SECONDS / 2 + 0.1
    assert (await subsonic.fail("ping", auth=auth))["code"] == 40


async def test_a_password_reset_by_another_process_takes_effect_within_the_cache_time(
    subsonic: SubsonicClient, services: Runtime, monotonic: Monotonic, alice: User
) -> None:
    other_process = SqlUserRepository(services.database.sessions)
    await subsonic.call("ping", auth="password")
    await other_process.set_password_hash(alice.id, await hash_password("reset elsewhere 1"))
    monotonic.now += ACCOUNT_CACHE_SECONDS + 0.1
    assert (await subsonic.fail("ping", auth="password"))["code"] == 40
