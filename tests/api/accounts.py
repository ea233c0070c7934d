"""Signing a user in over HTTP, for API tests that need an authenticated client."""

from __future__ import annotations

import httpx

from tonearm.app import Services

PASSWORD = "correct horse battery"


async def sign_in(client: httpx.AsyncClient, services: Services, username: str) -> dict[str, str]:
    """Create the account `username` and return the Authorization header of its sign-in."""
    await services.users.add_user(username, PASSWORD)
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
