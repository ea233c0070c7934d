"""Smart-playlist rules: a typed model, the fields and operators it knows, and validation.

Rules arrive as JSON (from the REST API, the web editor or a converted Navidrome `.nsp`
file) and are checked here once: an unknown field or operator is refused by name, with the
path of the bad rule (`rules[2].rules[0].operator`), and so are values of the wrong type or
out of bounds. What passes is a tree of frozen dataclasses the SQL adapter compiles.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tonearm.errors import InvalidInput

MAX_DEPTH = 4  # groups nested inside groups, the top one included
MAX_RULES = 50  # rules (not groups) in the whole tree
MAX_TEXT = 200
MAX_DAYS = 36_500
MAX_LIMIT = 10_000  # the playlists' own entry limit


class FieldType(enum.StrEnum):
    """What kind of value a field holds; it decides the operators and the value widget."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    PLAYLIST = "playlist"  # the value is one of the owner's playlists (by id)


class Operator(enum.StrEnum):
    """Every operator a rule may use; FIELD_OPERATORS says which fit which type."""

    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    GT = "gt"
    BETWEEN = "between"
    BEFORE = "before"
    AFTER = "after"
    IN_LAST = "in_last"  # days
    NOT_IN_LAST = "not_in_last"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"
    IS_SET = "is_set"
    IS_NOT_SET = "is_not_set"
    IN_PLAYLIST = "in_playlist"
    NOT_IN_PLAYLIST = "not_in_playlist"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field rules can test: its type, the bounds of its values, and whether it is the
    caller's own (play counts, likes, ratings) or needs audio analysis."""

    name: str
    type: FieldType
    label: str
    minimum: float | None = None
    maximum: float | None = None
    per_user: bool = False
    analysed: bool = False


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("title", FieldType.TEXT, "Title"),
        FieldSpec("artist", FieldType.TEXT, "Artist"),
        FieldSpec("album", FieldType.TEXT, "Album"),
        FieldSpec("album_artist", FieldType.TEXT, "Album artist"),
        FieldSpec("genre", FieldType.TEXT, "Genre"),
        FieldSpec("year", FieldType.NUMBER, "Year", 0, 9999),
        FieldSpec("duration", FieldType.NUMBER, "Duration (s)", 0, 86_400),
        FieldSpec("added", FieldType.DATE, "Date added"),
        FieldSpec("play_count", FieldType.NUMBER, "Play count", 0, 1_000_000_000, per_user=True),
        FieldSpec("last_played", FieldType.DATE, "Last played", per_user=True),
        FieldSpec("liked", FieldType.BOOLEAN, "Liked", per_user=True),
        FieldSpec("rating", FieldType.NUMBER, "Rating", 0, 5, per_user=True),
        FieldSpec("bpm", FieldType.NUMBER, "BPM", 0, 400, analysed=True),
        FieldSpec("key", FieldType.TEXT, "Key (Camelot)", analysed=True),
        FieldSpec("energy", FieldType.NUMBER, "Energy", 0, 1, analysed=True),
        FieldSpec("danceability", FieldType.NUMBER, "Danceability", 0, 1, analysed=True),
        FieldSpec("valence", FieldType.NUMBER, "Valence", 0, 1, analysed=True),
        FieldSpec("playlist", FieldType.PLAYLIST, "Playlist", per_user=True),
    )
}

