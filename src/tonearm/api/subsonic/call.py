"""What a Subsonic handler gets: the parameters, the signed-in user, the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from tonearm.api.subsonic.params import Params
from tonearm.api.subsonic.render import Payload
from tonearm.users import User

if TYPE_CHECKING:
    from tonearm.app import Services


@dataclass(frozen=True, slots=True)
class SubsonicCall:
    """One call of a Subsonic method."""

    request: Request
    params: Params
    services: Services
    user: User
    client: str  # the `c` parameter: which app is calling

    @property
    def base_url(self) -> str:
        """The server's public base URL (TONEARM_PUBLIC_URL, else the request's)."""
        configured = self.services.settings.public_url
        if configured:
            return str(configured).rstrip("/")
        return str(self.request.base_url).rstrip("/")


# A handler answers with a payload for the envelope, or with its own response (media bytes).
Handler = Callable[[SubsonicCall], Awaitable[Payload | Response]]

__all__ = ["Handler", "SubsonicCall"]
