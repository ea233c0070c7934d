"""Range header parsing and conditional-request rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tonearm.streaming.ranges import (
    ByteRange,
    RangeNotSatisfiable,
    http_date,
    not_modified,
    parse_range,
    range_still_valid,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99, 1000)),
        ("bytes=500-", ByteRange(500, 999, 1000)),
        ("bytes=-100", ByteRange(900, 999, 1000)),
        ("bytes=-5000", ByteRange(0, 999, 1000)),
        ("bytes=900-5000", ByteRange(900, 999, 1000)),
        ("bytes=999-999", ByteRange(999, 999, 1000)),
        (None, None),
        ("", None),
        ("items=0-1", None),
        ("bytes=0-1,5-6", None),
        ("bytes=abc-", None),
        ("bytes=5-1", None),
        ("bytes=5", None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


def test_content_range_and_length() -> None:
    byte_range = ByteRange(10, 19, 100)
    assert byte_range.length == 10
    assert byte_range.content_range == "bytes 10-19/100"


def test_conditionals() -> None:
    modified = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    etag = '"abc"'
    assert not_modified(etag, modified, '"abc"', None)
    assert not_modified(etag, modified, 'W/"abc", "x"', None)
    assert not_modified(etag, modified, "*", None)
    assert not not_modified(etag, modified, '"other"', http_date(modified))
    assert not_modified(etag, modified, None, http_date(modified))
    assert not not_modified(etag, modified, None, http_date(modified - timedelta(seconds=5)))
    assert not not_modified(etag, modified, None, "not a date")
    assert range_still_valid(etag, modified, None)
    assert range_still_valid(etag, modified, '"abc"')
    assert not range_still_valid(etag, modified, '"old"')
    assert range_still_valid(etag, modified, http_date(modified))
    assert not range_still_valid(etag, modified, http_date(modified + timedelta(days=1)))
