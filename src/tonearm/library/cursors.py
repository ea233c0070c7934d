"""Page cursors: a listing's sort key, signed and wrapped in an opaque URL-safe token.

The token is base64url(JSON payload + HMAC-SHA256 tag). The tag makes a cursor the server
did not hand out (edited, truncated, from another sort or another server key) fail with
InvalidCursor instead of quietly starting somewhere else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from tonearm.library.catalog import InvalidCursor, KeyValue, SortKey

# A truncated tag: 128 bits is plenty against guessing and keeps URLs short.
_TAG_BYTES = 16


class CursorCodec:
    """Turns (listing, sort, key) into a token and back; `secret` signs the tokens."""

    def __init__(self, secret: bytes) -> None:
        self._secret = hashlib.sha256(b"tonearm page cursor\0" + secret).digest()

    def encode(self, scope: str, key: SortKey) -> str:
        """A token for the page after `key` of the listing `scope` (e.g. `songs:-added`)."""
        payload = json.dumps([scope, [_encode_value(v) for v in key]], separators=(",", ":"))
        body = payload.encode()
        return base64.urlsafe_b64encode(body + self._tag(body)).rstrip(b"=").decode("ascii")

    def decode(self, scope: str, token: str) -> SortKey:
        """The key inside `token`; raises InvalidCursor unless this codec made it for `scope`."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("cursor: not a cursor from this listing") from None
        body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        # Only the canonical spelling: a changed character in the unused low bits of the
        # last one would otherwise decode to the same bytes and pass.
        canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        if (
            canonical != token
            or len(raw) <= _TAG_BYTES
            or not hmac.compare_digest(tag, self._tag(body))
        ):
            raise InvalidCursor("cursor: not a cursor from this listing")
        token_scope, values = json.loads(body)
        if token_scope != scope:
            raise InvalidCursor(f"cursor: made for {token_scope}, not {scope}; start over")
        return tuple(_decode_value(v) for v in values)

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_TAG_BYTES]


def _encode_value(value: KeyValue) -> Any:
    # JSON has no time or UUID: tag them so they come back as the same type.
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> KeyValue:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        return UUID(value["u"])
    if isinstance(value, str | int | float):
        return value
    raise InvalidCursor("cursor: not a cursor from this listing")
