/**
 * The internet radio player: a plain <audio> element playing a station's stream straight
 * from the station's server. A station never ends and cannot be seeked, windowed or kept
 * offline, so it does not go through the engine's Media Source windows or the song queue;
 * starting a station pauses the song player and playing a song stops the station (app.js).
 *
 * While a station plays, its now-playing title is asked of the server (which reads the
 * stream's ICY metadata and caches it for everyone) every TITLE_EVERY_MS.
 */

import { api } from "../api.js";

const TITLE_EVERY_MS = 15_000;

export class RadioPlayer extends EventTarget {
  /** @param {{audio?: HTMLAudioElement}} [options] the element to play through (tests) */
  constructor({ audio } = {}) {
    super();
    this.audio = audio || new Audio();
    this.audio.preload = "none";
    /** @type {{id: string, name: string, stream_url: string, homepage_url: string|null}|null} */
    this.station = null;
    /** @type {string|null} what the station says it plays now */
    this.title = null;
    this.error = null;
    this.timer = null;
    for (const event of ["playing", "pause", "waiting", "error"]) this.audio.addEventListener(event, () => this.changed());
    this.audio.addEventListener("error", () => {
      if (this.station) this.error = "The station cannot be played right now.";
      this.changed();
    });
  }

  /** True while the station's audio is playing (not paused, not stopped). */
  get playing() {
    return Boolean(this.station) && !this.audio.paused;
  }

  /** Plays `station` (stopping another); resolves once the browser accepted to play. */
  async play(station) {
    if (this.station?.id !== station.id) {
      this.stop();
      this.station = station;
      this.audio.src = station.stream_url;
      this.refreshTitle();
    }
    this.error = null;
    this.dispatchEvent(new Event("start"));
    this.changed();
    try {
      await this.audio.play();
    } catch (error) {
      if (error.name !== "AbortError") this.error = "The station cannot be played right now.";
      this.changed();
    }
  }

  /** Stops the station and lets go of its stream (a paused stream would keep downloading). */
  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.station) return;
    this.station = null;
    this.title = null;
    this.error = null;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.changed();
  }

  /** Asks the server what the station plays now, and again every TITLE_EVERY_MS. */
  async refreshTitle() {
    clearTimeout(this.timer);
    const station = this.station;
    if (!station) return;
    try {
      const answer = await api(`api/radio/stations/${encodeURIComponent(station.id)}/now-playing`);
      if (this.station !== station) return;
      this.title = answer.title;
      this.changed();
    } catch {
      // Offline or the server is away: keep the last title, ask again later.
    }
    if (this.station === station) this.timer = setTimeout(() => this.refreshTitle(), TITLE_EVERY_MS);
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }
}
