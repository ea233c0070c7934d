"""What a Subsonic handler gets: the call (parameters, signed-in user, client, the server's
public base URL), and — as further parameters, by name — the domain services it declares.

    async def get_song(call: SubsonicCall, catalog: CatalogService) -> Payload: ...

The dispatcher (routes.py) passes each parameter after `call` from the app's `Domains`
field of that name; a test checks every handler's names and types against those fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tonearm.api.subsonic.params import Params
from tonearm.api.subsonic.render import Payload
from tonearm.users import User


@dataclass(frozen=True, slots=True)
class SubsonicCall:
    """One call of a Subsonic method."""

    request: Request
    params: Params
    user: User
    client: str  # the `c` parameter: which app is calling
    base_url: str  # the server's public base URL (api.deps.public_base_url)


# A handler answers with a payload for the envelope, or with its own response (media bytes);
# its parameters after the call are domain services, by name.
Handler = Callable[..., Awaitable[Payload | Response]]
AnyHandler = Callable[..., Awaitable[Any]]

__all__ = ["AnyHandler", "Handler", "SubsonicCall"]
