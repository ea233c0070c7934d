/**
 * Sonic radio: play a song, then the songs that sound most like it (GET
 * /api/songs/{id}/sonic-similar); while it plays, the queue is topped up from the songs most
 * like the one playing whenever fewer than LOW_WATER are left. It ends as soon as something
 * else replaces the queue (the queue's list is then another array).
 */

import { api, query } from "../api.js";
import { announce } from "../notices.js";

const FIRST = 20; // songs queued when the radio starts (the seed first)
const LOW_WATER = 3; // songs left after the current one that trigger a top-up
const TOP_UP = 5; // songs added per top-up
const ASK = 25; // similar songs asked for per top-up (some are already queued)

/** @type {WeakMap<object, SonicRadio>} one radio per player */
const radios = new WeakMap();

/**
 * What to tell someone when a sonic request fails: the server's own words for a song not
 * analysed yet (404) or a server that cannot compare (503).
 * @param {any} error an ApiError
 * @returns {string}
 */
export function sonicFailure(error) {
  if (error.offline) return "You are offline: sonic radio needs the server.";
  if (error.status === 404) return "This song has not been analysed yet, so nothing can be matched to it.";
  return error.message;
}

/**
 * The songs most like `songId`, best first (each with `similarity`).
 * @param {string} songId
 * @param {number} count
 * @returns {Promise<Array<any>>}
 */
export async function similarSongs(songId, count) {
  const found = await api(`api/songs/${encodeURIComponent(songId)}/sonic-similar` + query({ count }));
  return found.items;
}

class SonicRadio {
  constructor(player) {
    this.player = player;
    this.songs = null; // the queue's array while the radio owns it
    this.busy = false;
    player.addEventListener("change", () => this.topUp());
  }

  async start(seed) {
    const similar = await similarSongs(seed.id, FIRST - 1);
    await this.player.playList([seed, ...similar], 0);
    this.songs = this.player.queue.songs;
    announce(similar.length ? `Sonic radio from ${seed.title}` : `Nothing sounds like ${seed.title} yet`);
  }

  async topUp() {
    const queue = this.player.queue;
    if (!this.songs || this.busy) return;
    if (queue.songs !== this.songs) {
      this.songs = null; // something else is playing now
      return;
    }
    const left = queue.songs.length - 1 - queue.index;
    const current = queue.current;
    if (left >= LOW_WATER || !current) return;
    this.busy = true;
    try {
      const queued = new Set(queue.songs.map((song) => song.id));
      const fresh = (await similarSongs(current.id, ASK)).filter((song) => !queued.has(song.id)).slice(0, TOP_UP);
      if (fresh.length && queue.songs === this.songs) this.player.add(fresh);
    } catch {
      // A failed top-up is tried again at the next change; the queue still plays.
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Starts sonic radio from `song` on `player`; a failure is announced, not thrown.
 * @param {any} player the PlayerController
 * @param {{id: string, title: string}} song
 */
export async function startSonicRadio(player, song) {
  let radio = radios.get(player);
  if (!radio) {
    radio = new SonicRadio(player);
    radios.set(player, radio);
  }
  try {
    await radio.start(song);
  } catch (error) {
    announce(sonicFailure(error), { error: true });
  }
}
