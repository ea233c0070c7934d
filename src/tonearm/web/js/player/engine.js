/**
 * The playback engine: plays a song now, lays the next one end to end behind it (gapless) or
 * fades into it on the second deck (crossfade), seeks, and switches quality mid-song when the
 * network collapses. It knows nothing of queues or events: the controller drives it and
 * listens to what it emits.
 *
 * Emits (as DOM events on `engine.events`): "started" {segment, tapToAudioMs}, "trackchange"
 * {from, to}, "downloaded" {segment, blob} (every byte of a song fetched from its start),
 * "qualitychange" {segment, from, to}, "ended", "error" {error}.
 *
 * Without Media Source Extensions (no MediaSource nor ManagedMediaSource), songs play from a
 * plain URL, one after the other: the cached copy as a blob: URL, else the signed media URL.
 * Gapless joins, crossfades and mid-song quality switches are then not available; playing,
 * skipping, seeking and every event above work as with MSE. The service worker reads the
 * media URL along with the element and posts the song's bytes once it has read them whole
 * (sw.js): that is the "downloaded" event there, with no second download.
 */

import { Deck, DeckReset, MSE_TYPES, mediaSourceClass } from "./deck.js";
import { concat } from "./source.js";
import { gaplessWindow } from "./trim.js";
import { downgradeTarget, shouldDowngradeMidSong } from "../lib/quality.js";
import { gainFor } from "../lib/replaygain.js";
import { smartFade } from "../lib/smart-fade.js";

/** How much of a song's start is gathered before its encoder delay is read from it. */
const HEADER_BYTES = 4096;
/** Audio read ahead of the playhead at most: enough to ride out a bad minute of network. */
const MAX_AHEAD_SECONDS = 60;
/** Mid-song quality checks happen at most this often. */
const DOWNGRADE_CHECK_MS = 2000;

export class Engine {
  /**
   * @param {{source: import("./source.js").AudioSource,
   *   settings: () => {crossfadeSeconds: number, replayGain: string, preampDb: number,
   *     opus: boolean}, analysisFor?: (song: any) => Promise<object|null>,
   *   transitionFor?: (from: any, to: any) => Promise<object|null>}} options
   *   analysisFor: a song's audio analysis (for the smart crossfade), null when it has none;
   *   transitionFor: the precomputed transition between two songs (GET /api/transitions), if any.
   */
  constructor({ source, settings, analysisFor = async (song) => song.analysis || null, transitionFor = async () => null }) {
    this.source = source;
    this.settings = settings;
    this.analysisFor = analysisFor;
    this.transitionFor = transitionFor;
    /** The <audio> element precomputed transitions play on (made on the first one). */
    this.transitionDeck = null;
    this.events = new EventTarget();
    this.context = null;
    this.decks = [];
    this.active = null;
    /** @type {import("./deck.js").Segment|null} */
    this.current = null;
    /** The last gapless hand-over planned: what tests and the UI can inspect. */
    this.lastSchedule = null;
    this.volume = 1;
    this.downloads = new Set();
    /** Songs played from a URL lately, by URL: whose bytes the service worker may post. */
    this.urlSegments = new Map();
    globalThis.navigator?.serviceWorker?.addEventListener("message", (event) => this.onWorkerMessage(event.data));
  }

  /** Creates the AudioContext and both decks (on the first play: browsers want a gesture). */
  ensureContext() {
    if (this.context) return;
    this.context = new AudioContext({ latencyHint: "playback" });
    this.master = this.context.createGain();
    this.master.gain.value = this.volume;
    this.master.connect(this.context.destination);
    this.decks = [new Deck(this.context, this.master, "A"), new Deck(this.context, this.master, "B")];
    for (const deck of this.decks) this.watch(deck);
    this.active = this.decks[0];
  }

  /** The audio element playing now (tests read its currentTime). */
  get audio() {
    return this.active?.audio || null;
  }