_O = Operator
TYPE_OPERATORS: dict[FieldType, tuple[Operator, ...]] = {
    FieldType.TEXT: (
        _O.IS,
        _O.IS_NOT,
        _O.CONTAINS,
        _O.NOT_CONTAINS,
        _O.STARTS_WITH,
        _O.ENDS_WITH,
        _O.IS_SET,
        _O.IS_NOT_SET,
    ),
    FieldType.NUMBER: (_O.EQ, _O.NE, _O.LT, _O.GT, _O.BETWEEN, _O.IS_SET, _O.IS_NOT_SET),
    FieldType.DATE: (
        _O.BEFORE,
        _O.AFTER,
        _O.BETWEEN,
        _O.IN_LAST,
        _O.NOT_IN_LAST,
        _O.IS_SET,
        _O.IS_NOT_SET,
    ),
    FieldType.BOOLEAN: (_O.IS_TRUE, _O.IS_FALSE),
    FieldType.PLAYLIST: (_O.IN_PLAYLIST, _O.NOT_IN_PLAYLIST),
}
# A Camelot code names one key exactly: only equality makes sense.
_KEY_OPERATORS = (_O.IS, _O.IS_NOT, _O.IS_SET, _O.IS_NOT_SET)
_CAMELOT = re.compile(r"^(1[0-2]|[1-9])[AB]$")
NO_VALUE = (_O.IS_TRUE, _O.IS_FALSE, _O.IS_SET, _O.IS_NOT_SET)


def operators_for(field: FieldSpec) -> tuple[Operator, ...]:
    """The operators `field` accepts."""
    return _KEY_OPERATORS if field.name == "key" else TYPE_OPERATORS[field.type]


class Match(enum.StrEnum):
    """How a group combines its rules."""

    ALL = "all"
    ANY = "any"


class Order(enum.StrEnum):
    """Sort direction."""

    ASC = "asc"
    DESC = "desc"


RANDOM = "random"  # the sort "field" that shuffles

Value = str | float | date | tuple[float, float] | tuple[date, date] | None


@dataclass(frozen=True, slots=True)
class Rule:
    """One test: `field operator value` (value None for operators that take none; a pair
    for between; a date for before/after; a day count for in_last/not_in_last)."""

    field: str
    operator: Operator
    value: Value = None


@dataclass(frozen=True, slots=True)
class Group:
    """Rules and groups combined with all (AND) or any (OR)."""

    match: Match
    rules: tuple[Rule | Group, ...]


@dataclass(frozen=True, slots=True)
class SmartRules:
    """A whole smart playlist's definition: what matches, in which order, how many."""

    root: Group
    sort: str = "title"  # a field name or RANDOM
    order: Order = Order.ASC
    limit: int | None = None


