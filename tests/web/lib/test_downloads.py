"""downloads.js in Chromium against an in-page stand-in for the signed media endpoint that,
like the real one, answers Range requests with 206 and Content-Range, refuses an expired
token with 401, and can fail, stall or drop the connection mid-body; the audio is one of
tonearm's own renditions, so "byte-identical" means identical to the file on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .conftest import MEDIA_PREFIX, JsRunner

# window.media: the stand-in. `failNext` answers that many requests `failStatus`; `token` is
# the only valid `t` (tickets hand out the current one; bump it to expire earlier URLs);
# `cutAfter` drops the next response's connection after that many body bytes; `delayMs`
# slows each 16 KiB body chunk; `ignoreRange` answers 200 with the whole file.
SETUP = """
  const original = new Uint8Array(await (await fetch(arg.url)).arrayBuffer());
  const media = {requests: [], failNext: 0, failStatus: 503, token: 1, cutAfter: null,
                 delayMs: 0, ignoreRange: false, tickets: [], urls: {}};
  window.media = media;
  const fetchImpl = async (url, {headers = {}, signal} = {}) => {
    const range = headers.Range ?? null;
    media.requests.push({url, range, at: performance.now()});
    if (media.failNext > 0) { media.failNext -= 1; return new Response(null, {status: media.failStatus}); }
    if (Number(new URL(url, location.href).searchParams.get('t')) !== media.token) {
      return new Response(null, {status: 401});
    }
    let start = 0, end = original.length - 1, status = 200;
    const responseHeaders = {'Content-Type': 'audio/mpeg'};
    const match = !media.ignoreRange && range && /^bytes=(\\d+)-(\\d*)$/.exec(range);
    if (match) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), end) : end;
      status = 206;
      responseHeaders['Content-Range'] = `bytes ${start}-${end}/${original.length}`;
    }
    const body = original.slice(start, end + 1);
    const cut = media.cutAfter;
    media.cutAfter = null;
    let sent = 0;
    const stream = new ReadableStream({async pull(controller) {
      if (media.delayMs) await new Promise((r) => setTimeout(r, media.delayMs));
      if (signal?.aborted) return controller.error(new DOMException('aborted', 'AbortError'));
      if (cut !== null && sent >= cut) return controller.error(new TypeError('network error'));
      if (sent >= body.length) return controller.close();
      const n = Math.min(16384, body.length - sent, cut !== null ? cut - sent : Infinity);
      controller.enqueue(body.slice(sent, sent + n));
      sent += n;
    }});
    return new Response(stream, {status, headers: responseHeaders});
  };
  const ticket = async (songId, quality, {fresh}) => {
    media.tickets.push({songId, quality, fresh});
    // Like AudioSource.ticket: a URL kept in memory unless a fresh one is asked for.
    if (fresh || !media.urls[songId]) media.urls[songId] = `/media/${songId}?t=${media.token}`;
    return {url: media.urls[songId], quality, codec: 'mp3',
            bitrate: arg.bitrate ?? 64, size: original.length};
  };
  const { OfflineCache } = await import('/js/lib/offline-cache.js');
  const cache = await OfflineCache.open({limitBytes: 1e9});
  const open = (options = {}) => m.DownloadManager.open({cache, ticket, fetch: fetchImpl,
    baseDelayMs: arg.baseDelayMs ?? 20, saveEveryBytes: 16384, ...options});
  const hex = async (blob) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256',
    await blob.arrayBuffer()))).map((b) => b.toString(16).padStart(2, '0')).join('');
  const stored = async (id) => hex((await cache.get(id)).blob);
  const until = async (test, ms = 10000) => {
    const end = performance.now() + ms;
    while (!(await test())) {
      if (performance.now() > end) throw new Error('timed out: ' + test);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(js: JsRunner, body: str, renditions: dict[str, Path], **arg: object) -> dict:
    return js("downloads.js", SETUP + body, {"url": MEDIA_PREFIX + renditions["low"].name, **arg})


def test_pure_helpers(pure_js: JsRunner) -> None:
    r = pure_js(
        "downloads.js",
        """
        const items = [
          {songId: 'a', priority: 'low', seq: 1, state: 'queued', bytes: 0, total: 10},
          {songId: 'b', priority: 'medium', seq: 2, state: 'queued', bytes: 5, total: 10, retryAt: 500},
          {songId: 'c', priority: 'high', seq: 3, state: 'done', bytes: 10, total: 10},
          {songId: 'd', priority: 'medium', seq: 4, state: 'queued', bytes: 0, total: null},
          {songId: 'e', priority: 'high', seq: 5, state: 'failed', bytes: 2, total: 8},
        ];
        let unknown = null;
        try { m.priorityRank('urgent'); } catch (e) { unknown = e.name; }
        return {
          order: m.queueOrder(items).map((i) => i.songId),
          nextEarly: m.nextRunnable(items, 100).songId,
          nextLate: m.nextRunnable(items, 1000).songId,
          none: m.nextRunnable([items[2]], 0),
          delays: [1, 2, 3, 4].map((n) => m.backoffDelayMs(n, 100)),
          zero: m.backoffDelayMs(0, 100),
          total: m.totalProgress(items),
          known: m.totalProgress(items.filter((i) => i.songId !== 'd')),
          range: m.parseContentRange('bytes 100-199/1000'),
          star: m.parseContentRange('bytes 0-9/*'),
          bad: m.parseContentRange('bytes=0-9'),
          cellular: [m.isCellular({type: 'cellular'}), m.isCellular({type: 'wifi'}), m.isCellular(null)],
          unknown,
        };
        """,
    )
    assert r["order"] == ["c", "e", "b", "d", "a"]  # priority, then first in first out
    assert r["nextEarly"] == "d"  # b waits for its retry time
    assert r["nextLate"] == "b"
    assert r["none"] is None
    assert r["delays"] == [100, 200, 400, 800]
    assert r["zero"] == 0
    assert r["total"] == {
        "bytes": 17,
        "totalBytes": 38,
        "done": 1,
        "failed": 1,
        "unknown": 1,
        "count": 5,
        # d's size is unknown: by song, (0 + 0.5 + 1 + 0 + 0.25) / 5
        "fraction": pytest.approx(0.35),
    }
    assert r["known"] == r["total"] | {"unknown": 0, "count": 4, "fraction": pytest.approx(17 / 38)}
    assert r["range"] == {"start": 100, "end": 199, "size": 1000}
    assert r["star"] == {"start": 0, "end": 9, "size": None}
    assert r["bad"] is None
    assert r["cellular"] == [True, False, False]
    assert r["unknown"] == "RangeError"


def test_downloads_in_priority_order_into_the_pinned_offline_cache(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = """
      const downloads = await open({autoStart: false});
      const progress = [];
      const changes = [];
      downloads.addEventListener('progress', (e) => progress.push(e.detail));
      downloads.addEventListener('change', (e) => changes.push(e.detail.songId));
      await downloads.add([{id: 'A', title: 'Song A', artists: ['X', 'Y'], album: 'Al'}],
                          {priority: 'low', quality: 'low'});
      await downloads.add(['B'], {priority: 'medium', quality: 'low'});
      await downloads.add(['C'], {priority: 'high', quality: 'low'});
      await downloads.add(['D'], {quality: 'low'});
      const queued = downloads.list().map((i) => [i.songId, i.state]);
      downloads.start();
      await downloads.whenIdle();
      const order = media.requests.map((r) => r.url.split('?')[0]);
      const entries = await cache.list();
      const evicted = await cache.setLimit(1);  // far below: pinned downloads stay anyway
      return {queued, order, ranges: media.requests.map((r) => r.range),
              states: downloads.list().map((i) => [i.songId, i.state, i.bytes, i.total]),
              a: downloads.item('A'),
              hashes: await Promise.all(['A', 'B', 'C', 'D'].map(stored)),
              entries: entries.map((e) => [e.songId, e.quality, e.pinned, e.partial, e.contentType]),
              evicted, left: (await cache.list()).length,
              saved: (await downloads.savedBlob('A')).size,
              total: downloads.progress(), size: original.length,
              progressA: progress.filter((p) => p.songId === 'A').map((p) => p.bytes),
              changed: [...new Set(changes)].sort()};
    """
    r = run(js, body, renditions)
    size = r["size"]
    assert size == renditions["low"].stat().st_size
    assert r["queued"] == [["C", "queued"], ["B", "queued"], ["D", "queued"], ["A", "queued"]]
    assert r["order"] == ["/media/C", "/media/B", "/media/D", "/media/A"]
    assert r["ranges"] == [None] * 4
    assert r["states"] == [[s, "done", size, size] for s in "CBDA"]
    assert (r["a"]["title"], r["a"]["artist"], r["a"]["album"]) == ("Song A", "X, Y", "Al")
    assert r["hashes"] == [sha256(renditions["low"])] * 4
    assert sorted(r["entries"]) == [[s, "low", True, False, "audio/mpeg"] for s in "ABCD"]
    assert r["evicted"] == [] and r["left"] == 4
    assert r["saved"] == 0  # the partial chunks are gone once the song is in the cache
    assert r["total"] == {
        "bytes": 4 * size,
        "totalBytes": 4 * size,
        "done": 4,
        "failed": 0,
        "unknown": 0,
        "count": 4,
        "fraction": 1,
    }
    assert r["progressA"] == sorted(r["progressA"]) and r["progressA"][-1] == size
    assert len(r["progressA"]) >= size // 16384
    assert r["changed"] == ["A", "B", "C", "D"]


def test_a_dropped_connection_resumes_from_the_saved_bytes_byte_identical(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = """
      media.cutAfter = 50000;
      const downloads = await open();
      await downloads.add(['S'], {quality: 'low'});
      await downloads.whenIdle();
      return {ranges: media.requests.map((r) => r.range), item: downloads.item('S'),
              hash: await stored('S'), gap: media.requests[1].at - media.requests[0].at};
    """
    r = run(js, body, renditions, baseDelayMs=150)
    # Every byte received before the cut was saved: the retry asks for the rest only.
    assert r["ranges"] == [None, "bytes=50000-"]
    assert r["gap"] >= 150
    assert r["item"]["state"] == "done" and r["item"]["attempts"] == 0
    assert r["hash"] == sha256(renditions["low"])


def test_pause_then_reopen_resumes_from_the_saved_bytes(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = """
      media.delayMs = 15;
      const first = await open();
      await first.add(['S'], {quality: 'low'});
      await until(() => first.item('S').bytes >= 40000);
      await first.pause('S');
      const paused = first.item('S');
      const savedBytes = (await first.savedBlob('S')).size;
      await first.close();
      media.delayMs = 0;
      // A new page: the queue and the saved bytes are read back from IndexedDB.
      const second = await open();
      const reopened = second.item('S');
      await second.whenIdle();
      const idleWhilePaused = media.requests.length;
      await second.resume('S');
      await second.whenIdle();
      return {paused, savedBytes, reopened, idleWhilePaused,
              ranges: media.requests.map((r) => r.range), item: second.item('S'),
              hash: await stored('S')};
    """
    r = run(js, body, renditions)
    saved = r["paused"]["bytes"]
    assert saved >= 40000 and saved % 16384 == 0
    assert r["savedBytes"] == saved
    assert (r["reopened"]["state"], r["reopened"]["bytes"]) == ("paused", saved)
    assert r["idleWhilePaused"] == 1  # a paused item is not started by a new page
    assert r["ranges"] == [None, f"bytes={saved}-"]
    assert r["item"]["state"] == "done"
    assert r["hash"] == sha256(renditions["low"])


def test_retries_with_backoff_then_gives_up_after_three_attempts(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = """
      const downloads = await open();
      media.failNext = 2;
      await downloads.add(['ok'], {quality: 'low'});
      await downloads.whenIdle();
      const ok = downloads.item('ok');
      const okTimes = media.requests.map((r) => r.at);
      media.requests.length = 0;
      media.failNext = 3;
      await downloads.add(['bad'], {quality: 'low'});
      await downloads.whenIdle();
      const bad = downloads.item('bad');
      const badRequests = media.requests.length;
      const cachedBad = await cache.has('bad');
      await downloads.retry('bad');
      await downloads.whenIdle();
      return {ok, okTimes, bad, badRequests, cachedBad, retried: downloads.item('bad'),
              hash: await stored('ok')};
    """
    r = run(js, body, renditions, baseDelayMs=100)
    assert r["ok"]["state"] == "done" and r["ok"]["attempts"] == 0 and r["ok"]["error"] is None
    first, second, third = r["okTimes"]
    assert second - first >= 100  # base delay
    assert third - second >= 200  # doubled
    assert r["hash"] == sha256(renditions["low"])
    assert r["badRequests"] == 3
    assert r["bad"]["state"] == "failed" and r["bad"]["attempts"] == 3
    assert "503" in r["bad"]["error"]
    assert r["cachedBad"] is False
    assert r["retried"]["state"] == "done"


def test_an_expired_url_is_asked_for_again(js: JsRunner, renditions: dict[str, Path]) -> None:
    body = """
      const downloads = await open();
      media.cutAfter = 32768;
      await downloads.add(['S'], {quality: 'low'});
      // The URL expires while the retry waits: the resume gets a 401, then a fresh URL.
      await until(() => media.requests.length === 1 && downloads.item('S').state === 'queued');
      media.token = 2;
      await downloads.whenIdle();
      return {requests: media.requests.map((r) => [new URL(r.url, location.href).searchParams.get('t'), r.range]),
              tickets: media.tickets.map((t) => t.fresh), item: downloads.item('S'),
              hash: await stored('S')};
    """
    r = run(js, body, renditions, baseDelayMs=50)
    assert r["requests"] == [["1", None], ["1", "bytes=32768-"], ["2", "bytes=32768-"]]
    assert r["tickets"] == [False, False, True]
    assert r["item"]["state"] == "done" and r["item"]["attempts"] == 0
    assert r["hash"] == sha256(renditions["low"])


def test_pause_all_and_pause_on_cellular(js: JsRunner, renditions: dict[str, Path]) -> None:
    body = """
      const connection = Object.assign(new EventTarget(), {type: 'wifi'});
      const downloads = await open({connection: () => connection});
      await downloads.pause();
      await downloads.add(['A', 'B'], {quality: 'low'});
      await downloads.whenIdle();
      const whilePaused = [media.requests.length, downloads.pausedAll, downloads.list().map((i) => i.state)];
      await downloads.pause('B');
      await downloads.setPauseOnCellular(true);
      connection.type = 'cellular';
      await downloads.resume();  // everything: B as well
      await downloads.whenIdle();
      const onCellular = [media.requests.length, downloads.blocked, downloads.list().map((i) => i.state)];
      const reopened = await open({connection: () => connection, autoStart: false});
      const persisted = [reopened.pauseOnCellular, reopened.pausedAll];
      connection.type = 'wifi';
      connection.dispatchEvent(new Event('change'));
      await until(() => downloads.list().every((i) => i.state === 'done'));
      await downloads.setPauseOnCellular(false);
      return {whilePaused, onCellular, persisted, requests: media.requests.length};
    """
    r = run(js, body, renditions)
    assert r["whilePaused"] == [0, True, ["queued", "queued"]]
    assert r["onCellular"] == [0, True, ["queued", "queued"]]
    assert r["persisted"] == [True, False]
    assert r["requests"] == 2


def test_prefetch_mode_gets_the_first_30_seconds_and_played_completes_it(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    size = renditions["low"].stat().st_size
    bitrate = round(size * 8 / 40 / 1000)  # the 40 s rendition's average kbps
    body = """
      const { prefetchRangeBytes } = await import('/js/lib/prefetch.js');
      const head = prefetchRangeBytes(arg.bitrate);
      const downloads = await open();
      await downloads.add(['P'], {quality: 'low', mode: 'prefetch'});
      await downloads.whenIdle();
      const partial = downloads.item('P');
      const entry = await cache.entry('P');
      const headHash = await hex((await cache.get('P')).blob);
      const expectedHead = await hex(new Blob([original.slice(0, head)]));
      await downloads.played('P');
      await downloads.whenIdle();
      // Played while the player kept the whole song itself: adopted, nothing fetched.
      await downloads.add(['Q'], {quality: 'low', mode: 'prefetch'});
      await downloads.whenIdle();
      await cache.put('Q', 'low', new Blob([original]));
      const before = media.requests.length;
      await downloads.played('Q');
      await downloads.whenIdle();
      const qRequests = media.requests.length - before;
      // Played with time for the player: it waits until kept() says the player has it.
      await downloads.add(['R'], {quality: 'low', mode: 'prefetch'});
      await downloads.whenIdle();
      const beforeR = media.requests.length;
      await downloads.played('R', {afterMs: 60000});
      const waiting = downloads.item('R').state;
      await cache.put('R', 'low', new Blob([original]));
      const kept = await downloads.kept('R');
      await downloads.whenIdle();
      return {waiting, kept, r: [media.requests.length - beforeR, downloads.item('R').state],
              keptAgain: await downloads.kept('R'),head, partial, entry: [entry.partial, entry.pinned, entry.sizeBytes], headHash,
              expectedHead, ranges: media.requests.slice(0, 2).map((r) => r.range),
              item: downloads.item('P'), full: await cache.entry('P'), hash: await stored('P'),
              adopted: [qRequests, downloads.item('Q').state,
                        (await cache.entry('Q')).pinned, (await cache.entry('Q')).partial]};
    """
    r = run(js, body, renditions, bitrate=bitrate)
    head = r["head"]
    assert 0 < head < size
    assert r["partial"]["state"] == "partial" and r["partial"]["bytes"] == head
    assert r["entry"] == [True, True, head]
    assert r["headHash"] == r["expectedHead"]
    assert r["ranges"] == [f"bytes=0-{head - 1}", f"bytes={head}-"]
    assert r["item"]["state"] == "done" and r["item"]["priority"] == "high"
    assert r["full"]["partial"] is False and r["full"]["pinned"] is True
    assert r["hash"] == sha256(renditions["low"])
    assert r["adopted"] == [0, "done", True, False]
    assert (r["waiting"], r["kept"], r["r"], r["keptAgain"]) == ("queued", True, [0, "done"], False)


def test_remove_deletes_the_copy_and_a_range_ignored_starts_over(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    body = """
      const downloads = await open();
      await downloads.add(['A'], {quality: 'low'});
      await downloads.whenIdle();
      const had = await cache.has('A');
      const removed = await downloads.remove('A');
      const gone = [await cache.has('A'), downloads.item('A'), await downloads.remove('A')];
      // A server that ignores Range: the saved bytes are dropped and the file read whole.
      media.cutAfter = 20000;
      media.ignoreRange = true;
      await downloads.add(['B'], {quality: 'low'});
      await downloads.whenIdle();
      return {had, removed, gone, ranges: media.requests.slice(1).map((r) => r.range),
              item: downloads.item('B'), hash: await stored('B'),
              reopened: (await open({autoStart: false})).list().map((i) => i.songId)};
    """
    r = run(js, body, renditions)
    assert r["had"] is True and r["removed"] is True
    assert r["gone"] == [False, None, False]
    assert r["ranges"] == [None, "bytes=20000-"]
    assert r["item"]["state"] == "done" and r["item"]["bytes"] == renditions["low"].stat().st_size
    assert r["hash"] == sha256(renditions["low"])
    assert r["reopened"] == ["B"]


def test_adding_a_song_again(js: JsRunner, renditions: dict[str, Path]) -> None:
    body = """
      media.delayMs = 5;
      const downloads = await open();
      await downloads.add(['A'], {quality: 'low'});
      await until(() => downloads.item('A').bytes > 0);
      // While it runs: a new priority, the same download (no second request).
      await downloads.add(['A'], {quality: 'low', priority: 'high'});
      await downloads.whenIdle();
      const running = [media.requests.length, downloads.item('A').state, downloads.item('A').priority];
      media.delayMs = 0;
      await downloads.add(['A'], {quality: 'low'});  // done, copy there: nothing to do
      await downloads.whenIdle();
      const same = media.requests.length;
      await cache.remove('A');  // the copy went (site data cleared): downloaded again
      await downloads.add(['A'], {quality: 'low'});
      await downloads.whenIdle();
      const lost = [media.requests.length, await cache.has('A')];
      await downloads.add(['A'], {quality: 'high'});  // another quality: anew
      await downloads.whenIdle();
      const requality = [media.requests.length, (await cache.entry('A')).quality, downloads.item('A').rendition];
      media.failNext = 3;
      await downloads.add(['B'], {quality: 'low'});
      await downloads.whenIdle();
      const failed = downloads.item('B').state;
      await downloads.add(['B'], {quality: 'low'});
      await downloads.whenIdle();
      return {running, same, lost, requality, failed, b: downloads.item('B').state,
              count: downloads.list().length};
    """
    r = run(js, body, renditions, baseDelayMs=5)
    assert r["running"] == [1, "done", "high"]
    assert r["same"] == 1
    assert r["lost"] == [2, True]
    assert r["requality"] == [3, "high", "high"]
    assert (r["failed"], r["b"], r["count"]) == ("failed", "done", 2)


def test_a_pending_rendition_is_fetched_whole_without_range(
    js: JsRunner, renditions: dict[str, Path]
) -> None:
    # The server has not made the rendition yet (a scanned song): the ticket says `pending`
    # with an estimated size; a GET makes it while sending it, and while another process is
    # making it the original stands in (X-Tonearm-Served: original), which must not be kept.
    body = """
      let standIns = 1;
      const served = async (url, options) => {
        const response = await fetchImpl(url, options);
        const name = standIns-- > 0 ? 'original' : 'low';
        const headers = new Headers(response.headers);
        headers.set('X-Tonearm-Served', name);
        return new Response(response.body, {status: response.status, headers});
      };
      const pending = async (songId, quality) => ({url: `/media/${songId}?t=${media.token}`,
        quality, codec: 'mp3', bitrate: 64, size: original.length - 999, pending: true});
      const downloads = await open({ticket: pending, fetch: served});
      await downloads.add(['N'], {quality: 'low', mode: 'prefetch'});
      await until(async () => downloads.item('N').state === 'done');
      const entry = await cache.entry('N');
      return {ranges: media.requests.map((r) => r.range), item: downloads.item('N'),
              entry: [entry.partial, entry.sizeBytes], hash: await stored('N'),
              attempts: media.requests.length};
    """
    r = run(js, body, renditions)
    assert r["ranges"] == [None, None]  # never a Range on a rendition being made
    assert r["attempts"] == 2  # the stand-in original was refused, then the rendition came
    size = renditions["low"].stat().st_size
    assert r["item"]["total"] == r["item"]["bytes"] == size
    assert r["entry"] == [False, size]
    assert r["hash"] == sha256(renditions["low"])
