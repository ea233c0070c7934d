"""Internet radio stations: what an admin adds and everyone signed in can play."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from tonearm.errors import InvalidInput, NotFound

MAX_NAME_LENGTH = 200
# Long enough for any real stream address with a token in its query, short enough to keep
# rows, answers and the page's Content-Security-Policy header small.
MAX_URL_LENGTH = 2000
MAX_STATIONS = 1000
URL_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class Station:
    """An internet radio station: an endless audio stream with a name."""

    id: UUID
    name: str
    stream_url: str
    homepage_url: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def stream_origin(self) -> str:
        """`scheme://host[:port]` of the stream: what the page's media-src must allow."""
        return url_origin(self.stream_url)


class StationNotFound(NotFound):
    """No station has this id."""

    def __init__(self, station_id: UUID) -> None:
        super().__init__(f"no internet radio station {station_id}")


class InvalidStation(InvalidInput):
    """An empty or over-long name, or a URL that is not a plain http(s) address."""


def url_origin(url: str) -> str:
    """`scheme://host[:port]` of a URL checked by `check_url` (lower case, default port
    dropped)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


def check_url(raw: str, field: str) -> str:
    """`raw` stripped, when it is an absolute http(s) URL with a host, no credentials and
    nothing a CSP source or a header could be broken by; raises InvalidStation."""
    url = raw.strip()
    if not url:
        raise InvalidStation(f"{field}: must not be empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidStation(f"{field}: {len(url)} characters, at most {MAX_URL_LENGTH} allowed")
    # Printable ASCII only, without what would end a CSP source or quote it: a URL with
    # other characters must be percent-encoded first.
    if any(not 0x21 <= ord(c) <= 0x7E or c in "';,\"\\<>`{}|^" for c in url):
        raise InvalidStation(f"{field}: only printable ASCII without spaces or quotes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidStation(f"{field}: not a URL ({error})") from None
    if parts.scheme.lower() not in URL_SCHEMES:
        raise InvalidStation(f"{field}: must start with http:// or https://")
    if not parts.hostname:
        raise InvalidStation(f"{field}: names no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidStation(f"{field}: must not carry a user name or password")
    if port == 0:
        raise InvalidStation(f"{field}: port 0 is not a port")
    return url


def check_name(raw: str) -> str:
    """`raw` stripped, when it is 1..MAX_NAME_LENGTH characters without control characters;
    raises InvalidStation."""
    name = raw.strip()
    if not name:
        raise InvalidStation("name: must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidStation(f"name: {len(name)} characters, at most {MAX_NAME_LENGTH} allowed")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise InvalidStation("name: must not contain control characters")
    return name
