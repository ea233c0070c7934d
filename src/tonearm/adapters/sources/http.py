"""The one shared httpx client for calls out to public music APIs, and what their
transport failures mean to scrobbling."""

from __future__ import annotations

import httpx

from tonearm import __version__

TIMEOUT_SECONDS = 20.0
USER_AGENT = f"tonearm/{__version__} (+https://github.com/tonearm)"


def open_http_client(timeout_seconds: float = TIMEOUT_SECONDS) -> httpx.AsyncClient:
    """A client with a bounded timeout, a User-Agent naming tonearm, and no redirects
    followed (an API answering a redirect is an error worth seeing)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


def retry_after_seconds(response: httpx.Response, *names: str) -> float | None:
    """The first of the headers `names` holding a number of seconds (Retry-After,
    X-RateLimit-Reset-In); None when there is none."""
    for name in names:
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            continue
    return None
