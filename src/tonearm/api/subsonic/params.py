"""Subsonic request parameters: query string and form body together, repeatable names.

Every value a handler reads is checked here, so a hostile one is refused with code 10 and a
message naming the parameter, never passed on to the database: text may not hold control
characters or be longer than MAX_VALUE_CHARS, numbers must lie within their range (by default
0..2147483647, what the database and the Subsonic XSD's `int` hold) and be finite.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable

from tonearm.api.subsonic.errors import MissingParameter
from tonearm.errors import InvalidInput, NotFound
from tonearm.plaintext import check_plain_text, strip_forbidden_characters

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

INT32_MAX = 2**31 - 1
# Milliseconds since 1970 up to the end of year 9999 (ifModifiedSince, expires, time).
MAX_EPOCH_MS = 253_402_300_799_999
# Longer than any name, comment or id list entry a Subsonic app sends.
MAX_VALUE_CHARS = 10_000
MAX_CLIENT_NAME_CHARS = 200


def _shown(raw: str) -> str:
    # An echoed value stays short: a hostile one may be 50,000 characters.
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


class Params:
    """The parameters of one call; accessors raise MissingParameter or InvalidInput (both
    code 10) with the parameter's name."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of `name`, or `default`; raises InvalidInput when it holds a
        control character or is over `MAX_VALUE_CHARS`."""
        values = self._values.get(name)
        return _checked(name, values[0]) if values else default

    def get_text(self, name: str, *, max_length: int) -> str | None:
        """A text parameter of at most `max_length` characters; raises InvalidInput."""
        raw = self.get_unchecked(name)
        if raw is not None and len(raw) > max_length:
            raise InvalidInput(
                f"{name} is too long: at most {max_length} characters, got {len(raw)}"
            )
        return self.get(name)

    def get_unchecked(self, name: str) -> str | None:
        """The first value of `name` as sent (for answering an error about the others)."""
        values = self._values.get(name)
        return values[0] if values else None

    def client_name(self) -> str:
        """The calling app's name (`c`), made safe to store and show: control characters
        dropped, cut at MAX_CLIENT_NAME_CHARS; `unknown` when none is sent. Cleaned rather
        than refused, as apps send it with every call."""
        raw = self.get_unchecked("c") or ""
        name = strip_forbidden_characters(raw)[:MAX_CLIENT_NAME_CHARS].strip()
        return name or "unknown"

    def require(self, name: str) -> str:
        """The first value of `name`; raises MissingParameter."""
        value = self.get(name)
        if value is None:
            raise MissingParameter(name)
        return value

    def get_list(self, name: str) -> list[str]:
        """Every value of a repeatable parameter, in order (empty when absent)."""
        return [_checked(name, value) for value in self._values.get(name, ())]

    def get_int(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        lowest: int = 0,
        highest: int = INT32_MAX,
    ) -> int | None:
        """An integer parameter in [lowest, highest], then clamped to [minimum, maximum];
        raises InvalidInput naming the allowed range."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not lowest <= value <= highest:
            raise InvalidInput(
                f"{name} must be an integer between {lowest} and {highest}, got {_shown(raw)}"
            )
        if minimum is not None:
            value = max(minimum, value)
        if maximum is not None:
            value = min(maximum, value)
        return value

    def require_int(
        self, name: str, *, minimum: int | None = None, lowest: int = 0, highest: int = INT32_MAX
    ) -> int:
        """A required integer parameter; raises MissingParameter or InvalidInput."""
        value = self.get_int(name, minimum=minimum, lowest=lowest, highest=highest)
        if value is None:
            raise MissingParameter(name)
        return value

    def get_float(
        self, name: str, default: float | None = None, *, lowest: float, highest: float
    ) -> float | None:
        """A finite number in [lowest, highest]; raises InvalidInput naming the range."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not lowest <= value <= highest:  # NaN compares false: refused too
            raise InvalidInput(
                f"{name} must be a number between {lowest:g} and {highest:g}, got {_shown(raw)}"
            )
        return value

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (true/false, 1/0); raises InvalidInput."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidInput(f"parameter {name} must be true or false, got {_shown(raw)}")

    def get_id(self, name: str) -> uuid.UUID:
        """A required id parameter naming one of tonearm's items; an id that is not one of
        ours cannot exist, so it is NotFound (code 70), like an unknown one."""
        return parse_id(self.require(name), name)

    def get_ids(self, name: str) -> list[uuid.UUID]:
        """Every value of a repeatable id parameter."""
        return [parse_id(raw, name) for raw in self.get_list(name)]


def _checked(name: str, value: str) -> str:
    if len(value) > MAX_VALUE_CHARS:
        raise InvalidInput(f"{name} is too long: at most {MAX_VALUE_CHARS} characters")
    return check_plain_text(value, name)


def parse_id(raw: str, name: str = "id") -> uuid.UUID:
    """An item id; raises NotFound for anything that is not one."""
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise NotFound(f"{name} {_shown(raw)} not found") from None


__all__ = ["INT32_MAX", "MAX_EPOCH_MS", "MAX_VALUE_CHARS", "Params", "parse_id"]
