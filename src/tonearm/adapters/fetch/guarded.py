"""GuardedFetcher: httpx GETs of untrusted URLs that cannot reach the server's own network.

How an address is pinned. The host of every URL (the first and each redirect's) is
resolved here, with the event loop's getaddrinfo; every address it resolves to is
checked, and the request then goes to the first of them, as an IP literal, with the real
name kept in the Host header and (for https) in TLS's SNI, against which the certificate
is verified (httpcore's `sni_hostname` extension). httpx never resolves the name itself,
so a DNS answer that changes between the check and the connection (rebinding) cannot
swap the address. Keep-alive is off: a pooled connection is keyed by IP, and one made
for another name must not be reused. Proxies from the environment are ignored
(`trust_env=False`), since a proxy would do its own resolving.

Refused: loopback, private, shared (100.64/10), link-local, multicast, unspecified and
reserved addresses (IPv4-mapped IPv6 ones by their IPv4 address), schemes other than
http and https, more than `max_redirects` redirects, and a redirect back to a URL
already visited. The allow-list (TONEARM_FETCH_ALLOW: host names or networks) lifts the
address rule for what it names, e.g. a feed server on the LAN.

Bounds: connect and read timeouts per operation, a total deadline over the whole fetch
(redirects and body included), and a byte cap counted on the bytes as they arrive; a
Content-Length over the cap is refused at once, but a smaller one is not believed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import httpx

from tonearm.adapters.fetch.base import (
    FetchedDocument,
    FetchedStream,
    FetchFailed,
    FetchRefused,
    FetchTimedOut,
    FetchTooLarge,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of every fetch, and the hosts/networks exempt from the address rule."""

    allow: Sequence[str] = ()
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 30.0
    feed_deadline_seconds: float = 60.0
    download_deadline_seconds: float = 3600.0
    max_redirects: int = 5
    user_agent: str = "tonearm podcast fetcher"


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the OS resolver, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: IPAddress) -> bool:
    """True for an address on the public internet; False for loopback, private, shared,
    link-local, multicast, unspecified and reserved ones."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public_address(mapped)
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
    )


class AllowList:
    """Host names and networks the address rule does not apply to."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.hosts: frozenset[str] = frozenset()
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            text = entry.strip().lower()
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                hosts.add(text.rstrip("."))
        self.hosts = frozenset(hosts)
        self.networks: tuple[IPNetwork, ...] = tuple(networks)

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


