"""HTTP byte ranges and conditional requests (RFC 9110 §13–14), for one object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from tonearm.errors import TonearmError


class RangeNotSatisfiable(TonearmError):
    """The Range asks for bytes the object does not have (HTTP 416)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"requested range not satisfiable (the object has {size} bytes)")
        self.size = size


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes `start`..`end` inclusive of an object of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        """How many bytes the range holds."""
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        """The Content-Range header value."""
        return f"bytes {self.start}-{self.end}/{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range a Range header asks for, or None to send the whole object.

    Handles `a-b`, `a-` and `-n` (suffix); an end past the last byte is clamped. Several
    ranges at once, other units and malformed headers are ignored (the whole object is
    sent, which RFC 9110 allows). Raises RangeNotSatisfiable when no byte is selected.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix < 0:
                return None
            if suffix == 0 or size == 0:
                raise RangeNotSatisfiable(size)
            return ByteRange(max(0, size - suffix), size - 1, size)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0:
        return None
    if start >= size:
        raise RangeNotSatisfiable(size)
    if end < start:
        return None
    return ByteRange(start, min(end, size - 1), size)


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (Last-Modified)."""
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def _parse_http_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(
    etag: str, modified_at: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether a GET can be answered 304 (If-None-Match wins over If-Modified-Since)."""
    if if_none_match is not None:
        tags = _etags(if_none_match)
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        since = _parse_http_date(if_modified_since)
        return since is not None and modified_at.replace(microsecond=0) <= since
    return False


def range_still_valid(etag: str, modified_at: datetime, if_range: str | None) -> bool:
    """Whether to honour Range under If-Range: only when the validator still matches."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith('"'):
        return value == etag
    since = _parse_http_date(value)
    return since is not None and modified_at.replace(microsecond=0) == since
