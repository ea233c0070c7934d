"""The error kinds every domain raises; each API maps them in one place.

TonearmError
 ├── InvalidInput          bad value from a user or a file (400)
 │    └── ConfigError      a setting is wrong (one line at start-up)
 ├── BadCredentials        wrong password or token (401)
 ├── PermissionDenied      authenticated but not allowed (403)
 ├── NotFound              no such thing (404)
 ├── AlreadyExists         would duplicate something unique (409)
 ├── TooLarge              over a size limit (413)
 ├── RateLimited           too many attempts; retry after a while (429)
 └── Unavailable           a backing service cannot be reached (503)
"""

from __future__ import annotations


class TonearmError(Exception):
    """Base of every error tonearm raises on purpose; the message is meant for people."""


class InvalidInput(TonearmError):
    """A value given to tonearm is not acceptable."""


class ConfigError(InvalidInput):
    """A setting is wrong or points at something unreachable.

    The message is a single line that starts with the setting's environment name,
    e.g. ``TONEARM_CACHE_URL: cannot reach redis://127.0.0.1:6390 (connection refused)``.
    """

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


class BadCredentials(TonearmError):
    """A password, token or signature did not check out."""


class PermissionDenied(TonearmError):
    """The caller is known but may not do this."""


class NotFound(TonearmError):
    """The thing asked for does not exist."""


class AlreadyExists(TonearmError):
    """Creating this would break a uniqueness rule."""


class TooLarge(TonearmError):
    """The input is over a configured size limit."""


class RateLimited(TonearmError):
    """Too many requests or attempts; `retry_after_seconds` says when to try again."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(TonearmError):
    """A backing service (database, storage, cache, queue) cannot be used right now."""


__all__ = [
    "AlreadyExists",
    "BadCredentials",
    "ConfigError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "TonearmError",
    "TooLarge",
    "Unavailable",
]