  /** Seconds into the current song. */
  get position() {
    if (!this.current || !this.active) return 0;
    return Math.max(0, Math.min(this.current.durationSeconds, this.active.audio.currentTime - this.current.start));
  }

  /** Whether audio is playing (not paused, not stalled for good). */
  get playing() {
    return Boolean(this.active && !this.active.audio.paused);
  }

  /**
   * Plays `song` from `positionSeconds`, replacing whatever plays.
   * @param {any} song
   * @param {{quality: string, tapAt?: number, positionSeconds?: number, autoplay?: boolean}} options
   *   tapAt: performance.now() of the user's tap, to measure tap-to-audio.
   */
  async play(song, { quality, tapAt = performance.now(), positionSeconds = 0, autoplay = true }) {
    this.ensureContext();
    if (this.context.state === "suspended" && autoplay) this.context.resume().catch(() => {});
    this.cancelDownloads();
    this.stopTransition();
    for (const deck of this.decks) {
      deck.fade.gain.cancelScheduledValues(0);
      deck.fade.gain.value = 1;
      if (deck !== this.active) deck.audio.pause();
    }
    const deck = this.active;
    if (!mediaSourceClass()) return this.playUrl(deck, song, { quality, tapAt, positionSeconds, autoplay });
    const opened = await this.source.open(song, quality);
    const generation = await deck.reset(MSE_TYPES[opened.codec]);
    this.current = null;
    let playable;
    const firstAppended = new Promise((resolve) => (playable = resolve));
    const pumping = this.pump(deck, song, opened, {
      start: 0,
      gated: false,
      onFirstAppend: (first) => {
        playable(first);
        this.current = first;
        this.applyReplayGain(deck, song);
        if (positionSeconds > 0) deck.audio.currentTime = positionSeconds;
        if (!autoplay) {
          this.emit("statechange", {});
          return;
        }
        deck.audio.addEventListener(
          "playing",
          () => this.emit("started", { segment: first, tapToAudioMs: Math.round(performance.now() - tapAt) }),
          { once: true },
        );
        deck.audio.play().catch((error) => this.fail(error));
      },
    });
    // Resolve once the song can play, not when its last byte is in (it is read a minute
    // ahead at most); a failure before the first chunk still rejects.
    const segment = await Promise.race([firstAppended, pumping]);
    return { generation, segment };
  }

  /** play() without MSE: the song's URL on the deck's audio element. */
  async playUrl(deck, song, { quality, tapAt, positionSeconds, autoplay }) {
    const located = await this.source.locate(song, quality);
    const durationSeconds = (song.duration_ms || 0) / 1000;
    const segment = {
      song,
      quality: located.quality,
      mime: "",
      start: 0,
      end: durationSeconds,
      durationSeconds,
      complete: true,
      origin: located.origin,
    };
    const generation = await deck.load(located.url, segment);
    segment.generation = generation;
    if (located.origin !== "cache") {
      this.urlSegments.set(new URL(located.url, document.baseURI).href, segment);
      // A handful is plenty: the element reads a song whole long before the next one starts.
      for (const url of this.urlSegments.keys()) if (this.urlSegments.size > 4) this.urlSegments.delete(url);
    }
    this.current = segment;
    this.applyReplayGain(deck, song);
    const audio = deck.audio;
    audio.addEventListener(
      "loadedmetadata",
      () => {
        if (deck.generation !== generation) return;
        if (!(segment.durationSeconds > 0) && Number.isFinite(audio.duration)) {
          segment.durationSeconds = segment.end = audio.duration;
        }
        if (positionSeconds > 0) audio.currentTime = positionSeconds;
      },
      { once: true },
    );
    if (!autoplay) {
      this.emit("statechange", {});
      return { generation, segment };
    }
    audio.addEventListener(
      "playing",
      () => {
        if (deck.generation !== generation) return;
        this.emit("started", { segment, tapToAudioMs: Math.round(performance.now() - tapAt) });
      },
      { once: true },
    );
    audio.play().catch((error) => this.fail(error));
    return { generation, segment };
  }

