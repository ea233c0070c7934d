"""Users' tokens and session keys, encrypted at rest with a key derived from the server
secret: a copy of the database alone does not let anyone scrobble as them."""

from __future__ import annotations

import base64
import hmac

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Seals and opens connection secrets."""

    def __init__(self, secret_key: bytes) -> None:
        derived = hmac.new(secret_key, b"tonearm scrobbling secret v1", "sha256").digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        """The encrypted secret, as text."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it was sealed under another server secret."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None
