"""StreamTitleReader over HTTP: the title an internet radio stream announces (ICY metadata).

Shoutcast and Icecast servers interleave metadata with the audio when asked with
`Icy-MetaData: 1`: the answer's `icy-metaint` header gives the number of audio bytes between
blocks; each block is one length byte (times 16) and that many bytes of text such as
`StreamTitle='Artist - Title';StreamUrl='';`, padded with NULs. The reader asks, skips the
first `icy-metaint` audio bytes, reads the first block and hangs up: the stream never ends,
so the connection is not kept (nor pooled: nothing else could be sent on it).

Stream servers are outside tonearm: the bytes read (MAX_METAINT_BYTES of audio at most, then
one block) and the time taken (TIMEOUT_SECONDS in all, redirects included) are bounded, and
anything unexpected reads as "no title". Text is UTF-8 when it decodes as such, else
Latin-1 (what older servers send).
"""

from __future__ import annotations

import asyncio
import logging
import re

import httpx

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 8.0
# Servers use 8,192 to 32,768 bytes; more than this is not a radio stream worth waiting for.
MAX_METAINT_BYTES = 256 * 1024
MAX_REDIRECTS = 3
MAX_TITLE_LENGTH = 500
CHUNK_BYTES = 16 * 1024
# `StreamTitle='…';` up to the quote that ends a field (a title may hold apostrophes).
STREAM_TITLE = re.compile(r"StreamTitle='(.*?)';(?=\s*$|[A-Za-z]+=)", re.DOTALL)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class IcyTitleReader:
    """Reads a stream's now-playing title from its first ICY metadata block."""

    def __init__(
        self,
        timeout_seconds: float = TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout_seconds = timeout_seconds
        self._transport = transport

    async def read_title(self, stream_url: str) -> str | None:
        """The title, or None (no metadata, an error, too slow, too big)."""
        try:
            async with asyncio.timeout(self._timeout_seconds):
                block = await self._first_block(stream_url)
        except (TimeoutError, httpx.HTTPError, ValueError) as error:
            log.info("radio.title_unread", extra={"reason": type(error).__name__})
            return None
        return parse_stream_title(block) if block is not None else None

    async def _first_block(self, stream_url: str) -> bytes | None:
        async with (
            httpx.AsyncClient(
                timeout=self._timeout_seconds,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                transport=self._transport,
                headers={"Icy-MetaData": "1", "User-Agent": "tonearm"},
            ) as client,
            client.stream("GET", stream_url) as response,
        ):
            if response.status_code != 200:
                return None
            metaint = int(response.headers.get("icy-metaint", "0"))
            if not 0 < metaint <= MAX_METAINT_BYTES:
                return None
            buffer = bytearray()
            async for chunk in response.aiter_raw(CHUNK_BYTES):
                buffer += chunk
                if len(buffer) > metaint:
                    length = buffer[metaint] * 16
                    if len(buffer) >= metaint + 1 + length:
                        return bytes(buffer[metaint + 1 : metaint + 1 + length])
            return None


def decode_metadata(block: bytes) -> str:
    """A metadata block's text: UTF-8 if it is that, else Latin-1; trailing NULs dropped."""
    raw = block.rstrip(b"\x00")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_stream_title(block: bytes) -> str | None:
    """The `StreamTitle` of a metadata block, cleaned of control characters; None when
    absent or empty."""
    match = STREAM_TITLE.search(decode_metadata(block))
    if match is None:
        return None
    title = CONTROL.sub(" ", match.group(1)).strip()[:MAX_TITLE_LENGTH]
    return title or None


__all__ = ["IcyTitleReader", "decode_metadata", "parse_stream_title"]