  /**
   * Lays `song` behind the current one: on the same deck, starting on the sample where the
   * current one ends (gapless), or on the other deck faded in over the crossfade.
   * Only the first chunk (a prefetched beginning, when there is one) is fetched at once;
   * the rest waits until the song actually starts.
   */
  async scheduleNext(song, { quality }) {
    const deck = this.active;
    const current = this.current;
    // Without MSE the next song starts when this one ends (the "ended" event).
    if (!current || !deck.mediaSource || deck.segments[deck.segments.length - 1] !== current) return null;
    const crossfade = this.settings().crossfadeSeconds;
    const opened = await this.source.open(song, quality);
    if (this.current !== current || deck.segments[deck.segments.length - 1] !== current) {
      opened.cancel();
      return null;
    }
    if (crossfade > 0) return this.scheduleCrossfade(song, opened, crossfade);
    const start = current.end;
    this.lastSchedule = {
      songId: song.id,
      afterSongId: current.song.id,
      start,
      previous: { start: current.start, end: current.end, window: current.window },
    };
    return this.pump(deck, song, opened, {
      start,
      gated: true,
      // The gain changes on the sample where the new song starts, not at the next timeupdate.
      onFirstAppend: () => {
        const ahead = start - deck.audio.currentTime;
        if (!deck.audio.paused && ahead > 0) this.applyReplayGain(deck, song, this.context.currentTime + ahead);
      },
    });
  }

  async scheduleCrossfade(song, opened, crossfade) {
    const from = this.active;
    const to = this.decks.find((deck) => deck !== from);
    const current = this.current;
    await to.reset(MSE_TYPES[opened.codec]);
    to.fade.gain.value = 0;
    // Ready once its start is in: the rest follows by Range windows as the fade plays it.
    let appended;
    const first = new Promise((resolve) => (appended = resolve));
    const pumping = this.pump(to, song, opened, { start: 0, gated: false, onFirstAppend: appended });
    const [segment, fromAnalysis, toAnalysis, transition] = await Promise.all([
      Promise.race([first, pumping]),
      this.analysisFor(current.song).catch(() => null),
      this.analysisFor(song).catch(() => null),
      this.transitionFor(current.song, song).catch(() => null),
    ]);
    if (!segment) return null;
    if (transition) return this.scheduleTransition(from, to, current, segment, song, transition);
    // With both songs analysed, the fade runs from A's outro into B's intro (silences
    // skipped); otherwise it is the setting's length at the very end of A.
    const smart = smartFade(fromAnalysis, current.durationSeconds, toAnalysis, segment.durationSeconds);
    const fadeSeconds = smart ? smart.fadeSeconds : Math.min(crossfade, current.durationSeconds / 2, segment.durationSeconds / 2);
    const fadeAt = smart ? current.start + smart.fadeAt : current.end - fadeSeconds;
    const startAt = smart ? smart.startAt : 0;
    this.lastSchedule = { songId: song.id, afterSongId: current.song.id, start: fadeAt, crossfadeSeconds: fadeSeconds, smart: Boolean(smart), startAt };
    const waitForFade = () => {
      if (this.current !== current || this.active !== from) return from.audio.removeEventListener("timeupdate", waitForFade);
      if (from.audio.currentTime < fadeAt) return;
      from.audio.removeEventListener("timeupdate", waitForFade);
      const now = this.context.currentTime;
      from.fade.gain.setValueAtTime(1, now);
      from.fade.gain.linearRampToValueAtTime(0, now + fadeSeconds);
      to.fade.gain.setValueAtTime(0, now);
      to.fade.gain.linearRampToValueAtTime(1, now + fadeSeconds);
      this.applyReplayGain(to, song);
      if (startAt > 0) to.audio.currentTime = segment.start + startAt;
      to.audio.play().catch((error) => this.fail(error));
      this.active = to;
      const previous = this.current;
      this.current = segment;
      this.emit("trackchange", { from: previous, to: segment });
      setTimeout(() => from.audio.pause(), fadeSeconds * 1000 + 100);
    };
    from.audio.addEventListener("timeupdate", waitForFade);
    return segment;
  }

