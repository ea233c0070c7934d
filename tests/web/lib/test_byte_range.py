"""byte-range.js: Range requests answered from a cached response, in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import JsRunner

PARSE = "return arg.headers.map((h) => m.parseRange(h, arg.size));"


def test_parse_range_forms(pure_js: JsRunner) -> None:
    headers = [
        "bytes=0-",
        "bytes=0-99",
        "bytes=100-",
        "bytes=900-5000",  # past the end: clipped
        "bytes=-100",  # the last 100
        "bytes=-5000",  # more than there is: all
        "BYTES = 5 - 9",
        "bytes=1000-",  # starts past the end
        "bytes=50-10",
        "bytes=-0",
        "bytes=0-1,5-9",  # several ranges: ignored
        "items=0-5",
        "bytes=-",
        None,
    ]
    assert pure_js("byte-range.js", PARSE, {"headers": headers, "size": 1000}) == [
        {"start": 0, "end": 999},
        {"start": 0, "end": 99},
        {"start": 100, "end": 999},
        {"start": 900, "end": 999},
        {"start": 900, "end": 999},
        {"start": 0, "end": 999},
        {"start": 5, "end": 9},
        "unsatisfiable",
        "unsatisfiable",
        "unsatisfiable",
        None,
        None,
        None,
        None,
    ]


ANSWER = """
  const bytes = new Uint8Array(1000).map((_, i) => i % 251);
  const stored = new Response(new Blob([bytes], {type: 'audio/mpeg'}),
                              {headers: {'Content-Type': 'audio/mpeg', 'X-Tonearm-Quality': 'low'}});
  const answer = await m.rangeResponse(stored, arg);
  const body = new Uint8Array(await answer.arrayBuffer());
  return {status: answer.status, headers: Object.fromEntries(answer.headers),
          first: body[0] ?? null, length: body.length};
"""


@pytest.mark.parametrize(
    ("header", "status", "content_range", "first", "length"),
    [
        ("bytes=0-", 206, "bytes 0-999/1000", 0, 1000),
        ("bytes=300-399", 206, "bytes 300-399/1000", 300 % 251, 100),
        ("bytes=-10", 206, "bytes 990-999/1000", 990 % 251, 10),
        ("bytes=2000-", 416, "bytes */1000", None, 0),
    ],
)
def test_range_response(
    pure_js: JsRunner, header: str, status: int, content_range: str, first: int | None, length: int
) -> None:
    r = pure_js("byte-range.js", ANSWER, header)
    assert r["status"] == status
    assert r["headers"]["content-range"] == content_range
    assert r["headers"]["accept-ranges"] == "bytes"
    assert r["headers"]["x-tonearm-quality"] == "low"
    assert (r["first"], r["length"]) == (first, length)
    if status == 206:
        assert r["headers"]["content-length"] == str(length)
        assert r["headers"]["content-type"] == "audio/mpeg"


def test_no_range_or_several_ranges_get_the_whole_body(pure_js: JsRunner) -> None:
    assert pure_js("byte-range.js", ANSWER, None)["status"] == 200
    several = pure_js("byte-range.js", ANSWER, "bytes=0-1,5-9")
    assert (several["status"], several["length"], several["headers"]["content-length"]) == (
        200,
        1000,
        "1000",
    )


def test_a_cached_rendition_served_in_ranges_decodes_like_the_file(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    """What a service worker would do, in the page: a rendition put in the offline cache,
    answered in 100 kB ranges, joins up to bytes that decode like the original file."""
    body = """
      const {OfflineCache, offlineAudioUrl} = await import('/js/lib/offline-cache.js');
      const cache = await OfflineCache.open();
      await cache.put('s', 'medium', await fetch('/__media__/medium.mp3'));
      const stored = await (await caches.open('tonearm-audio')).match(offlineAudioUrl('s'));
      const size = Number(stored.headers.get('Content-Length'));
      const pieces = [];
      for (let start = 0; start < size; start += 100000) {
        const answer = await m.rangeResponse(stored.clone(), `bytes=${start}-${start + 99999}`);
        pieces.push(new Uint8Array(await answer.arrayBuffer()));
      }
      const joined = new Blob(pieces);
      const whole = await (await fetch('/__media__/medium.mp3')).arrayBuffer();
      const ctx = new OfflineAudioContext(1, 1, 44100);
      const [a, b] = await Promise.all([ctx.decodeAudioData(await joined.arrayBuffer()), ctx.decodeAudioData(whole)]);
      return {pieces: pieces.length, joined: joined.size, size, a: a.length, b: b.length};
    """
    r = js("byte-range.js", body)
    assert r["joined"] == r["size"]
    assert r["pieces"] == -(-r["size"] // 100000)
    assert r["a"] == r["b"] > 0
