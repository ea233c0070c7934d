"""Subsonic request parameters: query string and form body together, repeatable names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tonearm.api.subsonic.errors import MissingParameter
from tonearm.errors import InvalidInput, NotFound

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class Params:
    """The parameters of one call; accessors raise MissingParameter (code 10) or
    InvalidInput (code 0) with the parameter's name."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of `name`, or `default`."""
        values = self._values.get(name)
        return values[0] if values else default

    def require(self, name: str) -> str:
        """The first value of `name`; raises MissingParameter."""
        value = self.get(name)
        if value is None:
            raise MissingParameter(name)
        return value

    def get_list(self, name: str) -> list[str]:
        """Every value of a repeatable parameter, in order (empty when absent)."""
        return list(self._values.get(name, ()))

    def get_int(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        """An integer parameter, clamped to [minimum, maximum]; raises InvalidInput."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(f"parameter {name} must be an integer, got {raw!r}") from None
        if minimum is not None:
            value = max(minimum, value)
        if maximum is not None:
            value = min(maximum, value)
        return value

    def require_int(self, name: str, *, minimum: int | None = None) -> int:
        """A required integer parameter; raises MissingParameter or InvalidInput."""
        value = self.get_int(name, minimum=minimum)
        if value is None:
            raise MissingParameter(name)
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
        raise InvalidInput(f"parameter {name} must be true or false, got {raw!r}")

    def get_id(self, name: str) -> uuid.UUID:
        """A required id parameter naming one of tonearm's items; an id that is not one of
        ours cannot exist, so it is NotFound (code 70), like an unknown one."""
        return parse_id(self.require(name), name)

    def get_ids(self, name: str) -> list[uuid.UUID]:
        """Every value of a repeatable id parameter."""
        return [parse_id(raw, name) for raw in self.get_list(name)]


def parse_id(raw: str, name: str = "id") -> uuid.UUID:
    """An item id; raises NotFound for anything that is not one."""
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise NotFound(f"{name} {raw!r} not found") from None


__all__ = ["Params", "parse_id"]