class GuardedFetcher:
    """Implements tonearm.adapters.fetch.base.Fetcher."""

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        """`verify`: how https certificates are checked (default: the system's CAs), always
        against the URL's host name, never the address connected to."""
        self._policy = policy
        self._allow = AllowList(policy.allow)
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            timeout=httpx.Timeout(
                policy.read_timeout_seconds, connect=policy.connect_timeout_seconds
            ),
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "identity"},
        )

    async def fetch(self, url: str, *, max_bytes: int) -> FetchedDocument:
        """The body at `url`, at most `max_bytes`, within the feed deadline."""
        async with self._opened(url, max_bytes, self._policy.feed_deadline_seconds) as stream:
            body = bytearray()
            async for chunk in stream.chunks:
                body += chunk
            return FetchedDocument(stream.url, stream.content_type, bytes(body))

    def open(self, url: str, *, max_bytes: int) -> AbstractAsyncContextManager[FetchedStream]:
        """The body at `url` in chunks, at most `max_bytes`, within the download deadline."""
        return self._opened(url, max_bytes, self._policy.download_deadline_seconds)

    async def close(self) -> None:
        await self._client.aclose()

    @asynccontextmanager
    async def _opened(
        self, url: str, max_bytes: int, deadline_seconds: float
    ) -> AsyncIterator[FetchedStream]:
        deadline = asyncio.get_running_loop().time() + deadline_seconds
        try:
            async with asyncio.timeout_at(deadline):
                response, final_url = await self._follow(httpx.URL(url))
        except TimeoutError:
            raise FetchTimedOut(f"{url}: no answer within {deadline_seconds:g} s") from None
        try:
            declared = _declared_length(response)
            if declared is not None and declared > max_bytes:
                raise FetchTooLarge(
                    f"{url}: {declared} bytes declared, the limit is {max_bytes} bytes"
                )
            yield FetchedStream(
                str(final_url),
                response.headers.get("Content-Type"),
                declared,
                self._capped(response, url, max_bytes, deadline, deadline_seconds),
            )
        finally:
            await response.aclose()

    async def _capped(
        self,
        response: httpx.Response,
        url: str,
        max_bytes: int,
        deadline: float,
        deadline_seconds: float,
    ) -> AsyncIterator[bytes]:
        received = 0
        chunks = response.aiter_bytes(CHUNK_BYTES).__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise FetchTimedOut(
                    f"{url}: not complete within {deadline_seconds:g} s ({received} bytes)"
                ) from None
            except httpx.TimeoutException:
                raise FetchTimedOut(f"{url}: the server stopped sending") from None
            except httpx.HTTPError as error:
                raise FetchFailed(f"{url}: {_describe(error)}") from None
            received += len(chunk)
            if received > max_bytes:
                raise FetchTooLarge(f"{url}: more than the limit of {max_bytes} bytes")
            yield chunk

    async def _follow(self, url: httpx.URL) -> tuple[httpx.Response, httpx.URL]:
        seen: set[str] = set()
        for _ in range(self._policy.max_redirects + 1):
            seen.add(str(url))
            response = await self._send(url)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                if response.status_code >= 400:
                    await response.aclose()
                    raise FetchFailed(f"{url}: the server answered HTTP {response.status_code}")
                return response, url
            await response.aclose()
            try:
                url = url.join(location)
            except httpx.InvalidURL:
                raise FetchFailed(f"{url}: a redirect to a bad URL {location!r}") from None
            if str(url) in seen:
                raise FetchRefused(f"redirect loop: {url} was already visited")
        raise FetchRefused(f"more than {self._policy.max_redirects} redirects")

    async def _send(self, url: httpx.URL) -> httpx.Response:
        if url.scheme not in {"http", "https"}:
            raise FetchRefused(f"{url}: only http and https URLs can be fetched")
        host = url.host
        if not host:
            raise FetchRefused(f"{url}: no host")
        port = url.port or (443 if url.scheme == "https" else 80)
        address = await self._checked_address(host, port)
        target = url.copy_with(host=address)
        host_header = host if url.port is None else f"{_bracketed(host)}:{url.port}"
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        request = self._client.build_request(
            "GET", target, headers={"Host": host_header}, extensions=extensions
        )
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise FetchTimedOut(f"{url}: the server did not answer in time") from None
        except httpx.HTTPError as error:
            raise FetchFailed(f"{url}: {_describe(error)}") from None

    async def _checked_address(self, host: str, port: int) -> str:
        """The address to connect to for `host`: every address it resolves to must be
        public (or allowed), else FetchRefused."""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                resolved = await self._resolve(host, port)
            except OSError as error:
                raise FetchFailed(f"{host}: cannot resolve the name ({error})") from None
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]
            if not addresses:
                raise FetchFailed(f"{host}: the name resolves to no address")
        if not self._allow.allows_host(host):
            for address in addresses:
                if not (is_public_address(address) or self._allow.allows_address(address)):
                    raise FetchRefused(
                        f"{host} resolves to {address}, a loopback, private or reserved "
                        "address: tonearm does not fetch from its own network unless "
                        "TONEARM_FETCH_ALLOW names it"
                    )
        return str(addresses[0])


def _declared_length(response: httpx.Response) -> int | None:
    raw = response.headers.get("Content-Length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _describe(error: httpx.HTTPError) -> str:
    return str(error) or type(error).__name__


__all__ = ["AllowList", "FetchPolicy", "GuardedFetcher", "is_public_address", "system_resolver"]
