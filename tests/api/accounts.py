"""Accounts for API tests: create a user and sign in as them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx

from tests.factories import make_draft
from tonearm.app import Runtime

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class SignedIn:
    """A user's id and the headers that authenticate as them."""

    id: UUID
    headers: dict[str, str]


async def sign_in(client: httpx.AsyncClient, services: Runtime, username: str) -> SignedIn:
    """Create the account `username` and sign in as it."""
    user = await services.domains.users.add_user(username, PASSWORD)
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return SignedIn(user.id, {"Authorization": f"Bearer {response.json()['access_token']}"})


async def add_song(services: Runtime, **overrides: object) -> UUID:
    """Put a song in the library; returns its id."""
    song_id = uuid4()
    await services.songs.add(song_id, make_draft(**overrides), datetime.now(UTC))
    return song_id