  /**
   * Plays a precomputed transition between the current song and the next: the current one
   * until the transition's start point, the transition (already mixed on the server), then
   * the next song on the other deck from the transition's end point. ReplayGain glides from
   * the first song's gain to the second's across it, as the mix itself does.
   */
  scheduleTransition(from, to, current, segment, song, transition) {
    const cutAt = current.start + transition.from_start_ms / 1000;
    const resumeAt = segment.start + transition.to_resume_ms / 1000;
    const deck = this.ensureTransitionDeck();
    deck.audio.src = transition.url;
    deck.audio.load();
    this.lastSchedule = { songId: song.id, afterSongId: current.song.id, start: cutAt, crossfadeSeconds: 0, transition: { url: transition.url, cutAt, resumeAt, played: false } };
    const schedule = this.lastSchedule;
    const stillDue = () => this.current === current && this.active === from;
    const cut = () => {
      if (!stillDue()) return;
      from.audio.pause();
      const now = this.context.currentTime;
      const fromGain = from.replayGain.gain.value;
      this.applyReplayGain(to, song);
      const toGain = to.replayGain.gain.value;
      deck.gain.gain.cancelScheduledValues(0);
      deck.gain.gain.setValueAtTime(fromGain, now);
      deck.gain.gain.linearRampToValueAtTime(toGain, now + transition.duration_ms / 1000);
      to.fade.gain.value = 1;
      to.audio.currentTime = resumeAt;
      deck.audio.currentTime = 0;
      deck.audio.play().catch((error) => this.fail(error));
      schedule.transition.played = true;
      deck.audio.addEventListener(
        "ended",
        () => {
          if (this.active === to && this.current === segment) to.audio.play().catch((error) => this.fail(error));
        },
        { once: true },
      );
      this.active = to;
      this.current = segment;
      this.emit("trackchange", { from: current, to: segment });
    };
    // timeupdate comes every quarter second or so: near the cut, a timer lands on it.
    const waitForCut = () => {
      if (!stillDue()) return from.audio.removeEventListener("timeupdate", waitForCut);
      const ahead = cutAt - from.audio.currentTime;
      if (ahead > 0.5) return;
      from.audio.removeEventListener("timeupdate", waitForCut);
      setTimeout(cut, Math.max(0, ahead * 1000));
    };
    from.audio.addEventListener("timeupdate", waitForCut);
    return segment;
  }

  /** The transitions' own element, routed like a deck (its gain carries ReplayGain). */
  ensureTransitionDeck() {
    if (!this.transitionDeck) {
      const audio = new Audio();
      audio.preload = "auto";
      audio.dataset.deck = "transition";
      const gain = this.context.createGain();
      this.context.createMediaElementSource(audio).connect(gain).connect(this.master);
      this.transitionDeck = { audio, gain };
    }
    return this.transitionDeck;
  }

