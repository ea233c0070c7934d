/**
 * The listening-event queue: events are kept in IndexedDB until the server has them.
 *
 * `push` gives an event its client id (`id`, a UUID) and writes it to IndexedDB before
 * anything else, so a crash, a closed tab or a lost network loses nothing. `flush` sends the
 * queue in order, in batches of up to `batchSize` (10), through the injected `send`, and
 * deletes a batch only once the server answered it: `POST /api/events` (see
 * src/tonearm/api/rest/events.py) is idempotent by event id, so a batch sent twice (a lost
 * answer, a flush on page hide racing a normal one) is stored once, the repeats coming back as
 * `duplicates`. Events the server `rejected` (unknown song, timestamp in the future, context
 * over 4 KiB) are dropped, never retried.
 *
 * What a send's outcome means:
 * - 2xx with `{accepted, duplicates, rejected}`: the batch is done; delete it.
 * - 400/413/422: the batch as a whole was refused (one malformed event fails the body's
 *   validation). The events are resent one by one; one refused alone is dropped.
 * - 401/403: signed out or the CSRF token is stale: keep everything and stop until the next
 *   flush (after signing in again).
 * - a thrown error (offline), 408, 429 or 5xx: keep everything and retry with exponential
 *   backoff (retryBaseMs doubling up to retryMaxMs, with jitter).
 *
 * @module event-queue
 */

import { Mutex, STORES, getAll, openDatabase, requestResult, transact } from "./idb.js";

const STORE = STORES.events;

/** The server takes at most 100 events a request; the specification sends batches of 10. */
export const DEFAULT_BATCH_SIZE = 10;
/**
 * Chromium refuses a keepalive request once the bodies of all in-flight keepalive requests
 * exceed 64 KiB; stay under it with room for the JSON wrapper.
 */
export const KEEPALIVE_BUDGET_BYTES = 60 * 1024;

/**
 * @typedef {object} ListeningEvent the body of one event (EventIn in events.py)
 * @property {string} [id] client event id; push() assigns one
 * @property {"play"|"skip"|"complete"|"replay"|"like"|"unlike"|"dislike"|"add_to_playlist"} type
 * @property {string} song_id
 * @property {string} [timestamp] ISO 8601 with a zone; push() uses now when absent
 * @property {string} session_id
 * @property {number} [position_ms]
 * @property {object} [context] time of day, previous songs, network, tap-to-audio…; ≤ 4 KiB
 */

/**
 * @typedef {object} FlushReport
 * @property {number} sent events the server answered for
 * @property {number} accepted
 * @property {number} duplicates
 * @property {Array<{id: string, reason: string}>} rejected dropped: refused by the server
 * @property {number} remaining still queued
 * @property {string|null} error why sending stopped early, null when the queue was emptied
 */

/**
 * A `send` for EventQueue that POSTs `{"events": batch}` to `url` with fetch, sending the
 * CSRF header that cookie sessions need (which navigator.sendBeacon cannot set: hence fetch
 * with `keepalive` on page hide).
 *
 * @param {{url?: string, csrfToken?: () => (string|null), fetchImpl?: typeof fetch}} [options]
 * @returns {(batch: ListeningEvent[], options?: {keepalive?: boolean}) => Promise<Response>}
 */
export function fetchSender({ url = "/api/events", csrfToken = () => null, fetchImpl } = {}) {
  return (batch, { keepalive = false } = {}) => {
    const headers = { "Content-Type": "application/json" };
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
    const doFetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
    return doFetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ events: batch }),
      credentials: "same-origin",
      keepalive,
    });
  };
}

export class EventQueue {
  #db;
  #send;
  #lock = new Mutex();
  #retryTimer = null;
  #failures = 0;
  // Ids of events being sent (by flush or flushKeepalive): neither sends them again meanwhile.
  #inFlight = new Set();
  // This tab's view of the queue (seq → event), so flushKeepalive can start its requests
  // synchronously in a pagehide handler, before the page may be frozen.
  #mirror = new Map();

  /** Use EventQueue.open(). */
  constructor(db, send, options, waiting = []) {
    this.#db = db;
    for (const event of waiting) this.#mirror.set(event.seq, event);
    this.#send = send;
    this.batchSize = options.batchSize;
    this.autoFlush = options.autoFlush;
    this.retryBaseMs = options.retryBaseMs;
    this.retryMaxMs = options.retryMaxMs;
    this.onRejected = options.onRejected;
  }

