"""lyrics.js: the current synced line at a playback position."""

from __future__ import annotations

import bisect
import random

import pytest

from tonearm.api.rest.stream import LyricsOut

from .conftest import JsRunner

# The shape GET /api/songs/{id}/lyrics returns (checked against LyricsOut below).
LYRICS = {
    "song_id": "00000000-0000-0000-0000-000000000001",
    "plain": "one\ntwo\nthree\nthree again\nfour",
    "synced": [
        {"time_ms": 1000, "text": "one"},
        {"time_ms": 2500, "text": "two"},
        {"time_ms": 4000, "text": "three"},
        {"time_ms": 4000, "text": "three again"},  # lines may share a time
        {"time_ms": 9000, "text": "four"},
    ],
}
LINE_AT = "return arg.positions.map((p) => m.lineAt(arg.lines, p));"


def test_fixture_is_a_lyrics_response() -> None:
    assert LyricsOut.model_validate(LYRICS).synced is not None


@pytest.mark.parametrize(
    ("position_ms", "index"),
    [
        (0, -1),  # before the first line
        (999, -1),
        (1000, 0),  # a line shows from its own time
        (2499, 0),
        (2500, 1),
        (3999, 1),
        (4000, 3),  # of lines sharing a time, the last
        (8999, 3),
        (9000, 4),
        (10_000_000, 4),  # after the last: it stays
    ],
)
def test_line_at_each_boundary(pure_js: JsRunner, position_ms: int, index: int) -> None:
    result = pure_js("lyrics.js", LINE_AT, {"lines": LYRICS["synced"], "positions": [position_ms]})
    assert result == [index]


def test_no_lines_or_no_position(pure_js: JsRunner) -> None:
    body = """
      const lines = [{time_ms: 0, text: 'a'}];
      return [m.lineAt(null, 5), m.lineAt([], 5), m.lineAt(undefined, 5), m.lineAt(lines, NaN),
              m.lineAt(lines, 0), m.lineAt(lines, -1)];
    """
    assert pure_js("lyrics.js", body) == [-1, -1, -1, -1, 0, -1]


def test_agrees_with_pythons_bisect_on_a_long_song(pure_js: JsRunner) -> None:
    rng = random.Random(7)
    times = sorted(rng.randrange(0, 600_000) for _ in range(2000))
    lines = [{"time_ms": t, "text": str(i)} for i, t in enumerate(times)]
    positions = [rng.randrange(-1000, 610_000) for _ in range(3000)] + times
    # bisect_right - 1: the last line at or before the position (Python's own binary search).
    expected = [bisect.bisect_right(times, p) - 1 for p in positions]
    assert pure_js("lyrics.js", LINE_AT, {"lines": lines, "positions": positions}) == expected


def test_ms_until_next_line(pure_js: JsRunner) -> None:
    body = "return arg.positions.map((p) => m.msUntilNextLine(arg.lines, p));"
    result = pure_js(
        "lyrics.js", body, {"lines": LYRICS["synced"], "positions": [0, 1000, 3000, 4000, 9000]}
    )
    assert result == [1000, 1500, 1000, 5000, None]
