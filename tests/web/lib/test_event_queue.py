"""event-queue.js in Chromium against an in-page stand-in for POST /api/events that, like
the real one, stores each event id once and answers {accepted, duplicates, rejected}."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from .conftest import JsRunner

# window.server: the stand-in. `down` makes send throw like fetch does offline; `loseAnswers`
# stores the batch and then throws (the answer lost on the way back); `status` answers that
# HTTP status without storing; `delayMs` slows every answer; `maxActive` is the most sends
# that were ever unanswered at once.
SERVER = """
  window.server ??= {batches: [], stored: new Map(), calls: 0, down: false, loseAnswers: false,
                     status: 200, delayMs: 0, options: [], refuseBadBatches: false,
                     active: 0, maxActive: 0};
  const server = window.server;
  const send = async (batch, options) => {
    server.calls += 1;
    server.options.push(options ?? null);
    server.active += 1;
    server.maxActive = Math.max(server.maxActive, server.active);
    try {
      if (server.delayMs) await new Promise((r) => setTimeout(r, server.delayMs));
      return answer(batch);
    } finally {
      server.active -= 1;
    }
  };
  const answer = (batch) => {
    if (server.down) throw new TypeError('Failed to fetch');
    if (server.status !== 200) return {ok: false, status: server.status, json: async () => ({})};
    if (server.refuseBadBatches && batch.some((e) => e.type === 'bogus')) {
      // tonearm answers a body that fails validation with 400 (api/rest/errors.py)
      return {ok: false, status: 400, json: async () => ({error: 'invalid_input'})};
    }
    server.batches.push(batch.map((e) => e.id));
    let accepted = 0, duplicates = 0;
    const rejected = [];
    for (const e of batch) {
      if (e.song_id === 'unknown-song') rejected.push({id: e.id, reason: 'unknown song'});
      else if (server.stored.has(e.id)) duplicates += 1;
      else { server.stored.set(e.id, e); accepted += 1; }
    }
    if (server.loseAnswers) throw new TypeError('network error after the server stored it');
    return {ok: true, status: 200, json: async () => ({accepted, duplicates, rejected})};
  };
"""
OPEN = (
    SERVER
    + """
  const queue = await m.EventQueue.open({send, autoFlush: arg?.autoFlush ?? false,
                                         retryBaseMs: arg?.retryBaseMs ?? 60000});
  const event = (i, extra = {}) => ({type: 'play', song_id: `song-${i}`, session_id: 's1', position_ms: i, ...extra});
  const pushMany = async (n, extra) => { const out = []; for (let i = 0; i < n; i += 1) out.push(await queue.push(event(i, extra))); return out; };
  const storedIds = () => [...server.stored.keys()];
"""
)


def test_push_stores_the_event_with_an_id_before_resolving(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const pushed = await queue.push({type: 'like', song_id: 'x', session_id: 's', context: {hour: 9}});
      // Read back through a second connection: it is on disk, not only in memory.
      const other = await m.EventQueue.open({send});
      const onDisk = await other.events();
      return {pushed, onDisk, pending: await other.pending(), calls: server.calls};
    """
    )
    r = js("event-queue.js", body)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", r["pushed"]["id"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["pushed"]["timestamp"])
    assert r["pending"] == 1
    assert r["onDisk"][0]["id"] == r["pushed"]["id"]
    assert r["onDisk"][0]["context"] == {"hour": 9}
    assert r["calls"] == 0  # nothing sent before a full batch or a flush


