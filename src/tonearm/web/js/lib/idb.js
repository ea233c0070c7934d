/**
 * The player's IndexedDB database: one schema for every module that keeps data in it.
 *
 * offline-cache.js, event-queue.js and catalog-db.js share one database (default name
 * "tonearm"). IndexedDB only creates object stores in an upgrade, and a database has one
 * version, so the stores of all three are declared here, in one place: a module opening the
 * database first would otherwise leave the others' stores missing.
 *
 * (downloads.js joined them in version 2, usage-ledger.js, the network-usage dashboard's
 * record, in version 3.)
 *
 * @module idb
 */

/** Bump when a store or index is added; `upgrade` below must handle every older version. */
export const SCHEMA_VERSION = 3;

/** Object store names, for the modules that use them. */
export const STORES = Object.freeze({
  offlineSongs: "offline_songs", // offline-cache.js: one row per cached song
  events: "events", // event-queue.js: listening events not yet acknowledged by the server
  songs: "catalog_songs", // catalog-db.js: the catalogue copy
  catalogMeta: "catalog_meta", // catalog-db.js: the delta-sync cursor
  // downloads.js (version 2): the download queue, its partial bytes, its switches
  downloads: "downloads",
  downloadChunks: "download_chunks",
  downloadMeta: "download_meta",
  // usage-ledger.js (version 3): network use recorded on this device
  usageDays: "usage_days", // one row per local day: bytes received by network, bytes saved
  usagePlays: "usage_plays", // one row per play: when, and its tap-to-audio
});

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore(STORES.offlineSongs, { keyPath: "songId" });
    // Auto-increment keys keep insertion order, so events are sent in the order they happened.
    const events = db.createObjectStore(STORES.events, { keyPath: "seq", autoIncrement: true });
    events.createIndex("by_id", "id", { unique: true });
    const songs = db.createObjectStore(STORES.songs, { keyPath: "id" });
    songs.createIndex("by_title", "_titleKey");
    db.createObjectStore(STORES.catalogMeta, { keyPath: "key" });
  }
  // downloads.js: one row per queued song; its saved bytes as [songId, offset] chunks.
  if (oldVersion < 2) {
    db.createObjectStore(STORES.downloads, { keyPath: "songId" });
    db.createObjectStore(STORES.downloadChunks, { keyPath: ["songId", "offset"] });
    db.createObjectStore(STORES.downloadMeta, { keyPath: "key" });
  }
  // Version 3: the network-usage ledger (usage-ledger.js).
  if (oldVersion < 3) {
    db.createObjectStore(STORES.usageDays, { keyPath: "day" });
    const plays = db.createObjectStore(STORES.usagePlays, { keyPath: "seq", autoIncrement: true });
    plays.createIndex("by_at", "at");
  }
}

/**
 * Open (creating or upgrading) the database `name`.
 *
 * The connection closes itself when another tab asks for a newer version, so an upgrade in
 * a fresh tab is never blocked by an old one still open.
 * @param {string} name
 * @returns {Promise<IDBDatabase>}
 */
export function openDatabase(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, SCHEMA_VERSION);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () =>
      reject(new Error(`IndexedDB ${name}: upgrade blocked by another tab`));
  });
}

/** The result of an IDBRequest, as a promise. */
export function requestResult(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `work(stores)` in one transaction over `storeNames` and resolve with its result once the
 * transaction has committed (not merely when the last request succeeded).
 *
 * `work` must only issue requests synchronously or chain them through request callbacks:
 * awaiting anything else inside it lets the transaction auto-commit early.
 * @template T
 * @param {IDBDatabase} db
 * @param {string[]} storeNames
 * @param {"readonly"|"readwrite"} mode
 * @param {(stores: Record<string, IDBObjectStore>) => T | Promise<T>} work
 * @returns {Promise<T>}
 */
export function transact(db, storeNames, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeNames, mode);
    const stores = Object.fromEntries(storeNames.map((name) => [name, tx.objectStore(name)]));
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    const fail = (error) => {
      try {
        tx.abort();
      } catch {
        // already finished: the original error is the one worth reporting
      }
      reject(error);
    };
    try {
      // Called synchronously: the transaction is only active until this task ends.
      Promise.resolve(work(stores)).then((value) => {
        result = value;
      }, fail);
    } catch (error) {
      fail(error);
    }
  });
}

/** Every value of a store (or index), in key order. */
export function getAll(source) {
  return requestResult(source.getAll());
}

/** The value under `key` in `storeName` (undefined when absent), in a transaction of its own. */
export function readOne(db, storeName, key) {
  return transact(db, [storeName], "readonly", (s) => requestResult(s[storeName].get(key)));
}

/**
 * A promise-chain mutex: `run(fn)` starts `fn` after every earlier `run` has settled.
 *
 * Used where two async steps (Cache Storage, then IndexedDB; read, send, delete) must not
 * interleave with another caller's.
 */
export class Mutex {
  #tail = Promise.resolve();

  /**
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  run(fn) {
    const result = this.#tail.then(fn);
    // The chain continues whether fn succeeded or not; the caller still sees the error.
    this.#tail = result.catch(() => {});
    return result;
  }
}