  /**
   * Appends a song's bytes to `deck` as they arrive.
   * gated: after the first chunk, wait until the song is the one playing before pulling more
   * (so only the prefetched beginning is spent on a song that may be skipped).
   */
  async pump(deck, song, opened, { start, gated, onFirstAppend }) {
    const download = { opened, deck };
    this.downloads.add(download);
    const iterator = opened.chunks[Symbol.asyncIterator]();
    const fromStart = [];
    let segment = null;
    let firstAppended = false;
    let lastCheck = performance.now();
    try {
      // Gather enough of the start to read the encoder delay from the file's header.
      let head = [];
      let headBytes = 0;
      while (headBytes < HEADER_BYTES) {
        const { done, value } = await iterator.next();
        if (done) break;
        head.push(value);
        headBytes += value.length;
      }
      const first = concat(head);
      head = null;
      const trim = gaplessWindow(opened.codec, first, song);
      segment = await deck.beginSegment({
        song,
        quality: opened.quality,
        mime: MSE_TYPES[opened.codec],
        start,
        leadingSeconds: trim.leadingSeconds,
        durationSeconds: trim.durationSeconds,
        origin: opened.origin,
      });
      segment.window = trim;
      download.segment = segment;
      // Each Range window after the first waits until the audio buffered ahead runs low.
      opened.gate = (lowWater) => this.untilAheadBelow(deck, lowWater);
      if (this.lastSchedule && this.lastSchedule.songId === song.id && this.lastSchedule.start === start) {
        this.lastSchedule.window = trim;
      }
      await deck.append(first);
      fromStart.push(first);
      firstAppended = true;
      onFirstAppend?.(segment);
      if (gated) await this.untilPlaying(deck, segment);
      for (;;) {
        // Read no further ahead than needed: what is not read is not downloaded, so a skip
        // costs at most this much (the connection's buffers aside).
        if (opened.origin !== "cache") await this.untilBufferBelow(deck, segment);
        const { done, value } = await iterator.next();
        if (done) break;
        await deck.append(value);
        fromStart.push(value);
        // Only an MP3 stream can switch mid-song: a WebM one cannot be resumed mid-file.
        if (opened.origin !== "cache" && opened.codec === "mp3" && performance.now() - lastCheck > DOWNGRADE_CHECK_MS) {
          lastCheck = performance.now();
          const switched = await this.maybeDowngrade(deck, segment, opened, iterator);
          if (switched) {
            fromStart.length = 0; // no longer one rendition from its start: not for the cache
            opened = switched.opened;
            download.opened = opened;
            // Continue with the new rendition's bytes.
            return await this.pumpRest(deck, segment, switched.iterator, download);
          }
        }
      }
      await deck.finishSegment(segment, { last: !this.hasFollower(deck, segment) });
      if (opened.origin !== "cache" && fromStart.length) {
        const type = opened.codec === "opus" ? "audio/webm" : "audio/mpeg";
        this.emit("downloaded", { segment, blob: new Blob(fromStart, { type }) });
      }
      return segment;
    } catch (error) {
      if (!(error instanceof DeckReset) && error.name !== "AbortError") this.fail(error);
      if (!firstAppended) throw error;
      return segment;
    } finally {
      this.downloads.delete(download);
    }
  }

  async pumpRest(deck, segment, iterator, download) {
    try {
      for (;;) {
        await this.untilBufferBelow(deck, segment);
        const { done, value } = await iterator.next();
        if (done) break;
        await deck.append(value);
      }
      await deck.finishSegment(segment, { last: !this.hasFollower(deck, segment) });
    } finally {
      this.downloads.delete(download);
    }
    return segment;
  }

