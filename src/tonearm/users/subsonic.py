"""Subsonic sign-in: password (`p=`), token (`t=` + `s=`) and API key (`apiKey=`).

Subsonic apps send credentials with every request. A token is `md5(password + salt)`, which
can only be checked against the password itself, so tonearm keeps a copy of each password
encrypted with a key derived from the server's secret (never the plain password). The copy is
made whenever tonearm sees the password: account creation, a password change, any sign-in.
`TONEARM_SUBSONIC_PASSWORD_AUTH=false` turns password and token sign-in off, forgets every
copy, and leaves API keys as the only way in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken

from tonearm.adapters.cache.base import Cache
from tonearm.errors import BadCredentials, InvalidInput
from tonearm.users.api_keys import ApiKeyService
from tonearm.users.models import User
from tonearm.users.service import UserService

# A right password is remembered this long, so an app sending `p=` with every request
# pays for one argon2 check, not one per request.
PASSWORD_CHECK_CACHE_SECONDS = 600
# An account read for a sign-in (user, password hash, the password copy for tokens) is used
# again for this long: most Subsonic calls then send no statement to sign in. A change made
# through this process's UserService (password, disable, delete) ends it at once; one made
# by another process (`tonearm user ...`, a second worker) takes effect within this time.
ACCOUNT_CACHE_SECONDS = 5.0
ACCOUNT_CACHE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class _Account:
    """What a sign-in read about one username, and until when it may be used."""

    expires: float
    generation: int  # UserService.generation before it was read
    user: User
    password_hash: str
    password: str | None = None  # the copy for token checks, once read
    password_read: bool = False


class MechanismNotSupported(InvalidInput):
    """The credentials use a sign-in method this server has turned off (OpenSubsonic 42)."""


class ConflictingCredentials(InvalidInput):
    """More than one sign-in method in one request (OpenSubsonic 43)."""


class MissingCredentials(InvalidInput):
    """No credentials at all (Subsonic 10: a required parameter is missing)."""


class InvalidApiKey(BadCredentials):
    """An `apiKey` that is unknown, revoked or whose user is disabled (OpenSubsonic 44)."""


class SubsonicSecretRepository(Protocol):
    """Encrypted password copies, one per user. Implemented in adapters/db/subsonic_auth.py."""

    async def get(self, user_id: uuid.UUID) -> str | None: ...

    async def put(self, user_id: uuid.UUID, encrypted: str, now: datetime) -> None: ...

    async def delete_all(self) -> int: ...


class PasswordVault:
    """Encrypts and decrypts password copies with a key derived from the server secret."""

    def __init__(self, secret_key: bytes) -> None:
        derived = hmac.new(secret_key, b"tonearm subsonic password copy v1", "sha256").digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, password: str) -> str:
        """The encrypted copy, as text."""
        return self._fernet.encrypt(password.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The password, or None when the copy was made under another server secret."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


class PasswordCopies:
    """Keeps each user's encrypted password copy current (when password auth is on)."""

    def __init__(
        self,
        secrets: SubsonicSecretRepository,
        secret_key: bytes,
        *,
        enabled: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._secrets = secrets
        self.vault = PasswordVault(secret_key)
        self.enabled = enabled
        self._clock = clock

    async def remember(self, user: User, password: str) -> None:
        """Keep (or refresh) the copy of a password tonearm has just seen."""
        if not self.enabled:
            return
        current = await self._secrets.get(user.id)
        if current is not None and self.vault.open(current) == password:
            return
        await self._secrets.put(user.id, self.vault.seal(password), self._clock())

    async def password_of(self, user: User) -> str | None:
        """The user's password from the copy, or None (no copy, or another server key)."""
        sealed = await self._secrets.get(user.id)
        return self.vault.open(sealed) if sealed is not None else None

    async def forget_all(self) -> int:
        """Drop every copy (password auth turned off); returns how many."""
        return await self._secrets.delete_all()


@dataclass(frozen=True, slots=True)
class SubsonicCredentials:
    """What one request carried: username with password or token+salt, or an API key."""

    username: str | None = None
    password: str | None = None
    token: str | None = None
    salt: str | None = None
    api_key: str | None = None
    client_ip: str = "unknown"


def decode_password(raw: str) -> str:
    """A `p=` value as the password: `enc:` followed by hex is decoded (Subsonic's
    obfuscation, not encryption); raises BadCredentials on bad hex."""
    if not raw.startswith("enc:"):
        return raw
    try:
        return bytes.fromhex(raw[4:]).decode("utf-8")
    except ValueError:
        raise BadCredentials("p=enc: must be followed by hex-encoded UTF-8") from None


class SubsonicAuth:
    """Turns a request's credentials into the signed-in user."""

    def __init__(
        self,
        users: UserService,
        password_check: Callable[[str, str, str], Awaitable[User]],
        copies: PasswordCopies,
        api_keys: ApiKeyService,
        cache: Cache,
        secret_key: bytes,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = users
        self.monotonic = monotonic  # seconds; tests move it
        self._accounts: dict[str, _Account] = {}
        self._password_check = password_check
        self._copies = copies
        self._api_keys = api_keys
        self._cache = cache
        self._cache_pepper = hmac.new(secret_key, b"subsonic password cache", "sha256").digest()

    @property
    def password_auth(self) -> bool:
        """Whether password and token sign-in are on."""
        return self._copies.enabled

    async def authenticate(self, credentials: SubsonicCredentials) -> User:
        """The active user these credentials name.

        Raises MissingCredentials, ConflictingCredentials, MechanismNotSupported,
        InvalidApiKey or BadCredentials (the same for unknown users and wrong secrets).
        """
        if credentials.api_key is not None:
            if credentials.username or credentials.password or credentials.token:
                raise ConflictingCredentials("send either apiKey or u with p or t+s, not both")
            user = await self._api_keys.user_for_key(credentials.api_key)
            if user is None:
                raise InvalidApiKey("invalid API key")
            return user
        if not credentials.username:
            raise MissingCredentials("required parameter is missing: u (or apiKey)")
        if credentials.password is not None and credentials.token is not None:
            raise ConflictingCredentials("send either p or t+s, not both")
        if credentials.password is None and credentials.token is None:
            raise MissingCredentials("required parameter is missing: p or t+s")
        if not self.password_auth:
            raise MechanismNotSupported(
                "password and token sign-in are turned off on this server; use an API key"
            )
        if credentials.token is not None:
            if not credentials.salt:
                raise MissingCredentials("required parameter is missing: s (the token's salt)")
            return await self._check_token(
                credentials.username, credentials.token, credentials.salt
            )
        assert credentials.password is not None
        return await self._check_password(
            credentials.username, decode_password(credentials.password), credentials.client_ip
        )

    async def _account(self, username: str) -> _Account | None:
        """The account named `username`, from the account cache when recent enough."""
        generation, now = self._users.generation, self.monotonic()
        account = self._accounts.get(username)
        if account is not None and account.generation == generation and account.expires > now:
            return account
        found = await self._users.find_with_hash(username)
        if found is None:
            self._accounts.pop(username, None)
            return None
        if len(self._accounts) >= ACCOUNT_CACHE_SIZE:
            self._accounts.clear()
        account = _Account(now + ACCOUNT_CACHE_SECONDS, generation, found[0], found[1])
        self._accounts[username] = account
        return account

    async def _check_password(self, username: str, password: str, client_ip: str) -> User:
        # The cache key covers the stored hash, so a password change or reset ends it.
        account = await self._account(username)
        if account is not None and account.user.active:
            cached = await self._cache.get(
                self._password_cache_key(account.password_hash, password)
            )
            if cached is not None:
                return account.user
        # The check tells PasswordCopies.remember (wired in app.py) about the right password.
        user = await self._password_check(username, password, client_ip)
        self._accounts.pop(username, None)  # the check may have rehashed the password
        account = await self._account(username)
        if account is not None:
            await self._cache.set(
                self._password_cache_key(account.password_hash, password),
                b"1",
                ttl_seconds=PASSWORD_CHECK_CACHE_SECONDS,
            )
        return user

    def _password_cache_key(self, password_hash: str, password: str) -> str:
        digest = hmac.new(
            self._cache_pepper, f"{password_hash}\0{password}".encode(), hashlib.sha256
        ).hexdigest()
        return f"subsonic:auth:{digest}"

    async def _check_token(self, username: str, token: str, salt: str) -> User:
        account = await self._account(username)
        user = account.user if account is not None and account.user.active else None
        password = None
        if account is not None and user is not None:
            if account.password_read:
                password = account.password
            else:
                password = await self._copies.password_of(user)
                if self._accounts.get(username) is account:
                    self._accounts[username] = replace(
                        account, password=password, password_read=True
                    )
        if user is None or password is None:
            raise BadCredentials("wrong username or password")
        expected = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
        if not hmac.compare_digest(expected, token.strip().lower()):
            raise BadCredentials("wrong username or password")
        return user


__all__ = [
    "ConflictingCredentials",
    "InvalidApiKey",
    "MechanismNotSupported",
    "MissingCredentials",
    "PasswordCopies",
    "PasswordVault",
    "SubsonicAuth",
    "SubsonicCredentials",
    "SubsonicSecretRepository",
    "decode_password",
]
