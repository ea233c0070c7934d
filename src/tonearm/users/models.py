"""Accounts: who may listen, and who may manage the library."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tonearm.errors import AlreadyExists, InvalidInput, NotFound

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class Role(enum.StrEnum):
    """What an account may do: admins manage users and the library."""

    ADMIN = "admin"
    USER = "user"


@dataclass(frozen=True, slots=True)
class User:
    """An account, without its secrets."""

    id: UUID
    username: str
    role: Role
    active: bool
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        """True for accounts that manage users and the library."""
        return self.role is Role.ADMIN


class UserNotFound(NotFound):
    """No account has this name or id."""

    def __init__(self, who: str) -> None:
        super().__init__(f"no user {who!r}")


class UsernameTaken(AlreadyExists):
    """Another account already has this name."""

    def __init__(self, username: str) -> None:
        super().__init__(f"username {username!r} is taken")


class InvalidUsername(InvalidInput):
    """A username outside the allowed form."""


class WeakPassword(InvalidInput):
    """A password too short or too long."""


def normalize_username(raw: str) -> str:
    """Lower-cased, trimmed username; raises InvalidUsername if it is not 1–64 of [a-z0-9._-]."""
    username = raw.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidUsername(
            f"username {raw!r}: use 1–64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return username


def check_password_strength(password: str) -> None:
    """Raise WeakPassword unless the password has 8–1024 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"password must have at most {MAX_PASSWORD_LENGTH} characters")
