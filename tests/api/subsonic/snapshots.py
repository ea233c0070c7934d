"""Pin Subsonic responses to files under `tests/api/subsonic/snapshots/`.

    assert_matches_snapshot("getAlbum.json", normalize(format_json(response.json())))
    assert_matches_snapshot("getAlbum.xml", normalize(format_xml(response.content)))

`assert_matches_snapshot` compares the text with `snapshots/<name>`. With the environment variable
TONEARM_UPDATE_SNAPSHOTS=1 it writes the file instead (new or changed) and passes: read the diff
before committing it. Without the variable a missing snapshot is a failure, as is any difference.

`normalize` replaces what differs between runs and databases and nothing else: UUIDs (numbered in
order of first appearance, so a repeated id stays recognisable), ISO 8601 date-times,
`serverVersion` and `lastModified` (getIndexes' epoch milliseconds). Durations, sizes and counts
stay: the test library is generated with fixed lengths, and seconds-versus-milliseconds is exactly
the kind of mistake a snapshot should show. Pass `replacements` for other volatile values (share
tokens, API keys).
"""

from __future__ import annotations

import base64
import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

UPDATE_VARIABLE = "TONEARM_UPDATE_SNAPSHOTS"
SNAPSHOT_DIR = Path(__file__).parent / "snapshots"

_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_DATETIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# XML `serverVersion="…"` and JSON `"serverVersion": "…"`.
_SERVER_VERSION = re.compile(r'(serverVersion(?:="|"\s*:\s*"))[^"]*')
_LAST_MODIFIED = re.compile(r'(lastModified(?:="|"\s*:\s*))\d+')
# A directory id: "d" + URL-safe base64 of a folder path (api/subsonic/ids.py).
_FOLDER_ID = re.compile(r'(?<=")d([A-Za-z0-9_-]{8,})(?=")')


def _readable_folder_id(match: re.Match[str]) -> str:
    """A directory id whose path holds a UUID (imported/<artist>/<album>) as
    `{folder:<path>}`, so the UUIDs in it are numbered like any other; others unchanged."""
    body = match.group(1)
    try:
        path = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return match.group(0)
    return f"{{folder:{path}}}" if _UUID.search(path) else match.group(0)


def normalize(text: str, replacements: Iterable[tuple[str | re.Pattern[str], str]] = ()) -> str:
    """`text` with run-specific values replaced by stable placeholders.

    Directory ids that encode UUIDs are decoded (`{folder:imported/{uuid-1}/{uuid-2}}`),
    UUIDs become `{uuid-1}`, `{uuid-2}`, … by first appearance (case-insensitive), date-times
    `{datetime}`, the server version `{server-version}`, getIndexes' lastModified `{epoch-ms}`.
    Each `(pattern, replacement)` in `replacements` is applied afterwards with `re.sub`.
    """
    numbers: dict[str, int] = {}

    def number_uuid(match: re.Match[str]) -> str:
        key = match.group(0).lower()
        numbers.setdefault(key, len(numbers) + 1)
        return f"{{uuid-{numbers[key]}}}"

    text = _FOLDER_ID.sub(_readable_folder_id, text)
    text = _UUID.sub(number_uuid, text)
    text = _DATETIME.sub("{datetime}", text)
    text = _SERVER_VERSION.sub(r"\1{server-version}", text)
    text = _LAST_MODIFIED.sub(r"\1{epoch-ms}", text)
    for pattern, replacement in replacements:
        text = re.sub(pattern, replacement, text)
    return text


def format_xml(body: bytes) -> str:
    """An XML response re-indented, one element per line, attributes in the server's order."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return str(
        etree.tostring(etree.fromstring(body, parser), encoding="unicode", pretty_print=True)
    )


def format_json(doc: Mapping[str, Any]) -> str:
    """A JSON response with sorted keys and two-space indents (key order means nothing in JSON)."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def assert_matches_snapshot(name: str, text: str, *, directory: Path = SNAPSHOT_DIR) -> None:
    """Compare `text` with the snapshot file `name` (a relative path such as `browsing/getAlbum.xml`).

    With TONEARM_UPDATE_SNAPSHOTS=1, writes the file when it is missing or differs, and passes.
    Otherwise raises AssertionError when the file is missing or differs (with a unified diff).
    The stored text always ends with one newline. Raises ValueError for a name outside `directory`.
    """
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"snapshot name must be a relative path inside {directory}: {name!r}")
    path = directory.joinpath(*relative.parts)
    wanted = text if text.endswith("\n") else text + "\n"
    stored = path.read_text(encoding="utf-8") if path.is_file() else None
    if os.environ.get(UPDATE_VARIABLE) == "1":
        if stored != wanted:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted, encoding="utf-8", newline="\n")
        return
    if stored is None:
        raise AssertionError(
            f"no snapshot {name!r} in {directory}: run the test with {UPDATE_VARIABLE}=1 to write "
            "it, then read the file and commit it"
        )
    if stored != wanted:
        diff = difflib.unified_diff(
            stored.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            fromfile=f"snapshots/{name}",
            tofile="this run",
        )
        raise AssertionError(
            f"response differs from snapshot {name!r} ({UPDATE_VARIABLE}=1 rewrites it; read the "
            "diff first):\n" + "".join(diff)
        )