  /** Switches the rest of `segment` to a lower rendition when the network collapsed. */
  async maybeDowngrade(deck, segment, opened, iterator) {
    const throughputKbps = this.source.meter.kbps;
    const bufferedAheadSeconds = deck.bufferedAhead();
    if (!shouldDowngradeMidSong({ currentQuality: segment.quality, throughputKbps, bufferedAheadSeconds })) {
      return null;
    }
    let target = downgradeTarget({ currentQuality: segment.quality, throughputKbps, opusPlayable: this.settings().opus });
    // A WebM stream cannot start mid-file; MP3 frames resync anywhere, and CBR maps time to bytes.
    if (target === "efficient") target = "medium";
    if (!target || target === segment.quality) return null;
    const bufferedUntil = deck.audio.currentTime + bufferedAheadSeconds - segment.start;
    const ticket = await this.source.ticket(segment.song.id, target);
    // A rendition not made yet has no byte offsets to continue from (no Range until stored).
    if (ticket.codec !== "mp3" || !ticket.bitrate || ticket.pending) return null;
    opened.cancel();
    await iterator.return?.();
    const startByte = Math.floor(bufferedUntil * ticket.bitrate * 125);
    const next = await this.source.open(segment.song, target, { startByte });
    next.gate = (lowWater) => this.untilAheadBelow(deck, lowWater);
    const from = segment.quality;
    await deck.enqueue(async (buffer) => {
      buffer.abort();
      if (typeof buffer.changeType === "function" && deck.mime !== MSE_TYPES.mp3) {
        buffer.changeType(MSE_TYPES.mp3);
        deck.mime = MSE_TYPES.mp3;
      }
      buffer.mode = "sequence";
      buffer.timestampOffset = segment.start + bufferedUntil;
      buffer.appendWindowEnd = segment.end;
      buffer.appendWindowStart = segment.start + bufferedUntil;
    });
    segment.quality = next.quality;
    this.emit("qualitychange", { segment, from, to: next.quality });
    return { opened: next, iterator: next.chunks[Symbol.asyncIterator]() };
  }

  hasFollower(deck, segment) {
    return deck.segments.indexOf(segment) < deck.segments.length - 1;
  }

