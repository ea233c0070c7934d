"""Accounts, roles and password checks."""

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

__all__ = [
    "InvalidUsername",
    "Role",
    "User",
    "UserNotFound",
    "UserRepository",
    "UserService",
    "UsernameTaken",
    "WeakPassword",
]
