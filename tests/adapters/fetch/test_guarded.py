"""GuardedFetcher against a local server: allowed through the allow-list; refused without it
(loopback, a redirect into loopback, private addresses); and bounded (redirects, loops,
size while streaming, the total deadline)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.feed_server import FeedServer, start_feed_server
from tonearm.adapters.fetch.base import FetchFailed, FetchRefused, FetchTimedOut, FetchTooLarge
from tonearm.adapters.fetch.guarded import FetchPolicy, GuardedFetcher, is_public_address

pytestmark = pytest.mark.anyio

LOOPBACK_ALLOWED = ("127.0.0.1/32",)
MB = 1024 * 1024


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running, stop = start_feed_server()
    yield running
    stop()


def fetcher(allow: tuple[str, ...] = (), **limits: float) -> GuardedFetcher:
    return GuardedFetcher(FetchPolicy(allow=allow, **limits))  # type: ignore[arg-type]


async def test_an_allowed_local_server_serves_the_feed(server: FeedServer) -> None:
    url = server.feed("/feed.xml", "itunes.xml")
    guarded = fetcher(LOOPBACK_ALLOWED)
    try:
        document = await guarded.fetch(url, max_bytes=MB)
    finally:
        await guarded.close()
    assert b"Tonearm Test Radio" in document.body
    assert document.url == url


async def test_loopback_is_refused_without_the_allow_list(server: FeedServer) -> None:
    url = server.feed("/feed.xml", "itunes.xml")
    guarded = fetcher()
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.1.*TONEARM_FETCH_ALLOW"):
        await guarded.fetch(url, max_bytes=MB)
    await guarded.close()
    assert server.hits.get("/feed.xml") is None  # refused before connecting


async def test_a_name_resolving_to_loopback_is_refused(server: FeedServer) -> None:
    url = server.feed("/feed.xml", "itunes.xml").replace("127.0.0.1", "localhost")
    guarded = fetcher()
    with pytest.raises(FetchRefused, match="localhost resolves to"):
        await guarded.fetch(url, max_bytes=MB)
    await guarded.close()
    assert server.hits.get("/feed.xml") is None


async def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(
    server: FeedServer,
) -> None:
    """feeds.test is allowed by name and resolves to the server; its redirect to
    127.0.0.1 is checked again, and refused."""
    target = server.feed("/feed.xml", "itunes.xml")
    server.route("/moved", status=302, location=target)

    async def resolve(host: str, port: int) -> list[str]:
        assert host == "feeds.test"
        return ["127.0.0.1"]

    guarded = GuardedFetcher(FetchPolicy(allow=("feeds.test",)), resolver=resolve)
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.1"):
        await guarded.fetch(f"http://feeds.test:{server.port}/moved", max_bytes=MB)
    await guarded.close()
    assert server.hits == {"/moved": 1}


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.1.20", "169.254.169.254", "[::1]"])
async def test_private_addresses_are_refused(address: str) -> None:
    guarded = fetcher(connect_timeout_seconds=0.5)
    with pytest.raises(FetchRefused, match="private or reserved"):
        await guarded.fetch(f"http://{address}/feed.xml", max_bytes=MB)
    await guarded.close()


async def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "192.168.0.7"]

    guarded = GuardedFetcher(FetchPolicy(), resolver=resolve)
    with pytest.raises(FetchRefused, match=r"192\.168\.0\.7"):
        await guarded.fetch("http://mixed.example/feed", max_bytes=MB)
    await guarded.close()


def test_the_address_rule() -> None:
    from ipaddress import ip_address

    refused = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "0.0.0.0"]
    refused += ["169.254.1.1", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1"]
    refused += ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1", "ff02::1"]
    assert [a for a in refused if is_public_address(ip_address(a))] == []
    assert is_public_address(ip_address("93.184.215.14"))
    assert is_public_address(ip_address("2606:4700::6810:84e5"))


async def test_a_redirect_loop_is_refused(server: FeedServer) -> None:
    server.route("/a", status=302, location="/b")
    server.route("/b", status=301, location=server.url("/a"))
    guarded = fetcher(LOOPBACK_ALLOWED)
    with pytest.raises(FetchRefused, match="redirect loop"):
        await guarded.fetch(server.url("/a"), max_bytes=MB)
    await guarded.close()


async def test_more_than_five_redirects_are_refused(server: FeedServer) -> None:
    for n in range(7):
        server.route(f"/r{n}", status=307, location=f"/r{n + 1}")
    server.feed("/r7", "itunes.xml")
    guarded = fetcher(LOOPBACK_ALLOWED)
    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        await guarded.fetch(server.url("/r0"), max_bytes=MB)
    await guarded.close()
    assert "/r6" not in server.hits


async def test_five_redirects_are_followed(server: FeedServer) -> None:
    for n in range(5):
        server.route(f"/r{n}", status=302, location=f"/r{n + 1}")
    final = server.feed("/r5", "itunes.xml")
    guarded = fetcher(LOOPBACK_ALLOWED)
    document = await guarded.fetch(server.url("/r0"), max_bytes=MB)
    await guarded.close()
    assert document.url == final


async def test_other_schemes_are_refused() -> None:
    guarded = fetcher()
    for url in ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/"]:
        with pytest.raises(FetchRefused, match="only http and https"):
            await guarded.fetch(url, max_bytes=MB)
    await guarded.close()


def endless() -> Iterator[bytes]:
    chunk = b"\0" * 65536
    while True:
        yield chunk


async def test_an_endless_body_declared_2_gb_stops_at_the_cap(server: FeedServer) -> None:
    """Declared 2 GB under a 1 MB cap: refused on the header, nothing read."""
    url = server.route("/big.mp3", chunks=endless, declared_length=2 * 1024**3)
    guarded = fetcher(LOOPBACK_ALLOWED)
    with pytest.raises(FetchTooLarge, match="declared"):
        async with guarded.open(url, max_bytes=MB):
            pass
    await guarded.close()


async def test_an_endless_undeclared_body_stops_at_the_cap(server: FeedServer) -> None:
    url = server.route("/endless.mp3", chunks=endless, content_type="audio/mpeg")
    guarded = fetcher(LOOPBACK_ALLOWED)
    received = 0
    with pytest.raises(FetchTooLarge, match=f"limit of {MB} bytes"):
        async with guarded.open(url, max_bytes=MB) as stream:
            async for chunk in stream.chunks:
                received += len(chunk)
    await guarded.close()
    assert MB - 65536 <= received <= MB


async def test_a_slow_server_hits_the_total_deadline(server: FeedServer) -> None:
    def trickle() -> Iterator[bytes]:
        while True:
            time.sleep(0.1)
            yield b"<"

    url = server.route("/slow.xml", chunks=trickle)
    guarded = fetcher(LOOPBACK_ALLOWED, feed_deadline_seconds=1.0, read_timeout_seconds=5.0)
    # The deadline's message, not the read timeout's ("stopped sending").
    with pytest.raises(FetchTimedOut, match="not complete within 1 s"):
        await guarded.fetch(url, max_bytes=MB)
    await guarded.close()


async def test_a_server_that_never_answers_hits_the_deadline(server: FeedServer) -> None:
    url = server.route("/silent.xml", delay_seconds=3.0)
    guarded = fetcher(LOOPBACK_ALLOWED, feed_deadline_seconds=0.5)
    with pytest.raises(FetchTimedOut, match=r"no answer within 0\.5 s"):
        await guarded.fetch(url, max_bytes=MB)
    await guarded.close()


async def test_an_error_status_is_reported(server: FeedServer) -> None:
    guarded = fetcher(LOOPBACK_ALLOWED)
    with pytest.raises(FetchFailed, match="HTTP 404"):
        await guarded.fetch(server.url("/nothing"), max_bytes=MB)
    await guarded.close()


def self_signed(tmp_path: Path, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `host` only, and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


async def test_https_connects_to_the_checked_address_with_the_name_kept(tmp_path: Path) -> None:
    """The name is resolved here and the connection goes to that address, yet TLS is made
    with the name (SNI) and the certificate is checked against it; the Host header is the
    name too."""
    server_tls, client_tls = self_signed(tmp_path, "feeds.test")
    running, stop = start_feed_server(server_tls)
    try:
        running.feed("/feed.xml", "itunes.xml")
        resolved: list[str] = []

        async def resolve(host: str, port: int) -> list[str]:
            resolved.append(host)
            return ["127.0.0.1"]

        guarded = GuardedFetcher(
            FetchPolicy(allow=("feeds.test",)), resolver=resolve, verify=client_tls
        )
        document = await guarded.fetch(f"https://feeds.test:{running.port}/feed.xml", max_bytes=MB)
        assert b"Tonearm Test Radio" in document.body
        assert resolved == ["feeds.test"]
        assert running.hosts["/feed.xml"] == f"feeds.test:{running.port}"

        # The same address under another name: the certificate does not match, refused.
        async def other(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        wrong = GuardedFetcher(
            FetchPolicy(allow=("other.test",)), resolver=other, verify=client_tls
        )
        with pytest.raises(FetchFailed):
            await wrong.fetch(f"https://other.test:{running.port}/feed.xml", max_bytes=MB)
        await guarded.close()
        await wrong.close()
    finally:
        stop()
