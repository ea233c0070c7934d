/**
 * The player: the queue, the engine and everything that happens around a song — the
 * listening events, the gapless hand-over to the next song, prefetch at 80%, keeping
 * played songs in the offline cache, the Media Session (lock screen, headset keys), the
 * sleep timer and resuming where you left off after a reload.
 *
 * Emits "change" (queue, song or state changed) and "tick" (position moved) on itself.
 */

import { api } from "../api.js";
import { chooseQuality } from "../lib/quality.js";
import { nextSongs, shouldPrefetch } from "../lib/prefetch.js";
import { currentNetwork, opusPlayable } from "../network.js";
import { PlayQueue } from "./queue.js";
import { mashupId } from "./source.js";

const RESUME_KEY = "tonearm.player";
/** Without a prefetched beginning, the next song is laid behind the current one this late. */
const SCHEDULE_BEFORE_END_SECONDS = 10;
const PREFETCH_FRACTION = 0.8;
const SAVE_EVERY_MS = 3000;

export class Player extends EventTarget {
  /**
   * @param {{engine: import("./engine.js").Engine, source: import("./source.js").AudioSource,
   *   tracker: import("./listening.js").ListeningTracker|null,
   *   cache: import("../lib/offline-cache.js").OfflineCache|null,
   *   preferences: () => any}} options
   */
  constructor({ engine, source, tracker, cache, preferences, catalog = null }) {
    super();
    this.catalog = catalog;
    this.engine = engine;
    this.source = source;
    this.tracker = tracker;
    this.cache = cache;
    this.preferences = preferences;
    this.queue = new PlayQueue({ onChange: () => this.queueChanged() });
    /** Prefetches by song id: {state: "running"|"done"|"failed"}. */
    this.prefetches = new Map();
    this.scheduledFor = null;
    this.sleep = null;
    this.lastTap = null;
    this.lastSaved = 0;
    /** The last tap-to-audio measured, in ms (shown in the UI, read by tests). */
    this.lastTapToAudioMs = null;
    /** Every play started, for tests and the benchmark: {songId, quality, origin, tapToAudioMs}. */
    this.plays = [];
    /** Plays started on this page, by song id (the server's play_count lags behind). */
    this.localPlays = new Map();
    this.wire();
  }

  /** The song playing or paused. */
  get song() {
    return this.queue.current;
  }

  /** The quality the rule picks now for a new song. */
  chooseQuality() {
    const network = currentNetwork();
    return chooseQuality({
      networkType: network.type,
      throughputKbps: this.source.meter.kbps ?? network.downlinkKbps,
      preferences: this.preferences(),
      opusPlayable: opusPlayable(),
    });
  }

  /** Replaces the queue with `songs` and plays the one at `index` (a tap). */
  async playList(songs, index = 0, { tapAt = performance.now() } = {}) {
    this.leaveCurrent();
    this.queue.replace(songs, index);
    return this.startCurrent({ tapAt });
  }

  /** Plays the queue entry at `index` (a tap in the queue). */
  async playIndex(index, { tapAt = performance.now() } = {}) {
    this.leaveCurrent();
    this.queue.jump(index);
    return this.startCurrent({ tapAt });
  }

  /** The next song (the ⏭ button): a skip when under 30 s. */
  async next() {
    const index = this.queue.nextIndex(this.queue.index, { manual: true });
    if (index < 0) return;
    return this.playIndex(index);
  }

  /** Back to the start of the song, or the previous song within its first 3 s. */
  async previous() {
    if (this.engine.position > 3) return this.engine.seek(0);
    const index = this.queue.previousIndex();
    if (index >= 0) return this.playIndex(index);
    this.engine.seek(0);
  }

  /** Play or pause. */
  toggle() {
    if (!this.engine.current && this.song) {
      return this.resumeAt ? this.playResumed() : this.startCurrent({ tapAt: performance.now() });
    }
    if (this.engine.playing) this.engine.pause();
    else this.engine.resume();
  }

  seek(seconds) {
    this.engine.seek(seconds);
    this.dispatchEvent(new Event("tick"));
  }