  /**
   * Resolves once less than MAX_AHEAD_SECONDS of `segment` are buffered ahead of the playhead
   * (at once when the segment is not playing yet: its start must be ready in time).
   */
  untilBufferBelow(deck, segment) {
    const ahead = () => deck.audio.currentTime >= segment.start && deck.bufferedAhead() > MAX_AHEAD_SECONDS;
    if (!ahead()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (ahead() && deck.segments.includes(segment)) return;
        deck.audio.removeEventListener("timeupdate", check);
        deck.audio.removeEventListener("seeking", check);
        resolve();
      };
      deck.audio.addEventListener("timeupdate", check);
      deck.audio.addEventListener("seeking", check);
    });
  }

  /**
   * Resolves once less than `seconds` of audio are buffered ahead of the playhead of `deck`
   * (or the deck was emptied: the download is cancelled then anyway).
   */
  untilAheadBelow(deck, seconds) {
    const generation = deck.generation;
    const low = () => deck.generation !== generation || deck.bufferedAhead() < seconds;
    if (low()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!low()) return;
        deck.audio.removeEventListener("timeupdate", check);
        deck.audio.removeEventListener("seeking", check);
        deck.audio.removeEventListener("emptied", check);
        resolve();
      };
      deck.audio.addEventListener("timeupdate", check);
      deck.audio.addEventListener("seeking", check);
      deck.audio.addEventListener("emptied", check);
    });
  }

  /** Resolves once the playhead of `deck` has reached `segment` (or it was dropped). */
  untilPlaying(deck, segment) {
    return new Promise((resolve) => {
      const check = () => {
        const gone = !deck.segments.includes(segment);
        // Two seconds early, so the rest is flowing before the prefetched part runs out.
        if (gone || deck.audio.currentTime >= segment.start - 2 || this.active !== deck) {
          deck.audio.removeEventListener("timeupdate", check);
          resolve();
        }
      };
      deck.audio.addEventListener("timeupdate", check);
      check();
    });
  }

  /** Drops anything laid behind the current song (the queue changed under it). */
  async unscheduleNext() {
    if (!this.current || !this.active) return;
    const deck = this.active;
    const other = this.decks.find((d) => d !== deck);
    if (other && other.segments.length) {
      other.audio.pause();
      other.generation += 1;
      other.segments = [];
    }
    this.lastSchedule = null;
    for (const download of [...this.downloads]) {
      const segment = download.segment;
      if (segment && segment !== this.current) download.opened.cancel();
    }
    await deck.truncateAfter(this.current);
    if (this.current.complete) deck.endStream();
  }

  /** Seeks within the current song. */
  seek(seconds) {
    if (!this.current || !this.active) return;
    // A seek during a transition leaves it for the song itself.
    if (this.stopTransition()) this.active.audio.play().catch((error) => this.fail(error));
    const target = Math.max(0, Math.min(seconds, this.current.durationSeconds - 0.05));
    this.active.audio.currentTime = this.current.start + target;
  }

  pause() {
    for (const deck of this.decks) deck.audio.pause();
    // Resuming goes on with the next song itself, not the rest of the transition.
    this.stopTransition();
  }

  /** Stops a transition playing; whether one was. */
  stopTransition() {
    const audio = this.transitionDeck?.audio;
    if (!audio || audio.paused) return false;
    audio.pause();
    return true;
  }

  resume() {
    if (!this.active) return;
    this.context?.resume().catch(() => {});
    this.active.audio.play().catch((error) => this.fail(error));
  }

  /** Master volume, 0–1. */
  setVolume(volume) {
    this.volume = Math.max(0, Math.min(1, volume));
    if (this.master) this.master.gain.value = this.volume;
  }

  /** Fades the master volume to silence over `seconds` (the sleep timer's end). */
  fadeOut(seconds) {
    if (!this.master) return;
    const now = this.context.currentTime;
    this.master.gain.setValueAtTime(this.master.gain.value, now);
    this.master.gain.linearRampToValueAtTime(0, now + seconds);
  }

  /** Restores the master volume after a fade-out. */
  restoreVolume() {
    if (!this.master) return;
    this.master.gain.cancelScheduledValues(0);
    this.master.gain.value = this.volume;
  }

  applyReplayGain(deck, song, atContextTime) {
    const { replayGain, preampDb } = this.settings();
    const gain = gainFor(song, { mode: replayGain, preampDb });
    if (atContextTime !== undefined && atContextTime > this.context.currentTime) {
      deck.replayGain.gain.setValueAtTime(gain, atContextTime);
    } else {
      deck.replayGain.gain.value = gain;
    }
  }

  cancelDownloads() {
    for (const download of this.downloads) download.opened.cancel();
    this.downloads.clear();
  }

  watch(deck) {
    deck.audio.addEventListener("timeupdate", () => {
      if (deck !== this.active || !this.current) return;
      const segment = deck.segmentAt(deck.audio.currentTime);
      if (segment && segment !== this.current && segment.start > this.current.start) {
        const from = this.current;
        this.current = segment;
        this.applyReplayGain(deck, segment.song);
        this.emit("trackchange", { from, to: segment });
      }
      this.emit("timeupdate", {});
    });
    deck.audio.addEventListener("ended", () => {
      if (deck === this.active) this.emit("ended", {});
    });
    deck.audio.addEventListener("pause", () => deck === this.active && this.emit("statechange", {}));
    deck.audio.addEventListener("playing", () => deck === this.active && this.emit("statechange", {}));
    deck.audio.addEventListener("error", () => {
      if (deck === this.active && deck.audio.error) this.fail(new Error(deck.audio.error.message || "audio error"));
    });
  }

  /**
   * The service worker read a media URL whole along with the element (sw.js): the song
   * played from that URL goes into the offline cache, as a song fetched whole does with MSE.
   */
  onWorkerMessage(data) {
    if (data?.type !== "tonearm:media-read" || !(data.blob instanceof Blob)) return;
    const segment = this.urlSegments.get(data.url);
    if (!segment) return;
    this.urlSegments.delete(data.url);
    // A stand-in (the original while the rendition is made elsewhere) is not that rendition.
    if (data.served && data.served !== segment.quality) return;
    this.emit("downloaded", { segment, blob: data.blob });
  }

  fail(error) {
    if (error instanceof DeckReset || error?.name === "AbortError") return;
    this.emit("error", { error });
  }

  emit(type, detail) {
    this.events.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
