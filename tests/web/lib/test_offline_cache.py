"""offline-cache.js in Chromium: audio in Cache Storage, rows in IndexedDB, the size rule."""

from __future__ import annotations

from pathlib import Path

from .conftest import MEDIA_PREFIX, JsRunner

OPEN = "const cache = await m.OfflineCache.open({limitBytes: arg?.limit ?? 1e9});"
# Songs for the size rule: [id, size bytes, play count, last played (ms) or null, pinned].
SONGS = [
    ["A", 150, 0, None, True],  # would go first, but pinned: a download
    ["B", 100, 0, None, False],
    ["C", 100, 0, 200, False],
    ["D", 100, 0, 100, False],
    ["E", 200, 1, 50, False],
    ["F", 100, 1, 400, False],
    ["G", 300, 3, 10, False],
]  # 1,050 bytes
PUT_SONGS = """
  for (const [id, size, playCount, lastPlayedAt, pinned] of arg.songs) {
    await cache.put(id, 'medium', new Blob([new Uint8Array(size)], {type: 'audio/mpeg'}),
                    {playCount, lastPlayedAt, pinned});
  }
"""


def test_put_then_get_returns_the_same_bytes_from_cache_storage(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = (
        OPEN
        + """
      const response = await fetch(arg.url);
      const original = await (await fetch(arg.url)).arrayBuffer();
      const evicted = await cache.put('song-1', 'medium', response, {playCount: 4});
      const got = await cache.get('song-1');
      const digest = async (b) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b))).join();
      const stored = await (await caches.open('tonearm-audio')).match(m.offlineAudioUrl('song-1'));
      return {evicted, quality: got.quality, partial: got.partial, size: got.blob.size,
              type: got.blob.type, same: await digest(original) === await digest(await got.blob.arrayBuffer()),
              originalSize: original.byteLength, url: m.offlineAudioUrl('song-1'),
              storedType: stored.headers.get('Content-Type'), storedQuality: stored.headers.get('X-Tonearm-Quality'),
              has: await cache.has('song-1'), hasOther: await cache.has('song-2'),
              missing: await cache.get('song-2'), usage: await cache.usage()};
    """
    )
    result = js("offline-cache.js", body, {"url": MEDIA_PREFIX + "medium.mp3"})
    assert result["same"] is True
    assert result["size"] == result["originalSize"] == renditions["medium"].stat().st_size
    assert result["evicted"] == []
    assert result["quality"] == "medium"
    assert result["partial"] is False
    assert result["type"] == result["storedType"] == "audio/mpeg"
    assert result["storedQuality"] == "medium"
    assert result["url"] == "/offline/audio/song-1"
    assert (result["has"], result["hasOther"], result["missing"]) == (True, False, None)
    assert result["usage"] == {
        "bytes": result["originalSize"],
        "count": 1,
        "pinnedBytes": 0,
        "limitBytes": 1e9,
    }


def test_get_counts_as_a_play_time_and_record_play_counts(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await cache.put('s', 'low', new Blob([new Uint8Array(10)]), {playCount: 2, lastPlayedAt: 5});
      const before = await cache.entry('s');
      const t0 = Date.now();
      await cache.get('s');
      const touched = await cache.entry('s');
      await cache.recordPlay('s');
      const incremented = await cache.entry('s');
      await cache.recordPlay('s', 40);
      const set = await cache.entry('s');
      return {before, touched, incremented, set, t0, absent: await cache.recordPlay('nope')};
    """
    )
    r = js("offline-cache.js", body)
    assert r["before"]["lastPlayedAt"] == 5
    assert r["touched"]["lastPlayedAt"] >= r["t0"]
    assert r["touched"]["playCount"] == 2  # reading is not a counted play
    assert r["incremented"]["playCount"] == 3
    assert r["set"]["playCount"] == 40  # the server's figure wins
    assert r["absent"] is False


def test_eviction_order_at_the_limit_down_to_80_percent_pinned_kept(js: JsRunner) -> None:
    body = (
        OPEN
        + PUT_SONGS
        + """
      const before = (await cache.list()).map((e) => e.songId);
      const evicted = await cache.setLimit(1000);
      const left = (await cache.list()).map((e) => e.songId);
      const stored = await (await caches.open('tonearm-audio')).keys();
      return {before, evicted, left, usage: await cache.usage(),
              storedUrls: stored.map((r) => new URL(r.url).pathname).sort()};
    """
    )
    r = js("offline-cache.js", body, {"songs": SONGS})
    # Lowest play count first; among equal counts, never played, then least recently played.
    assert r["before"] == ["A", "B", "D", "C", "E", "F", "G"]
    # 1,050 > 1,000: evict until at most 800 (80%) — B, D, C — not merely under 1,000 (B).
    assert r["evicted"] == ["B", "D", "C"]
    assert r["left"] == ["A", "E", "F", "G"]
    assert r["usage"]["bytes"] == 750
    assert r["usage"]["pinnedBytes"] == 150
    assert r["storedUrls"] == [f"/offline/audio/{s}" for s in ("A", "E", "F", "G")]


def test_under_the_limit_nothing_is_evicted(js: JsRunner) -> None:
    body = (
        OPEN
        + PUT_SONGS
        + "return {evicted: await cache.setLimit(1050), count: (await cache.usage()).count};"
    )
    assert js("offline-cache.js", body, {"songs": SONGS}) == {"evicted": [], "count": 7}


def test_pinned_songs_survive_even_when_they_alone_exceed_the_limit(js: JsRunner) -> None:
    body = (
        OPEN
        + PUT_SONGS
        + """
      await cache.pin('G');
      const evicted = await cache.setLimit(100);
      return {evicted, left: (await cache.list()).map((e) => e.songId), usage: await cache.usage()};
    """
    )
    r = js("offline-cache.js", body, {"songs": SONGS})
    assert r["evicted"] == ["B", "D", "C", "E", "F"]
    assert r["left"] == ["A", "G"]
    assert r["usage"]["bytes"] == 450  # over the limit: only remove() deletes a download


def test_unpin_lets_the_size_rule_take_it(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await cache.put('big', 'high', new Blob([new Uint8Array(900)]), {pinned: true, playCount: 9});
      await cache.setLimit(500);
      const kept = await cache.has('big');
      const found = await cache.unpin('big');
      return {kept, found, after: await cache.has('big'), missing: await cache.unpin('nope'),
              pinMissing: await cache.pin('nope')};
    """
    )
    assert js("offline-cache.js", body) == {
        "kept": True,
        "found": True,
        "after": False,
        "missing": False,
        "pinMissing": False,
    }


def test_put_over_the_limit_evicts_others_but_not_the_song_just_stored(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      for (const id of ['old1', 'old2', 'old3']) {
        await cache.put(id, 'medium', new Blob([new Uint8Array(300)]), {playCount: 5, lastPlayedAt: 1});
      }
      const evicted = await cache.put('new', 'medium', new Blob([new Uint8Array(300)]), {playCount: 0});
      return {evicted, left: (await cache.list()).map((e) => e.songId)};
    """
    )
    r = js("offline-cache.js", body, {"limit": 1000})
    # 1,200 > 1,000; "new" has the lowest count but is the song being played: the others go.
    assert r["evicted"] == ["old1", "old2"]
    assert r["left"] == ["new", "old3"]


def test_partial_entries(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const blob = (n) => new Blob([new Uint8Array(n).fill(7)]);
      await cache.put('s', 'efficient', blob(100), {partial: true, playCount: 3});
      const partial = await cache.get('s');
      const hasPartial = await cache.has('s');
      await cache.put('s', 'efficient', blob(1000));
      const full = await cache.get('s');
      const ignored = await cache.put('s', 'efficient', blob(50), {partial: true});
      const still = await cache.get('s');
      return {partial: [partial.partial, partial.sizeBytes, partial.blob.size], hasPartial,
              full: [full.partial, full.blob.size], playCount: (await cache.entry('s')).playCount,
              ignored, still: [still.partial, still.blob.size],
              header: (await (await caches.open('tonearm-audio')).match('/offline/audio/s')).headers.get('X-Tonearm-Partial')};
    """
    )
    r = js("offline-cache.js", body)
    assert r["partial"] == [True, 100, 100]
    assert r["hasPartial"] is True
    assert r["full"] == [False, 1000]  # the complete file replaces the prefetched start
    assert r["playCount"] == 3  # carried over from the partial copy
    assert r["ignored"] == []
    assert r["still"] == [False, 1000]  # a partial copy never replaces a complete one
    assert r["header"] == "0"


def test_another_quality_replaces_the_copy(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await cache.put('s', 'high', new Blob([new Uint8Array(500)]));
      await cache.put('s', 'low', new Blob([new Uint8Array(100)]));
      const got = await cache.get('s');
      return {quality: got.quality, size: got.blob.size, usage: await cache.usage()};
    """
    )
    r = js("offline-cache.js", body)
    assert (r["quality"], r["size"], r["usage"]["bytes"], r["usage"]["count"]) == (
        "low",
        100,
        100,
        1,
    )


def test_remove_deletes_audio_and_row_even_when_pinned(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await cache.put('s', 'low', new Blob([new Uint8Array(10)]), {pinned: true});
      const removed = await cache.remove('s');
      const audio = await (await caches.open('tonearm-audio')).match('/offline/audio/s');
      return {removed, again: await cache.remove('s'), has: await cache.has('s'), audio: audio ?? null};
    """
    )
    assert js("offline-cache.js", body) == {
        "removed": True,
        "again": False,
        "has": False,
        "audio": None,
    }


def test_a_row_whose_audio_was_cleared_is_dropped(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await cache.put('s', 'low', new Blob([new Uint8Array(10)]));
      await (await caches.open('tonearm-audio')).delete('/offline/audio/s');
      return {got: await cache.get('s'), has: await cache.has('s')};
    """
    )
    assert js("offline-cache.js", body) == {"got": None, "has": False}


def test_entries_survive_a_reload(js: JsRunner, page) -> None:  # type: ignore[no-untyped-def]
    js("offline-cache.js", OPEN + PUT_SONGS + "cache.close();", {"songs": SONGS})
    page.reload()
    body = (
        OPEN
        + "return {ids: (await cache.list()).map((e) => e.songId), got: (await cache.get('G')).blob.size};"
    )
    assert js("offline-cache.js", body) == {"ids": ["A", "B", "D", "C", "E", "F", "G"], "got": 300}


def test_limit_must_be_positive(js: JsRunner) -> None:
    body = """
      const errors = [];
      for (const limit of [0, -1, NaN]) {
        try { await m.OfflineCache.open({limitBytes: limit}); errors.push('none'); }
        catch (e) { errors.push(e.name); }
      }
      return errors;
    """
    assert js("offline-cache.js", body) == ["RangeError"] * 3


def test_request_persistence(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const real = await cache.requestPersistence();
      const calls = [];
      const fake = (persisted, grant) => ({
        persisted: async () => { calls.push('persisted'); return persisted; },
        persist: async () => { calls.push('persist'); return grant; },
      });
      Object.defineProperty(navigator, 'storage', {value: fake(true, false), configurable: true});
      const already = await cache.requestPersistence();
      Object.defineProperty(navigator, 'storage', {value: fake(false, true), configurable: true});
      const granted = await cache.requestPersistence();
      Object.defineProperty(navigator, 'storage', {value: undefined, configurable: true});
      const unsupported = await cache.requestPersistence();
      return {real: typeof real, already, granted, unsupported, calls};
    """
    )
    r = js("offline-cache.js", body)
    assert r["real"] == "boolean"
    assert (r["already"], r["granted"], r["unsupported"]) == (True, True, False)
    assert r["calls"] == ["persisted", "persisted", "persist"]


def test_a_206_range_response_from_a_prefetch_is_stored_as_a_partial_copy(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const ranged = () => new Response(new Uint8Array(64), {status: 206,
        headers: {'Content-Type': 'audio/webm', 'Content-Range': 'bytes 0-63/1000'}});
      let direct = null;
      try { await (await caches.open('other')).put('/x', ranged()); } catch (e) { direct = e.name; }
      await cache.put('s', 'efficient', ranged(), {partial: true});
      const stored = await (await caches.open('tonearm-audio')).match('/offline/audio/s');
      return {direct, status: stored.status, got: (await cache.get('s')).partial,
              type: stored.headers.get('Content-Type')};
    """
    )
    r = js("offline-cache.js", body)
    assert r["direct"] == "TypeError"  # Cache Storage itself refuses partial responses
    assert (r["status"], r["got"], r["type"]) == (200, True, "audio/webm")