  /** Inserts after the current song. */
  playNext(songs) {
    this.queue.playNext(songs);
  }

  /** Appends to the queue (starts playing when nothing was queued). */
  add(songs) {
    const wasEmpty = !this.song;
    this.queue.add(songs);
    if (wasEmpty) this.startCurrent({ tapAt: performance.now() });
  }

  async startCurrent({ tapAt, positionSeconds = 0, autoplay = true }) {
    const song = this.song;
    if (!song) return;
    this.lastTap = tapAt;
    this.scheduledFor = null;
    this.prefetches.clear();
    const quality = this.chooseQuality();
    this.dispatchEvent(new Event("change"));
    this.updateMediaSession();
    // Lists from search, playlists and history carry no ReplayGain: fill the song in beside
    // the play (not before it), and set the gain once known.
    this.completeSong(song).then((changed) => {
      if (changed && this.engine.current?.song === song) this.engine.applyReplayGain(this.engine.active, song);
    });
    try {
      await this.engine.play(song, { quality, tapAt, positionSeconds, autoplay });
    } catch (error) {
      this.dispatchEvent(new CustomEvent("error", { detail: { error } }));
    }
  }

  /** The song is no longer current: a skip when it was left early. */
  leaveCurrent() {
    const segment = this.engine.current;
    if (segment && this.trackerOf(segment.song)) this.tracker.left(segment.song, this.engine.position).catch(() => {});
  }

  queueChanged() {
    this.save(true);
    // What was laid behind the current song may no longer be what comes next.
    const next = this.upcoming()[0];
    if (this.scheduledFor && (!next || next.id !== this.scheduledFor)) {
      this.scheduledFor = null;
      this.engine.unscheduleNext().catch(() => {});
    }
    this.dispatchEvent(new Event("change"));
  }

  /** The next songs of the queue (up to 3), the prediction prefetch works from. */
  upcoming() {
    const ids = nextSongs(this.queue.songs, this.queue.index, { repeat: this.queue.repeat, count: 3 });
    const byId = new Map(this.queue.songs.map((song) => [song.id, song]));
    return ids.map((id) => byId.get(id)).filter(Boolean);
  }

  wire() {
    const events = this.engine.events;
    events.addEventListener("started", (event) => {
      const { segment, tapToAudioMs } = event.detail;
      this.lastTapToAudioMs = tapToAudioMs;
      this.recordStart(segment, tapToAudioMs, "tap");
    });
    events.addEventListener("trackchange", (event) => {
      const { from, to } = event.detail;
      if (from && this.trackerOf(from.song)) this.tracker.left(from.song, from.durationSeconds).catch(() => {});
      const index = this.queue.nextIndex();
      if (index >= 0) {
        this.queue.index = index;
      }
      this.scheduledFor = null;
      this.prefetches.clear();
      if (this.sleep?.endOfSong) {
        // "Sleep at the end of the song": the next one was already flowing; stop it at once.
        this.sleep = null;
        this.engine.pause();
      }
      this.recordStart(to, null, this.engine.settings().crossfadeSeconds > 0 ? "crossfade" : "gapless");
      this.save(true);
      this.updateMediaSession();
      this.dispatchEvent(new Event("change"));
    });
    events.addEventListener("timeupdate", () => this.onTime());
    events.addEventListener("statechange", () => {
      this.updateMediaSession();
      this.dispatchEvent(new Event("change"));
    });
    events.addEventListener("ended", () => {
      this.leaveCurrent();
      if (this.sleep?.endOfSong) {
        this.finishSleep();
      } else {
        // The next song was not laid behind in time (a slow network, a late queue change):
        // start it now, with a gap rather than not at all.
        const index = this.queue.nextIndex();
        if (index >= 0) {
          this.queue.jump(index);
          this.startCurrent({ tapAt: performance.now() });
          return;
        }
      }
      this.dispatchEvent(new Event("change"));
    });
    events.addEventListener("downloaded", (event) => this.keep(event.detail));
    events.addEventListener("error", (event) => {
      this.dispatchEvent(new CustomEvent("error", { detail: event.detail }));
    });
    window.addEventListener("pagehide", () => this.save(true));
  }