def test_25_events_go_in_batches_of_10_10_5_in_order(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const pushed = (await pushMany(25)).map((e) => e.id);
      const report = await queue.flush();
      return {pushed, batches: server.batches, report, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert [len(b) for b in r["batches"]] == [10, 10, 5]
    assert [i for b in r["batches"] for i in b] == r["pushed"]
    assert r["report"] == {
        "sent": 25, "accepted": 25, "duplicates": 0, "rejected": [], "remaining": 0, "error": None,
    }  # fmt: skip
    assert r["pending"] == 0


def test_auto_flush_sends_full_batches_as_they_fill(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(25);
      // Let the background flushes started by push finish.
      for (let i = 0; i < 100 && server.batches.flat().length < 20; i += 1) await new Promise((r) => setTimeout(r, 10));
      const before = server.batches.map((b) => b.length);
      await queue.flush();
      return {before, after: server.batches.map((b) => b.length), unique: new Set(server.batches.flat()).size};
    """
    )
    r = js("event-queue.js", body, {"autoFlush": True})
    assert r["before"] == [10, 10]
    assert r["after"] == [10, 10, 5]
    assert r["unique"] == 25


def test_offline_keeps_everything_then_delivers_each_once(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(25);
      server.down = true;
      const offline = await queue.flush();
      const pendingOffline = await queue.pending();
      server.down = false;
      const online = await queue.flush();
      const sent = server.batches.flat();
      return {offline, pendingOffline, online, sent: sent.length, unique: new Set(sent).size,
              stored: server.stored.size, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert r["offline"]["error"] == "Failed to fetch"
    assert r["offline"]["sent"] == 0
    assert r["offline"]["remaining"] == r["pendingOffline"] == 25
    assert r["online"]["accepted"] == 25
    assert (r["sent"], r["unique"], r["stored"], r["pending"]) == (25, 25, 25, 0)


def test_lost_answers_are_resent_and_counted_once_by_the_server(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(12);
      server.loseAnswers = true;
      const lost = await queue.flush();
      server.loseAnswers = false;
      const retried = await queue.flush();
      return {lost, retried, stored: server.stored.size, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert r["lost"]["remaining"] == 12  # no answer: nothing may be deleted
    assert r["retried"]["duplicates"] == 10  # the first batch reached the server before
    assert r["retried"]["accepted"] == 2
    assert (r["stored"], r["pending"]) == (12, 0)


def test_a_reload_in_between_still_delivers_each_event_once(js: JsRunner, page: Page) -> None:
    pushed = js("event-queue.js", OPEN + """
      server.down = true;
      const ids = (await pushMany(12)).map((e) => e.id);
      await queue.flush();
      return ids;
    """)  # fmt: skip
    page.reload()  # the stand-in server and every object in the page are gone; IndexedDB stays
    r = js("event-queue.js", OPEN + """
      const pending = await queue.pending();
      const report = await queue.flush();
      return {pending, report, batches: server.batches};
    """)  # fmt: skip
    assert r["pending"] == 12
    assert r["report"]["accepted"] == 12
    assert [i for b in r["batches"] for i in b] == pushed


def test_concurrent_flushes_send_each_event_once(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(25);
      server.delayMs = 30;  // slow answers: the flushes overlap
      const reports = await Promise.all([queue.flush(), queue.flush(), queue.flush(), queue.flush()]);
      const sent = server.batches.flat();
      return {sent: sent.length, unique: new Set(sent).size, sentPerFlush: reports.map((r) => r.sent),
              pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert r["sent"] == r["unique"] == 25
    assert r["sentPerFlush"] == [25, 0, 0, 0]
    assert r["pending"] == 0


def test_a_flush_called_during_another_waits_for_it(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(10);
      server.delayMs = 40;
      const first = queue.flush();
      await new Promise((r) => setTimeout(r, 5));
      await pushMany(5);  // while the first batch is on its way
      const second = await queue.flush();
      return {first: (await first).sent, second: second.sent,
              batches: server.batches.map((b) => b.length), maxActive: server.maxActive};
    """
    )
    r = js("event-queue.js", body)
    # The running flush drains what was pushed meanwhile; the waiting one finds nothing left.
    assert (r["first"], r["second"]) == (15, 0)
    assert r["batches"] == [10, 5]
    assert r["maxActive"] == 1  # one request at a time: the server sees the events in order


def test_rejected_events_are_dropped_not_retried(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const seen = [];
      queue.onRejected = (rejected) => seen.push(...rejected.map((x) => x.reason));
      await pushMany(3);
      const bad = await queue.push(event(9, {song_id: 'unknown-song'}));
      const report = await queue.flush();
      const again = await queue.flush();
      return {report, again, seen, bad: bad.id, pending: await queue.pending(), calls: server.calls};
    """
    )
    r = js("event-queue.js", body)
    assert r["report"]["accepted"] == 3
    assert r["report"]["rejected"] == [{"id": r["bad"], "reason": "unknown song"}]
    assert r["seen"] == ["unknown song"]
    assert r["pending"] == 0
    assert r["again"]["sent"] == 0
    assert r["calls"] == 1


def test_a_batch_refused_whole_is_resent_one_by_one_and_the_bad_event_dropped(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      server.refuseBadBatches = true;
      await pushMany(2);
      const bad = await queue.push(event(2, {type: 'bogus'}));
      await pushMany(2);
      const report = await queue.flush();
      return {report, bad: bad.id, stored: storedIds().length, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert r["report"]["rejected"] == [{"id": r["bad"], "reason": "HTTP 400"}]
    assert r["report"]["accepted"] == 4
    assert (r["stored"], r["pending"]) == (4, 0)


def test_signed_out_keeps_events_and_does_not_retry_by_itself(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(3);
      server.status = 401;
      const report = await queue.flush();
      await new Promise((r) => setTimeout(r, 150));
      const calls = server.calls;
      server.status = 200;
      const later = await queue.flush();
      return {report, calls, later};
    """
    )
    r = js("event-queue.js", body, {"retryBaseMs": 10})
    assert r["report"]["error"] == "HTTP 401: not signed in"
    assert r["report"]["remaining"] == 3
    assert r["calls"] == 1  # no retry timer: only a sign-in can help
    assert r["later"]["accepted"] == 3


def test_failures_retry_with_growing_backoff_until_delivered(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(4);
      const times = [];
      const started = performance.now();
      // Down for the first three attempts, then up.
      let attempts = 0;
      Object.defineProperty(server, 'down', {get: () => { attempts += 1; times.push(performance.now() - started); return attempts <= 3; }});
      await queue.flush();
      for (let i = 0; i < 200 && (await queue.pending()) > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      return {pending: await queue.pending(), attempts, times, stored: server.stored.size};
    """
    )
    r = js("event-queue.js", body, {"retryBaseMs": 40})
    assert r["pending"] == 0
    assert r["stored"] == 4
    assert r["attempts"] == 4
    gaps = [b - a for a, b in zip(r["times"], r["times"][1:], strict=False)]
    # Delays of 40, 80 and 160 ms, each with jitter down to half: 20–40, 40–80, 80–160 (the
    # upper bounds leave room for a busy machine's late timers).
    assert 19 <= gaps[0] <= 40 + 200
    assert 39 <= gaps[1] <= 80 + 200
    assert 79 <= gaps[2] <= 160 + 200


def test_keepalive_flush_starts_its_requests_synchronously(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(12);
      const callsBefore = server.calls;
      const done = queue.flushKeepalive();
      const callsRightAway = server.calls;  // before any await: the page may freeze any moment
      const report = await done;
      return {callsBefore, callsRightAway, report, options: server.options, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert (r["callsBefore"], r["callsRightAway"]) == (0, 2)
    assert r["options"] == [{"keepalive": True}, {"keepalive": True}]
    assert r["report"]["accepted"] == 12
    assert r["pending"] == 0


def test_flush_on_hide_sends_on_pagehide_and_visibility_hidden(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const stop = queue.flushOnHide();
      await pushMany(3);
      window.dispatchEvent(new Event('pagehide'));
      const afterPageHide = server.calls;
      for (let i = 0; i < 50 && (await queue.pending()) > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      await pushMany(2);
      Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
      document.dispatchEvent(new Event('visibilitychange'));
      const afterHidden = server.calls;
      for (let i = 0; i < 50 && (await queue.pending()) > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      stop();
      await pushMany(1);
      window.dispatchEvent(new Event('pagehide'));
      return {afterPageHide, afterHidden, finalCalls: server.calls, stored: server.stored.size,
              pending: await queue.pending(), keepalive: server.options.every((o) => o?.keepalive === true)};
    """
    )
    r = js("event-queue.js", body)
    assert (r["afterPageHide"], r["afterHidden"]) == (1, 2)
    assert r["finalCalls"] == 2  # listeners removed
    assert r["stored"] == 5
    assert r["pending"] == 1
    assert r["keepalive"] is True


def test_keepalive_skips_events_a_flush_is_already_sending(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      await pushMany(10);
      server.delayMs = 50;
      const flushing = queue.flush();
      await new Promise((r) => setTimeout(r, 10));  // the flush's request is in flight
      await pushMany(2);
      const keepalive = await queue.flushKeepalive();
      await flushing;
      const sent = server.batches.flat();
      return {keepalive, sent: sent.length, unique: new Set(sent).size, pending: await queue.pending()};
    """
    )
    r = js("event-queue.js", body)
    assert r["keepalive"]["sent"] == 2
    assert r["sent"] == r["unique"] == 12
    assert r["pending"] == 0


def test_the_same_event_pushed_twice_is_queued_once(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const first = await queue.push(event(1, {id: 'fixed-id'}));
      await queue.push(event(1, {id: 'fixed-id'}));
      return {first: first.id, pending: await queue.pending()};
    """
    )
    assert js("event-queue.js", body) == {"first": "fixed-id", "pending": 1}


def test_fetch_sender_posts_the_api_body_with_the_csrf_header(js: JsRunner) -> None:
    body = """
      const calls = [];
      const fetchImpl = async (url, init) => { calls.push({url, ...init}); return {ok: true, status: 200}; };
      const send = m.fetchSender({csrfToken: () => 'tok-123', fetchImpl});
      await send([{id: 'e1', type: 'play'}]);
      await send([{id: 'e2', type: 'skip'}], {keepalive: true});
      const anonymous = m.fetchSender({fetchImpl, url: '/other'});
      await anonymous([{id: 'e3'}]);
      return calls.map((c) => ({...c, body: JSON.parse(c.body)}));
    """
    calls = js("event-queue.js", body)
    assert calls[0] == {
        "url": "/api/events",
        "method": "POST",
        "headers": {"Content-Type": "application/json", "X-CSRF-Token": "tok-123"},
        "body": {"events": [{"id": "e1", "type": "play"}]},
        "credentials": "same-origin",
        "keepalive": False,
    }
    assert calls[1]["keepalive"] is True
    assert calls[2]["url"] == "/other"
    assert "X-CSRF-Token" not in calls[2]["headers"]


def test_open_checks_its_arguments(js: JsRunner) -> None:
    body = """
      const errors = [];
      for (const options of [{}, {send: () => {}, batchSize: 0}, {send: () => {}, batchSize: 101}]) {
        try { await m.EventQueue.open(options); errors.push('none'); } catch (e) { errors.push(e.name); }
      }
      return errors;
    """
    assert js("event-queue.js", body) == ["TypeError", "RangeError", "RangeError"]


def test_keepalive_flush_stays_within_the_keepalive_byte_budget(js: JsRunner) -> None:
    body = (
        OPEN
        + """
      const context = {note: 'x'.repeat(3900)};  // near the API's 4 KiB context limit
      await pushMany(30, {context});
      const report = await queue.flushKeepalive();
      return {budget: m.KEEPALIVE_BUDGET_BYTES, report, batches: server.batches.map((b) => b.length)};
    """
    )
    r = js("event-queue.js", body)
    # A batch of 10 such events is ~40 KiB: one fits under 60 KiB, two do not.
    assert r["budget"] == 60 * 1024
    assert r["batches"] == [10]
    assert r["report"]["remaining"] == 20
