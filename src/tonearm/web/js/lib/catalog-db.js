/**
 * The catalogue copy in IndexedDB, kept current by delta sync, for browsing and searching
 * without a network.
 *
 * `GET /api/songs/delta?since=CURSOR&limit=N` (src/tonearm/api/rest/library.py, README
 * "Delta sync") answers `{added: [SongOut], updated: [SongOut], removed: [id], cursor: int,
 * has_more: bool}`. Start with since=0 (a full sync), keep `cursor`, call again while
 * `has_more`; later syncs send the kept cursor. `added` and `updated` are upserted alike;
 * `removed` may name a song never seen (ignored). Each page is applied in one transaction
 * together with its cursor, so an interrupted sync resumes where it stopped and never skips
 * or half-applies a page.
 *
 * Rows are SongOut objects as the API returns them; the store adds two keys of its own
 * (`_titleKey`, `_searchText`) that are removed before a song is handed out.
 *
 * @module catalog-db
 */

import { Mutex, STORES, getAll, openDatabase, readOne, requestResult, transact } from "./idb.js";

const SONGS = STORES.songs;
const META = STORES.catalogMeta;
const CURSOR_KEY = "delta_cursor";

/** Songs read per delta request (the API allows up to 1000). */
export const DELTA_PAGE_SIZE = 500;

/** Lower case without accents, for matching "beyonce" to "Beyoncé". */
export function foldText(text) {
  return String(text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
}

function row(song) {
  const searchable = [song.title, ...(song.artists ?? []), song.album, song.album_artist];
  return {
    ...song,
    _titleKey: foldText(song.title),
    _searchText: foldText(searchable.filter(Boolean).join("\n")),
  };
}

function song(stored) {
  if (!stored) return null;
  const { _titleKey, _searchText, ...out } = stored;
  return out;
}

export class CatalogDb {
  #db;
  #lock = new Mutex();

  /** Use CatalogDb.open(). */
  constructor(db) {
    this.#db = db;
  }

  /**
   * Open the catalogue copy in database `dbName`.
   * @param {{dbName?: string}} [options]
   * @returns {Promise<CatalogDb>}
   */
  static async open({ dbName = "tonearm" } = {}) {
    return new CatalogDb(await openDatabase(dbName));
  }

  /** The delta cursor of the last page applied (0 before the first sync). */
  async cursor() {
    const stored = await readOne(this.#db, META, CURSOR_KEY);
    return stored?.value ?? 0;
  }

  /**
   * Bring the copy up to date: ask for delta pages from the kept cursor until `has_more` is
   * false, applying each one as it comes. Syncs run one at a time.
   *
   * Throws what `fetchJson` throws (the pages applied before stay applied), and an Error
   * when the server says `has_more` without moving its cursor.
   * @param {(path: string) => Promise<object>} fetchJson GETs a path of the API, returns its JSON
   * @param {{pageSize?: number}} [options]
   * @returns {Promise<{added: number, updated: number, removed: number, cursor: number,
   *   pages: number}>}
   */
  async sync(fetchJson, { pageSize = DELTA_PAGE_SIZE } = {}) {
    return this.#lock.run(async () => {
      const totals = { added: 0, updated: 0, removed: 0, cursor: await this.cursor(), pages: 0 };
      for (;;) {
        const since = totals.cursor;
        const page = await fetchJson(`/api/songs/delta?since=${since}&limit=${pageSize}`);
        await this.#apply(page);
        totals.added += page.added.length;
        totals.updated += page.updated.length;
        totals.removed += page.removed.length;
        totals.cursor = page.cursor;
        totals.pages += 1;
        if (!page.has_more) return totals;
        if (!(page.cursor > since)) {
          throw new Error(
            `delta sync: has_more at cursor ${page.cursor}, which did not advance from ${since}`,
          );
        }
      }
    });
  }

  /** One song by id, or null. */
  async song(id) {
    return song(await readOne(this.#db, SONGS, id));
  }

  /**
   * Songs in title order (case and accents ignored), `offset` skipped, at most `limit`.
   * @param {{limit?: number, offset?: number}} [options]
   */
  async songs({ limit = 100, offset = 0 } = {}) {
    return transact(this.#db, [SONGS], "readonly", (s) => {
      const out = [];
      let skipped = 0;
      return new Promise((resolve, reject) => {
        const request = s[SONGS].index("by_title").openCursor();
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const cursor = request.result;
          if (!cursor || out.length >= limit) return resolve(out);
          if (skipped < offset) {
            // advance() jumps the rest of the offset at once instead of one step per row.
            const jump = offset - skipped;
            skipped = offset;
            return cursor.advance(jump);
          }
          out.push(song(cursor.value));
          cursor.continue();
        };
      });
    });
  }

  /** How many songs the copy holds. */
  async count() {
    return transact(this.#db, [SONGS], "readonly", (s) => requestResult(s[SONGS].count()));
  }

  /**
   * Songs whose title, artists, album or album artist contain every word of `text` (case and
   * accents ignored), best first: title starts with the text, then a title word starts with
   * it, then the rest; ties in title order. Empty text finds nothing.
   *
   * A scan of the whole copy: a personal library of tens of thousands of songs is searched in
   * well under 100 ms, and it is the offline fallback to the server's search.
   * @param {string} text
   * @param {{limit?: number}} [options]
   */
  async search(text, { limit = 50 } = {}) {
    const query = foldText(text).trim();
    const words = query.split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const rows = await transact(this.#db, [SONGS], "readonly", (s) =>
      getAll(s[SONGS].index("by_title")),
    );
    const rank = (r) => {
      if (r._titleKey.startsWith(query)) return 0;
      if (r._titleKey.split(/\s+/).some((word) => word.startsWith(words[0]))) return 1;
      return 2;
    };
    return rows
      .filter((r) => words.every((word) => r._searchText.includes(word)))
      .map((r, order) => ({ r, order, rank: rank(r) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .slice(0, limit)
      .map(({ r }) => song(r));
  }

  /** Forget the copy and its cursor (sign-out, another user). */
  async clear() {
    await transact(this.#db, [SONGS, META], "readwrite", (s) => {
      s[SONGS].clear();
      s[META].clear();
    });
  }

  /** Close the IndexedDB connection. */
  close() {
    this.#db.close();
  }

  async #apply(page) {
    await transact(this.#db, [SONGS, META], "readwrite", (s) => {
      for (const changed of [...page.added, ...page.updated]) s[SONGS].put(row(changed));
      for (const id of page.removed) s[SONGS].delete(id);
      s[META].put({ key: CURSOR_KEY, value: page.cursor });
    });
  }
}