  recordStart(segment, tapToAudioMs, transition) {
    const play = {
      songId: segment.song.id,
      quality: segment.quality,
      origin: segment.origin,
      tapToAudioMs,
      transition,
    };
    this.plays.push(play);
    const id = segment.song.id;
    this.localPlays.set(id, (this.localPlays.get(id) || 0) + 1);
    // An absolute figure, so it does not matter whether this or the cache's put comes first.
    if (this.cache && !mashupId(id)) this.cache.recordPlay(id, this.playCount(segment.song)).catch(() => {});
    this.trackerOf(segment.song)
      ?.started(segment.song, { quality: segment.quality, origin: segment.origin, tapToAudioMs, transition })
      .catch(() => {});
  }

  onTime() {
    const segment = this.engine.current;
    if (!segment) return;
    const position = this.engine.position;
    const duration = segment.durationSeconds;
    this.trackerOf(segment.song)?.progressed(segment.song, position, duration).catch(() => {});
    const next = this.upcoming()[0];
    if (next && next.id !== segment.song.id) this.lookAhead(segment, next, position, duration);
    if (this.sleep && !this.sleep.endOfSong && Date.now() >= this.sleep.at) this.finishSleep();
    this.save(false);
    this.updatePositionState();
    this.dispatchEvent(new Event("tick"));
  }

  /**
   * At 80% of the song: fetch the first ~30 s of the next one (not on a metered
   * connection), then lay it behind this one for a gapless start. Without a prefetch (metered,
   * or it failed) the next song is laid behind only in the last seconds, so a song skipped
   * before then costs nothing.
   */
  lookAhead(segment, next, position, duration) {
    const network = currentNetwork();
    const prefetch = { positionSeconds: position, durationSeconds: duration, metered: network.metered };
    if (!this.prefetches.has(next.id) && shouldPrefetch({ ...prefetch, alreadyPrefetched: false })) {
      const started = this.source.prefetch(next, this.chooseQuality()).then(
        () => "done",
        () => "failed",
      );
      this.prefetches.set(next.id, { state: "running" });
      started.then((state) => {
        this.prefetches.set(next.id, { state });
        this.onTime();
      });
    }
    if (!segment.complete || this.scheduledFor === next.id || this.engine.active.segments.at(-1) !== segment) return;
    const prefetched = this.prefetches.get(next.id)?.state;
    const atEightyPercent = position / duration >= PREFETCH_FRACTION;
    const lastSeconds = duration - position <= SCHEDULE_BEFORE_END_SECONDS;
    // Without a prefetch (metered, or it failed), only the last seconds: a skip costs nothing.
    const unprefetchable = network.metered || prefetched === "failed";
    if ((atEightyPercent && prefetched === "done") || (lastSeconds && unprefetchable)) {
      this.scheduledFor = next.id;
      this.completeSong(next)
        .then(() => this.engine.scheduleNext(next, { quality: this.chooseQuality() }))
        .catch(() => (this.scheduledFor = null));
    }
  }

  /**
   * Adds what a short song entry lacks (ReplayGain, play count) from the catalogue copy, or
   * the API when the copy does not have it. Resolves to whether the song changed.
   */
  async completeSong(song) {
    if ("replaygain_track_gain_db" in song) return false;
    let full = null;
    try {
      full = (await this.catalog?.song(song.id)) || (await api(`api/songs/${song.id}`));
    } catch {
      return false;
    }
    if (!full) return false;
    for (const [key, value] of Object.entries(full)) if (!(key in song)) song[key] = value;
    return true;
  }

  /** Plays of the song: the server's count plus those this page started since it loaded. */
  playCount(song) {
    return (song.play_count || 0) + (this.localPlays.get(song.id) || 0);
  }

  /**
   * Who records listening events for `song`: none for a mashup, which is not a song (no
   * plays, skips or likes are counted for it, and it stays out of the offline cache).
   */
  trackerOf(song) {
    return mashupId(song.id) ? null : this.tracker;
  }

