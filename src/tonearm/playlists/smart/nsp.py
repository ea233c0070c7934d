"""Navidrome `.nsp` smart playlists, converted into tonearm's rules.

An `.nsp` file is JSON: `{"name", "comment", "all"|"any": [expr...], "sort", "order",
"limit"}`, an expression being `{"<operator>": {"<field>": value}}` or a nested
`{"all"|"any": [...]}`. Field and operator names are Navidrome's (model/criteria); a field
tonearm does not keep (file path, bit rate, MusicBrainz ids, ...) is refused by name rather
than silently dropped, since a dropped rule would widen the playlist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tonearm.playlists.smart.rules import (
    FIELDS,
    FieldType,
    InvalidRules,
    SmartRules,
    parse_rules,
)

MAX_NSP_BYTES = 256 * 1024

# Navidrome's field name (lower case) → tonearm's.
NSP_FIELDS = {
    "title": "title",
    "album": "album",
    "artist": "artist",
    "albumartist": "album_artist",
    "genre": "genre",
    "year": "year",
    "dateadded": "added",
    "playcount": "play_count",
    "lastplayed": "last_played",
    "loved": "liked",
    "rating": "rating",
    "duration": "duration",
    "bpm": "bpm",
}

# Every operator Navidrome's documentation lists.
NSP_OPERATORS = (
    "is",
    "isNot",
    "gt",
    "lt",
    "contains",
    "notContains",
    "startsWith",
    "endsWith",
    "inTheRange",
    "before",
    "after",
    "inTheLast",
    "notInTheLast",
    "inPlaylist",
    "notInPlaylist",
)

_TEXT_OPS = {
    "is": "is",
    "isNot": "is_not",
    "contains": "contains",
    "notContains": "not_contains",
    "startsWith": "starts_with",
    "endsWith": "ends_with",
}
_NUMBER_OPS = {"is": "eq", "isNot": "ne", "gt": "gt", "lt": "lt", "inTheRange": "between"}
_DATE_OPS = {
    "before": "before",
    "after": "after",
    "lt": "before",
    "gt": "after",
    "inTheRange": "between",
    "inTheLast": "in_last",
    "notInTheLast": "not_in_last",
}


@dataclass(frozen=True, slots=True)
class NspPlaylist:
    """A converted `.nsp` file: its name and comment (when it has them) and its rules."""

    name: str | None
    comment: str | None
    rules: SmartRules


def parse_nsp(text: str | bytes) -> NspPlaylist:
    """Convert an `.nsp` document; raises InvalidRules naming the unsupported part."""
    if len(text) > MAX_NSP_BYTES:
        raise InvalidRules("", f"an .nsp file is at most {MAX_NSP_BYTES} bytes")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRules("", f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidRules("", "an .nsp file is a JSON object")
    known = {"name", "comment", "all", "any", "sort", "order", "limit", "offset", "public"}
    for key in data:
        if key not in known:
            raise InvalidRules(str(key), f"unknown .nsp key {key!r}")
    converted: dict[str, Any] = _group(data, "")
    sort, order = _sort(data.get("sort"), data.get("order"))
    converted["sort"] = sort
    converted["order"] = order
    if data.get("limit") is not None:
        converted["limit"] = data["limit"]
    name = data.get("name")
    comment = data.get("comment")
    return NspPlaylist(
        name if isinstance(name, str) and name.strip() else None,
        comment if isinstance(comment, str) and comment.strip() else None,
        parse_rules(converted),
    )


def _group(data: dict[str, Any], path: str) -> dict[str, Any]:
    kinds = [key for key in ("all", "any") if key in data]
    if len(kinds) != 1:
        raise InvalidRules(path, "a group has exactly one of all or any")
    kind = kinds[0]
    items = data[kind]
    where = f"{path}.{kind}" if path else kind
    if not isinstance(items, list):
        raise InvalidRules(where, "must be a list")
    rules: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise InvalidRules(at, 'an expression is one {"operator": {"field": value}}')
        ((operator, body),) = item.items()
        if operator in ("all", "any"):
            rules.append(_group(item, at))
        else:
            rules.append(_expression(operator, body, at))
    return {"match": kind, "rules": rules}


def _expression(operator: str, body: Any, path: str) -> dict[str, Any]:
    if operator not in NSP_OPERATORS:
        raise InvalidRules(
            path, f"unknown operator {operator!r}; Navidrome's are " + ", ".join(NSP_OPERATORS)
        )
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidRules(f"{path}.{operator}", 'takes one {"field": value}')
    ((raw_field, value),) = body.items()
    if operator in ("inPlaylist", "notInPlaylist"):
        if raw_field != "id":
            raise InvalidRules(f"{path}.{operator}", 'takes {"id": "<playlist id>"}')
        return {"field": "playlist", "operator": _snake(operator), "value": value}
    field = NSP_FIELDS.get(str(raw_field).lower())
    if field is None:
        raise InvalidRules(
            f"{path}.{operator}.{raw_field}",
            f"field {raw_field!r} is not supported; supported: " + ", ".join(NSP_FIELDS),
        )
    kind = FIELDS[field].type
    table = {
        FieldType.TEXT: _TEXT_OPS,
        FieldType.NUMBER: _NUMBER_OPS,
        FieldType.DATE: _DATE_OPS,
        FieldType.BOOLEAN: {"is": "is", "isNot": "isNot"},
    }.get(kind, {})
    ours = table.get(operator)
    if ours is None:
        raise InvalidRules(
            f"{path}.{operator}", f"operator {operator!r} does not apply to {raw_field!r}"
        )
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidRules(f"{path}.{operator}.{raw_field}", "must be true or false")
        truth = value if ours == "is" else not value
        return {"field": field, "operator": "is_true" if truth else "is_false"}
    return {"field": field, "operator": ours, "value": value}


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _sort(sort: Any, order: Any) -> tuple[str, str]:
    """Navidrome sorts by a comma-separated list, each field optionally prefixed by + or -
    and the whole flipped by order=desc; tonearm sorts by one field: the first."""
    if sort is None:
        return "title", "desc" if order == "desc" else "asc"
    if not isinstance(sort, str) or not sort.strip():
        raise InvalidRules("sort", "must be a field name")
    first = sort.split(",")[0].strip()
    descending = first.startswith("-")
    name = first.lstrip("+-").lower()
    if name == "random":
        return "random", "asc"
    field = NSP_FIELDS.get(name)
    if field is None:
        raise InvalidRules(
            "sort", f"field {name!r} is not supported; supported: " + ", ".join(NSP_FIELDS)
        )
    if order == "desc":
        descending = not descending
    elif order not in (None, "asc"):
        raise InvalidRules("order", f"unknown order {order!r}; use asc or desc")
    return field, "desc" if descending else "asc"
