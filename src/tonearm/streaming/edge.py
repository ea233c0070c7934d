"""Edge-verified media URLs (TONEARM_MEDIA_DELIVERY=edge): the edge checks them itself.

nginx's `secure_link` module validates such a URL on its own, so no Python runs while the
bytes are sent: not for the check, not for the bytes. The URL names the file directly

    <edge_prefix>store/<storage key>?u=<user id>&q=<kind>&expires=<unix s>&md5=<sig>
    <edge_prefix>music/<folder id>/<path in the folder>?u=…&q=…&expires=…&md5=…

(the path percent-encoded from the file's exact bytes, as accel's), and

    sig = base64url(MD5("<expires> <decoded path> <user id> <kind> <edge secret>")), no '='

which is what `secure_link_md5 "$secure_link_expires $uri $arg_u $arg_q <secret>"` computes
(docs/nginx-edge.conf.example). MD5 is all that module offers; the secret comes last, and
the fields are separated so that none can be shifted into another (the expiry is digits,
the user id and the kind contain no space, so the path between them is fixed). Changing
the path, the user, the quality or the expiry breaks the signature; nginx answers 403 for
a wrong or missing signature and 410 once the URL has expired.

The trade-off against `accel`: nothing is asked of tonearm per request, so a revocation (a
disabled account, a rendition dropped by tiering) takes effect only when URLs signed before
it expire (TONEARM_STREAM_URL_MINUTES). Tiering therefore keeps a dropped rendition's bytes
for one URL lifetime. Public share URLs keep going through /api/media, where deleting a
share stops them at once.
"""

from __future__ import annotations

import base64
import hashlib
import math
from datetime import datetime
from typing import Protocol
from urllib.parse import quote, urlencode
from uuid import UUID

from tonearm.streaming.models import MediaSource


class LocatedFolder(Protocol):
    """A music folder, by its stable id."""

    @property
    def id(self) -> int:
        """The folder's id (never changes, never reused)."""
        ...


class FolderLocator(Protocol):
    """Finds the music folder holding an in-place original (the library's folder service)."""

    async def locate(self, path: str) -> tuple[LocatedFolder, bytes] | None:
        """The folder holding `path` and the exact bytes of the path inside it; None if
        it lies outside every folder."""
        ...


def edge_signature(secret: bytes, expires: int, uri: bytes, user_id: UUID, kind: str) -> str:
    """The `md5` argument nginx's secure_link expects for these fields."""
    message = b"%d %s %s %s %s" % (expires, uri, str(user_id).encode(), kind.encode(), secret)
    digest = hashlib.md5(message, usedforsecurity=True).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class EdgeLinks:
    """Signs URLs for the edge; None for objects it cannot serve (the caller falls back)."""

    def __init__(
        self,
        secret: str,
        prefix: str,
        folders: FolderLocator,
        *,
        local_store: bool,
    ) -> None:
        self._secret = secret.encode()
        self._prefix = "/" + prefix.strip("/") + "/"
        self._folders = folders
        self._local_store = local_store

    async def path(self, source: MediaSource, user_id: UUID, expires_at: datetime) -> str | None:
        """The signed path (with its query) of `source` for `user_id` until `expires_at`;
        None for an object in a bucket or an original outside every music folder."""
        if source.storage_key is not None:
            if not self._local_store:
                return None
            raw = f"{self._prefix}store/{source.storage_key}".encode()
        else:
            assert source.path is not None
            found = await self._folders.locate(source.path)
            if found is None:
                return None
            folder, relative = found
            raw = f"{self._prefix}music/{folder.id}/".encode() + relative
        return self.sign(raw, user_id, source.kind, math.floor(expires_at.timestamp()))

    def sign(self, raw_path: bytes, user_id: UUID, kind: str, expires: int) -> str:
        """`raw_path` (its exact bytes, as nginx's $uri holds them) percent-encoded, with
        the signed query."""
        query = urlencode(
            {
                "u": str(user_id),
                "q": kind,
                "expires": str(expires),
                "md5": edge_signature(self._secret, expires, raw_path, user_id, kind),
            }
        )
        return f"{quote(raw_path)}?{query}"


__all__ = ["EdgeLinks", "FolderLocator", "edge_signature"]