  /** A song fetched whole from its start goes into the offline cache. */
  keep({ segment, blob }) {
    if (!this.cache || mashupId(segment.song.id)) return;
    this.cache
      .put(segment.song.id, segment.quality, blob, {
        playCount: this.playCount(segment.song),
        lastPlayedAt: Date.now(),
      })
      .then(() => this.dispatchEvent(new CustomEvent("cached", { detail: { songId: segment.song.id } })))
      .catch(() => {});
  }

  /** Sets the sleep timer: minutes from now, "end" (end of the song), or null to cancel. */
  setSleepTimer(minutes) {
    if (minutes === null) this.sleep = null;
    else if (minutes === "end") this.sleep = { endOfSong: true };
    else this.sleep = { at: Date.now() + minutes * 60_000, endOfSong: false };
    this.dispatchEvent(new Event("change"));
  }

  finishSleep() {
    this.sleep = null;
    const fadeSeconds = 5;
    this.engine.fadeOut(fadeSeconds);
    setTimeout(() => {
      this.engine.pause();
      this.engine.restoreVolume();
      this.dispatchEvent(new Event("change"));
    }, fadeSeconds * 1000);
  }

  /** Keeps the queue and position, so a reload resumes where you were. */
  save(force) {
    const now = Date.now();
    if (!force && now - this.lastSaved < SAVE_EVERY_MS) return;
    this.lastSaved = now;
    const state = { ...this.queue.snapshot(), positionSeconds: this.engine.position };
    try {
      localStorage.setItem(RESUME_KEY, JSON.stringify(state));
    } catch {
      // Storage full: resuming is a convenience.
    }
  }

  /** Restores the saved queue, paused at the saved position. */
  async resume() {
    let state = null;
    try {
      state = JSON.parse(localStorage.getItem(RESUME_KEY) || "null");
    } catch {
      state = null;
    }
    if (!state || !state.songs?.length) return false;
    this.queue.restore(state);
    this.resumeAt = state.positionSeconds || 0;
    this.dispatchEvent(new Event("change"));
    return true;
  }

  /** After a resume: the first play starts at the saved position. */
  async playResumed() {
    const at = this.resumeAt || 0;
    this.resumeAt = 0;
    return this.startCurrent({ tapAt: performance.now(), positionSeconds: at });
  }

  updateMediaSession() {
    if (!("mediaSession" in navigator)) return;
    const song = this.song;
    const session = navigator.mediaSession;
    if (!song) return;
    const art = (size) => new URL(`api/songs/${song.art_song_id || song.id}/art?size=${size}`, document.baseURI).href;
    session.metadata = new MediaMetadata({
      title: song.title,
      artist: (song.artists || []).join(", "),
      album: song.album || "",
      artwork: [96, 300, 1200].map((size) => ({ src: art(size), sizes: `${size}x${size}`, type: "image/jpeg" })),
    });
    session.playbackState = this.engine.playing ? "playing" : "paused";
    if (this.mediaActionsSet) return;
    this.mediaActionsSet = true;
    const handlers = {
      play: () => this.toggle(),
      pause: () => this.engine.pause(),
      previoustrack: () => this.previous(),
      nexttrack: () => this.next(),
      seekbackward: (details) => this.seek(this.engine.position - (details.seekOffset || 10)),
      seekforward: (details) => this.seek(this.engine.position + (details.seekOffset || 10)),
      seekto: (details) => this.seek(details.seekTime),
      stop: () => this.engine.pause(),
    };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // The browser does not know this action.
      }
    }
  }

  updatePositionState() {
    const segment = this.engine.current;
    if (!("mediaSession" in navigator) || !segment || !navigator.mediaSession.setPositionState) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: segment.durationSeconds,
        position: Math.min(this.engine.position, segment.durationSeconds),
        playbackRate: this.engine.audio?.playbackRate || 1,
      });
    } catch {
      // A position past the duration during a hand-over: the next tick fixes it.
    }
  }
}