  /**
   * Open the queue stored in database `dbName`.
   *
   * @param {object} options
   * @param {string} [options.dbName]
   * @param {(batch: ListeningEvent[], options?: {keepalive?: boolean}) => Promise<{ok: boolean,
   *   status: number, json: () => Promise<any>}>} options.send delivers one batch; see
   *   fetchSender. Throws (rejects) when the network is down.
   * @param {number} [options.batchSize] at most this many events a request (10)
   * @param {boolean} [options.autoFlush] push() starts a flush of full batches once
   *   `batchSize` events are waiting (default true)
   * @param {number} [options.retryBaseMs] first retry delay after a failed send (1 s)
   * @param {number} [options.retryMaxMs] longest retry delay (5 min)
   * @param {(rejected: Array<{id: string, reason: string}>) => void} [options.onRejected]
   * @returns {Promise<EventQueue>}
   */
  static async open({
    dbName = "tonearm",
    send,
    batchSize = DEFAULT_BATCH_SIZE,
    autoFlush = true,
    retryBaseMs = 1000,
    retryMaxMs = 5 * 60 * 1000,
    onRejected = () => {},
  } = {}) {
    if (typeof send !== "function") throw new TypeError("EventQueue.open: send must be a function");
    if (!(batchSize >= 1 && batchSize <= 100)) throw new RangeError("batchSize must be 1–100");
    const db = await openDatabase(dbName);
    const waiting = await transact(db, [STORE], "readonly", (s) => getAll(s[STORE]));
    const options = { batchSize, autoFlush, retryBaseMs, retryMaxMs, onRejected };
    return new EventQueue(db, send, options, waiting);
  }

