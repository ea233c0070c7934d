"""Accounts, roles and password checks."""

from tonearm.users.auth import AuthService
from tonearm.users.models import (
    InvalidUsername,
    Role,
    User,
    UsernameTaken,
    UserNotFound,
    WeakPassword,
)
from tonearm.users.repository import UserRepository
from tonearm.users.service import UserService
from tonearm.users.tokens import AccessTokens, RefreshTokenRepository, TokenPair

__all__ = [
    "AccessTokens",
    "AuthService",
    "InvalidUsername",
    "RefreshTokenRepository",
    "Role",
    "TokenPair",
    "User",
    "UserNotFound",
    "UserRepository",
    "UserService",
    "UsernameTaken",
    "WeakPassword",
]
