"""Domain errors to Subsonic error codes: Subsonic answers HTTP 200 with status="failed".

One table, walked along each error's class hierarchy, so a new subclass of a known kind
needs no entry. Anything unmapped is a bug: code 0 with a generic message, traceback logged.

A bad parameter value (InvalidInput: out of range, not a number, control characters, too
long) answers code 10 like a missing one: the OpenSubsonic specification asks for 10 where it
names a case (savePlayQueueByIndex's currentIndex out of range), and apps read 0 as a server
fault. The message names the parameter and what it accepts.
"""

from __future__ import annotations

from tonearm.errors import (
    BadCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TonearmError,
    TooLarge,
    Unavailable,
)
from tonearm.users.subsonic import (
    ConflictingCredentials,
    InvalidApiKey,
    MechanismNotSupported,
    MissingCredentials,
)

GENERIC = 0
MISSING_PARAMETER = 10
CLIENT_MUST_UPGRADE = 20
SERVER_MUST_UPGRADE = 30
WRONG_CREDENTIALS = 40
TOKEN_AUTH_NOT_SUPPORTED = 41
MECHANISM_NOT_SUPPORTED = 42
CONFLICTING_MECHANISMS = 43
INVALID_API_KEY = 44
NOT_AUTHORIZED = 50
NOT_FOUND = 70


class SubsonicError(TonearmError):
    """An answer with a Subsonic code that no domain error names (version mismatch, a
    missing parameter, an unknown method)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class MissingParameter(SubsonicError):
    """A required parameter was not sent."""

    def __init__(self, name: str) -> None:
        super().__init__(MISSING_PARAMETER, f"required parameter is missing: {name}")


SUBSONIC_CODE: dict[type[TonearmError], int] = {
    MissingCredentials: MISSING_PARAMETER,
    ConflictingCredentials: CONFLICTING_MECHANISMS,
    MechanismNotSupported: MECHANISM_NOT_SUPPORTED,
    InvalidApiKey: INVALID_API_KEY,
    BadCredentials: WRONG_CREDENTIALS,
    PermissionDenied: NOT_AUTHORIZED,
    NotFound: NOT_FOUND,
    InvalidInput: MISSING_PARAMETER,
    TooLarge: GENERIC,
    RateLimited: GENERIC,
    Unavailable: GENERIC,
}


def subsonic_code(error: TonearmError) -> int:
    """The Subsonic code for a tonearm error (0 when nothing more specific applies)."""
    if isinstance(error, SubsonicError):
        return error.code
    for kind in type(error).__mro__:
        if kind in SUBSONIC_CODE:
            return SUBSONIC_CODE[kind]
    return GENERIC


__all__ = ["MissingParameter", "SubsonicError", "subsonic_code"]