  /**
   * Queue an event. Resolves once it is in IndexedDB, with the event as stored (its `id`
   * assigned, its `timestamp` filled in). Pushing an event with an id already queued
   * replaces nothing and queues nothing.
   * @param {ListeningEvent} event
   * @returns {Promise<ListeningEvent>}
   */
  async push(event) {
    const stored = {
      ...event,
      id: event.id ?? crypto.randomUUID(),
      timestamp: event.timestamp ?? new Date().toISOString(),
    };
    const seq = await transact(this.#db, [STORE], "readwrite", async (s) => {
      const existing = await requestResult(s[STORE].index("by_id").getKey(stored.id));
      return existing === undefined ? requestResult(s[STORE].add(stored)) : null;
    });
    if (seq !== null) this.#mirror.set(seq, { ...stored, seq });
    if (this.autoFlush && (await this.pending()) >= this.batchSize) {
      // In the background: the caller has what it needs (the event is safe on disk).
      this.flush({ fullBatchesOnly: true }).catch(() => {});
    }
    return stored;
  }

  /** How many events are waiting. @returns {Promise<number>} */
  async pending() {
    return transact(this.#db, [STORE], "readonly", (s) => requestResult(s[STORE].count()));
  }

  /** The events waiting, oldest first (with their `seq`, the queue's own key). */
  async events() {
    return transact(this.#db, [STORE], "readonly", (s) => getAll(s[STORE]));
  }

  /**
   * Send what is waiting, in batches, until the queue is empty or a send fails.
   *
   * Flushes run one at a time: a second call waits for the first and then sends whatever is
   * left, so no event is sent twice by two flushes. A failure schedules a retry with backoff
   * and is reported, not thrown.
   * @param {{fullBatchesOnly?: boolean}} [options] send only full batches (what push uses)
   * @returns {Promise<FlushReport>}
   */
  async flush({ fullBatchesOnly = false } = {}) {
    return this.#lock.run(() => this.#flushNow(fullBatchesOnly));
  }

  /**
   * Send what is waiting at once with `keepalive` fetches, for when the page is being hidden
   * or unloaded and an ordinary request may be cancelled. The requests start synchronously
   * (from this tab's in-memory copy of the queue), before the returned promise settles.
   * Sends at most KEEPALIVE_BUDGET_BYTES of events, skipping any a flush is sending already.
   * Events are deleted only if the answer arrives while the page still runs; otherwise the
   * next flush sends them again and the server counts them once.
   * @returns {Promise<FlushReport>}
   */
  async flushKeepalive() {
    const waiting = [...this.#mirror.values()]
      .sort((a, b) => a.seq - b.seq)
      .filter((e) => !this.#inFlight.has(e.id));
    const batches = [];
    let budget = KEEPALIVE_BUDGET_BYTES;
    for (let i = 0; i < waiting.length; i += this.batchSize) {
      const batch = waiting.slice(i, i + this.batchSize);
      const size = new Blob([JSON.stringify({ events: batch.map(bodyOf) })]).size;
      if (size > budget) break;
      budget -= size;
      batches.push(batch);
    }
    // Every request is started before any answer is awaited: the page may be frozen soon.
    const report = emptyReport();
    const sends = batches.map((batch) => this.#deliver(batch, { keepalive: true }, report));
    for (const sending of sends) {
      const outcome = await sending;
      if (outcome.kind === "refused") {
        report.error ??= `HTTP ${outcome.status}`;
      } else {
        report.error ??= outcome.error;
      }
    }
    report.remaining = await this.pending();
    return report;
  }

  /**
   * Flush with keepalive whenever the page is hidden (visibilitychange to hidden, pagehide):
   * the last moment a page on a phone is sure to run. Returns a function that removes the
   * listeners.
   * @param {{target?: EventTarget, doc?: Document}} [options]
   * @returns {() => void}
   */
  flushOnHide({ target = globalThis, doc = globalThis.document } = {}) {
    const onVisibility = () => {
      if (doc.visibilityState === "hidden") this.flushKeepalive().catch(() => {});
    };
    const onPageHide = () => this.flushKeepalive().catch(() => {});
    doc?.addEventListener("visibilitychange", onVisibility);
    target.addEventListener("pagehide", onPageHide);
    return () => {
      doc?.removeEventListener("visibilitychange", onVisibility);
      target.removeEventListener("pagehide", onPageHide);
    };
  }

  /** Stop the retry timer and close the database connection. */
  close() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#db.close();
  }

  async #flushNow(fullBatchesOnly) {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const report = emptyReport();
    for (;;) {
      const waiting = await this.#oldest(this.batchSize);
      if (waiting.length === 0 || (fullBatchesOnly && waiting.length < this.batchSize)) break;
      const outcome = await this.#deliver(waiting, {}, report);
      if (outcome.kind === "answered") {
        this.#failures = 0;
        continue;
      }
      if (outcome.kind === "refused" && [400, 413, 422].includes(outcome.status)) {
        const stopped = await this.#sendOneByOne(waiting, report);
        if (stopped === null) continue;
        report.error = stopped;
      } else if (outcome.kind === "refused" && [401, 403].includes(outcome.status)) {
        report.error = `HTTP ${outcome.status}: not signed in`;
        break; // no retry timer: retrying cannot help until someone signs in
      } else {
        report.error = outcome.kind === "refused" ? `HTTP ${outcome.status}` : outcome.error;
      }
      this.#scheduleRetry();
      break;
    }
    report.remaining = await this.pending();
    return report;
  }

  // One by one, to find the events a refused batch choked on. Returns null when every event
  // got an answer, else the error that stopped it.
  async #sendOneByOne(batch, report) {
    for (const event of batch) {
      const outcome = await this.#deliver([event], {}, report);
      if (outcome.kind === "answered") continue;
      if (outcome.kind === "refused" && [400, 413, 422].includes(outcome.status)) {
        // Refused on its own: this event is the malformed one. Dropped like a rejected one.
        const rejected = [{ id: event.id, reason: `HTTP ${outcome.status}` }];
        await this.#settle([event], { accepted: 0, duplicates: 0, rejected }, report);
        continue;
      }
      return outcome.kind === "refused" ? `HTTP ${outcome.status}` : outcome.error;
    }
    return null;
  }

  // Send one batch and, when answered, settle it. Its ids count as in flight until then, so
  // neither a flush nor flushKeepalive picks them up meanwhile.
  async #deliver(batch, options, report) {
    for (const event of batch) this.#inFlight.add(event.id);
    try {
      const outcome = await this.#sendOnce(batch, options);
      if (outcome.kind === "answered") await this.#settle(batch, outcome.body, report);
      return outcome;
    } finally {
      for (const event of batch) this.#inFlight.delete(event.id);
    }
  }

  // Never throws: the outcome says what happened.
  async #sendOnce(batch, options) {
    let response;
    try {
      response = await this.#send(batch.map(bodyOf), options);
    } catch (error) {
      return { kind: "failed", error: String(error?.message ?? error) };
    }
    if (!response?.ok) return { kind: "refused", status: response?.status ?? 0 };
    try {
      return { kind: "answered", body: (await response.json()) ?? {} };
    } catch (error) {
      // 2xx with an unreadable body: the server stored the batch; a resend would be a duplicate.
      return { kind: "answered", body: {} };
    }
  }

  async #settle(batch, body, report) {
    const seqs = batch.map((event) => event.seq);
    await transact(this.#db, [STORE], "readwrite", (s) => {
      for (const seq of seqs) s[STORE].delete(seq);
    });
    for (const seq of seqs) this.#mirror.delete(seq);
    const rejected = Array.isArray(body.rejected) ? body.rejected : [];
    report.sent += batch.length;
    report.accepted += Number(body.accepted ?? 0);
    report.duplicates += Number(body.duplicates ?? 0);
    report.rejected.push(...rejected);
    if (rejected.length > 0) this.onRejected(rejected);
  }

  // The oldest `count` events not already in flight.
  async #oldest(count) {
    const rows = await transact(this.#db, [STORE], "readonly", (s) =>
      requestResult(s[STORE].getAll(null, count + this.#inFlight.size)),
    );
    return rows.filter((event) => !this.#inFlight.has(event.id)).slice(0, count);
  }

  #scheduleRetry() {
    this.#failures += 1;
    const exponential = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (this.#failures - 1));
    // Jitter: many tabs or devices coming back online together do not retry in step.
    const delay = exponential * (0.5 + Math.random() / 2);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.flush().catch(() => {});
    }, delay);
  }
}

// The event as the API takes it: without the queue's own key.
function bodyOf(event) {
  const { seq, ...body } = event;
  return body;
}

function emptyReport() {
  return { sent: 0, accepted: 0, duplicates: 0, rejected: [], remaining: 0, error: null };
}
