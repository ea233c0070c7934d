/**
 * The songs the user likes: a copy of the server's list for the ♥ buttons and menus, kept
 * current by whoever likes or dislikes a song here (with a like/unlike/dislike listening
 * event). A "change" event tells the buttons on screen to repaint.
 */

import { api } from "./api.js";
import { announce, guard } from "./notices.js";

export class Likes extends EventTarget {
  /** @param {{tracker: any}} deps the listening tracker (null without an event queue) */
  constructor({ tracker }) {
    super();
    this.tracker = tracker;
    this.ids = new Set();
  }

  /** @param {string} songId */
  has(songId) {
    return this.ids.has(songId);
  }

  /** Reads the liked songs from the server (offline: they show once it is back). */
  async load() {
    try {
      const page = await api("api/user/likes?limit=200");
      this.ids = new Set(page.items.map((item) => item.song.id));
      this.dispatchEvent(new Event("change"));
    } catch {
      // Offline: likes show once the server is back.
    }
  }

  /** Likes or unlikes a song (the API, and a like/unlike listening event). */
  async toggle(song) {
    const liked = this.ids.has(song.id);
    const done = await guard(api(`api/songs/${song.id}/like`, { method: liked ? "DELETE" : "PUT" }), true);
    if (done === undefined) return;
    if (liked) this.ids.delete(song.id);
    else this.ids.add(song.id);
    this.tracker?.action(liked ? "unlike" : "like", song).catch(() => {});
    this.dispatchEvent(new Event("change"));
  }

  /** "Less like this": a dislike listening event. */
  async dislike(song) {
    await this.tracker?.action("dislike", song);
    announce(`Noted: less like ${song.title}`);
  }
}