class InvalidRules(InvalidInput):
    """Rules that cannot be evaluated; `path` locates the bad part (`rules[1].field`)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def parse_rules(data: Any) -> SmartRules:
    """Validate JSON rules: `{"match": "all"|"any", "rules": [...], "sort": field|"random",
    "order": "asc"|"desc", "limit": n}`, a rule being `{"field", "operator", "value"}` and a
    nested group `{"match", "rules"}`. Raises InvalidRules naming what is wrong and where."""
    if not isinstance(data, dict):
        raise InvalidRules("", "rules must be a JSON object")
    _no_extra(data, {"match", "rules", "sort", "order", "limit"}, "")
    counter = [0]
    root = _group(data, "", 1, counter)
    sort = data.get("sort", "title")
    if not isinstance(sort, str) or (sort != RANDOM and sort not in FIELDS):
        raise InvalidRules("sort", f"unknown field {sort!r}; known: {_known_fields()}, random")
    order = data.get("order", "asc")
    if order not in ("asc", "desc"):
        raise InvalidRules("order", f"unknown order {order!r}; use asc or desc")
    limit = data.get("limit")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT
    ):
        raise InvalidRules("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return SmartRules(root, sort, Order(order), limit)


def rules_to_json(rules: SmartRules) -> dict[str, Any]:
    """The JSON form parse_rules reads (how rules are stored and sent to the editor)."""
    out: dict[str, Any] = _group_json(rules.root)
    out["sort"] = rules.sort
    out["order"] = rules.order.value
    if rules.limit is not None:
        out["limit"] = rules.limit
    return out


def _group_json(group: Group) -> dict[str, Any]:
    return {
        "match": group.match.value,
        "rules": [
            _group_json(item) if isinstance(item, Group) else _rule_json(item)
            for item in group.rules
        ],
    }


def _rule_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"field": rule.field, "operator": rule.operator.value}
    value = rule.value
    if isinstance(value, tuple):
        out["value"] = [v.isoformat() if isinstance(v, date) else v for v in value]
    elif isinstance(value, date):
        out["value"] = value.isoformat()
    elif value is not None:
        out["value"] = value
    return out


def _known_fields() -> str:
    return ", ".join(FIELDS)


def _no_extra(data: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in data:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise InvalidRules(where, f"unknown key {key!r}; allowed: {', '.join(sorted(allowed))}")


def _group(data: dict[str, Any], path: str, depth: int, counter: list[int]) -> Group:
    if depth > MAX_DEPTH:
        raise InvalidRules(path, f"groups nested deeper than {MAX_DEPTH} levels")
    match = data.get("match", "all")
    if match not in ("all", "any"):
        raise InvalidRules(_join(path, "match"), f"unknown match {match!r}; use all or any")
    items = data.get("rules")
    if not isinstance(items, list):
        raise InvalidRules(_join(path, "rules"), "must be a list of rules")
    parsed: list[Rule | Group] = []
    for index, item in enumerate(items):
        where = _join(path, f"rules[{index}]")
        if not isinstance(item, dict):
            raise InvalidRules(where, "must be an object (a rule or a group)")
        if "rules" in item:
            _no_extra(item, {"match", "rules"}, where)
            parsed.append(_group(item, where, depth + 1, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_RULES:
                raise InvalidRules(where, f"more than {MAX_RULES} rules")
            parsed.append(_rule(item, where))
    return Group(Match(match), tuple(parsed))


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _rule(data: dict[str, Any], path: str) -> Rule:
    _no_extra(data, {"field", "operator", "value"}, path)
    name = data.get("field")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidRules(
            _join(path, "field"), f"unknown field {name!r}; known: {_known_fields()}"
        )
    allowed = operators_for(spec)
    raw_op = data.get("operator")
    operator = next((op for op in allowed if op.value == raw_op), None)
    if operator is None:
        raise InvalidRules(
            _join(path, "operator"),
            f"unknown operator {raw_op!r} for {spec.name}; use one of "
            + ", ".join(op.value for op in allowed),
        )
    where = _join(path, "value")
    value = data.get("value")
    return Rule(spec.name, operator, _value(spec, operator, value, where))


def _value(spec: FieldSpec, operator: Operator, value: Any, path: str) -> Value:
    if operator in NO_VALUE:
        return None
    if operator in (_O.IN_LAST, _O.NOT_IN_LAST):
        return float(_number(value, path, 1, MAX_DAYS, whole=True))
    if spec.type is FieldType.PLAYLIST:
        try:
            return str(UUID(str(value)))
        except ValueError:
            raise InvalidRules(path, f"{value!r} is no playlist id") from None
    if spec.type is FieldType.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise InvalidRules(path, "must be non-empty text")
        if len(value) > MAX_TEXT:
            raise InvalidRules(path, f"at most {MAX_TEXT} characters")
        if spec.name == "key":
            code = value.strip().upper()
            if not _CAMELOT.match(code):
                raise InvalidRules(path, f"{value!r} is no Camelot key (1A–12B)")
            return code
        return value.strip()
    if spec.type is FieldType.DATE:
        if operator is _O.BETWEEN:
            low, high = _pair(value, path)
            return (_date(low, path), _date(high, path))
        return _date(value, path)
    if operator is _O.BETWEEN:
        low, high = _pair(value, path)
        return (
            _number(low, path, spec.minimum, spec.maximum),
            _number(high, path, spec.minimum, spec.maximum),
        )
    return _number(value, path, spec.minimum, spec.maximum)


def _pair(value: Any, path: str) -> tuple[Any, Any]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidRules(path, "between takes two values: [from, to]")
    return value[0], value[1]


def _number(
    value: Any, path: str, minimum: float | None, maximum: float | None, whole: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRules(path, f"{value!r} is not a number")
    if whole and value != int(value):
        raise InvalidRules(path, f"{value!r} is not a whole number")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidRules(path, f"{value!r} is outside {minimum}–{maximum}")
    return float(value)


def _date(value: Any, path: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InvalidRules(path, f"{value!r} is not a date (YYYY-MM-DD)")
