/**
 * A deck: one <audio> element fed by Media Source Extensions, routed through Web Audio.
 *
 * Songs are laid end to end on the deck's timeline as segments. Each segment's bytes are
 * appended with `timestampOffset` and an append window, so the encoder delay before the
 * first real sample and the padding after the last are cut off and the next song starts on
 * exactly the sample where this one ends: gapless playback by construction, with no timer
 * racing the audio clock. Bytes are appended as they arrive, so playback starts with the
 * first chunk.
 *
 * A second deck exists only for crossfades, where two songs must sound at once.
 *
 * Where only `ManagedMediaSource` exists (iPhone, iPad) it is used in place of MediaSource:
 * the browser then says when it wants data (`startstreaming`) and when it has enough
 * (`endstreaming`), and bytes are appended only in between; it also requires remote
 * playback (AirPlay of the blob URL) to be off. Where neither exists, `load()` plays a plain
 * URL instead (one song per deck: no gapless joins).
 */

/**
 * The MediaSource constructor to use: ManagedMediaSource where it exists (it is the only one
 * on iPhone, and the one Safari prefers elsewhere), else MediaSource, else null.
 * @returns {typeof MediaSource|null}
 */
export function mediaSourceClass() {
  return globalThis.ManagedMediaSource || globalThis.MediaSource || null;
}

/** MIME types for MSE by rendition codec. */
export const MSE_TYPES = { mp3: "audio/mpeg", opus: 'audio/webm; codecs="opus"' };

/**
 * @typedef {object} Segment
 * @property {any} song The song object.
 * @property {string} quality The rendition played.
 * @property {number} start Timeline seconds of the first audible sample.
 * @property {number} end Timeline seconds just after the last audible sample.
 * @property {number} durationSeconds end - start.
 * @property {boolean} complete Whether every byte has been appended.
 * @property {string} origin Where the bytes came from: "cache", "url" or "api".
 */

export class Deck {
  /**
   * @param {AudioContext} context
   * @param {AudioNode} output Where this deck's gain node connects (the master volume).
   * @param {string} name For debugging and tests ("A" or "B").
   */
  constructor(context, output, name) {
    this.name = name;
    this.audio = new Audio();
    this.audio.preload = "auto";
    this.audio.dataset.deck = name;
    this.source = context.createMediaElementSource(this.audio);
    /** ReplayGain for the segment playing. */
    this.replayGain = context.createGain();
    /** Fades (crossfade, sleep timer). */
    this.fade = context.createGain();
    this.source.connect(this.replayGain).connect(this.fade).connect(output);
    /** @type {Segment[]} */
    this.segments = [];
    this.mediaSource = null;
    this.sourceBuffer = null;
    this.mime = "";
    this.objectUrl = "";
    this.appendChain = Promise.resolve();
    this.generation = 0;
    /** Whether the browser wants bytes (always, except with ManagedMediaSource). */
    this.streaming = true;
    /** @type {(() => void)[]} appends waiting for `startstreaming` */
    this.streamingWaiters = [];
  }

  /** Plays `url` (a signed media URL or a blob: URL) without MSE: one song, no timeline. */
  async load(url, segment) {
    this.generation += 1;
    this.audio.pause();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = url.startsWith("blob:") ? url : "";
    this.mediaSource = null;
    this.sourceBuffer = null;
    this.wakeAppends();
    this.segments = [segment];
    this.audio.src = url;
    return this.generation;
  }

  /** Empties the deck and opens a new MediaSource for `mime`. */
  async reset(mime) {
    this.generation += 1;
    const generation = this.generation;
    this.audio.pause();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.segments = [];
    this.appendChain = Promise.resolve();
    this.wakeAppends();
    const Source = mediaSourceClass();
    const managed = Boolean(globalThis.ManagedMediaSource) && Source === globalThis.ManagedMediaSource;
    // ManagedMediaSource plays only with remote playback off (or an AirPlay source given).
    if (managed) this.audio.disableRemotePlayback = true;
    const mediaSource = new Source();
    this.mediaSource = mediaSource;
    this.streaming = !managed;
    if (managed) {
      mediaSource.addEventListener("startstreaming", () => {
        if (this.mediaSource !== mediaSource) return;
        this.streaming = true;
        this.wakeAppends();
      });
      mediaSource.addEventListener("endstreaming", () => {
        if (this.mediaSource === mediaSource) this.streaming = false;
      });
    }
    this.objectUrl = URL.createObjectURL(mediaSource);
    this.audio.src = this.objectUrl;
    await new Promise((resolve) => mediaSource.addEventListener("sourceopen", resolve, { once: true }));
    if (generation !== this.generation) throw new DeckReset();
    if (managed && mediaSource.streaming) this.streaming = true;
    this.sourceBuffer = mediaSource.addSourceBuffer(mime);
    this.mime = mime;
    // MP3 has no timestamps of its own: its SourceBuffer must run in sequence mode, and
    // WebM is put in the same mode so both behave alike.
    this.sourceBuffer.mode = "sequence";
    return generation;
  }

  /** Where the last segment ends on the timeline (0 for an empty deck). */
  get timelineEnd() {
    const last = this.segments[this.segments.length - 1];
    return last ? last.end : 0;
  }

  /**
   * Starts a new segment at `start` and prepares the SourceBuffer for its bytes.
   * @param {{song: any, quality: string, mime: string, start: number, leadingSeconds: number,
   *   durationSeconds: number, origin: string}} plan leadingSeconds: encoder delay to cut.
   * @returns {Promise<Segment>}
   */
  beginSegment({ song, quality, mime, start, leadingSeconds, durationSeconds, origin }) {
    const segment = {
      song,
      quality,
      mime,
      start,
      end: start + durationSeconds,
      durationSeconds,
      complete: false,
      origin,
      generation: this.generation,
    };
    this.segments.push(segment);
    return this.enqueue(async (buffer) => {
      if (this.mediaSource.readyState === "ended") {
        // Setting timestampOffset re-opens an ended MediaSource (abort() would throw).
        buffer.timestampOffset = start - leadingSeconds;
      }
      // abort() flushes the parser of any half frame and resets the append window.
      buffer.abort();
      if (mime !== this.mime && typeof buffer.changeType === "function") {
        buffer.changeType(mime);
        this.mime = mime;
      }
      buffer.mode = "sequence";
      // The first frame lands `leadingSeconds` early; the window cuts that encoder delay
      // (partial frames included) and the padding after the last real sample.
      buffer.timestampOffset = start - leadingSeconds;
      buffer.appendWindowEnd = segment.end;
      buffer.appendWindowStart = start;
      return segment;
    });
  }

  /** Resolves once the browser wants bytes (or the deck was emptied meanwhile). */
  untilStreaming() {
    if (this.streaming) return Promise.resolve();
    return new Promise((resolve) => this.streamingWaiters.push(resolve));
  }

  wakeAppends() {
    const waiters = this.streamingWaiters;
    this.streamingWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Appends a chunk of the last segment's bytes (waits its turn, and for the browser to want
   * bytes; trims old data if full).
   */
  async append(bytes) {
    const generation = this.generation;
    await this.untilStreaming();
    if (generation !== this.generation) throw new DeckReset();
    return this.enqueue(async (buffer) => {
      // The browser may have said "enough" while this append waited its turn.
      if (!this.streaming) {
        await this.untilStreaming();
        if (generation !== this.generation) throw new DeckReset();
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await this.run(buffer, () => buffer.appendBuffer(bytes));
          return;
        } catch (error) {
          if (error.name !== "QuotaExceededError" || attempt > 2) throw error;
          // Keep 10 s behind the playhead; what is older can be fetched again to seek back.
          const keepFrom = Math.max(0, this.audio.currentTime - 10);
          if (keepFrom <= 0) throw error;
          await this.run(buffer, () => buffer.remove(0, keepFrom));
        }
      }
    });
  }

  /** Marks the last segment complete; with `last`, ends the stream so `ended` fires. */
  finishSegment(segment, { last }) {
    return this.enqueue(async () => {
      segment.complete = true;
      if (last && this.segments[this.segments.length - 1] === segment) this.endStream();
    });
  }

  /** Tells the element no more data is coming (it re-opens if more is appended later). */
  endStream() {
    const ms = this.mediaSource;
    if (ms && ms.readyState === "open" && !this.sourceBuffer.updating) {
      try {
        ms.endOfStream();
      } catch {
        // Already ending: nothing to do.
      }
    }
  }

  /** Drops the segments after `segment` (the queue changed), and their buffered audio. */
  truncateAfter(segment) {
    const index = this.segments.indexOf(segment);
    if (index < 0 || index === this.segments.length - 1) return Promise.resolve();
    const removed = this.segments.splice(index + 1);
    return this.enqueue(async (buffer) => {
      buffer.abort();
      const from = segment.end;
      const to = Math.max(...removed.map((s) => s.end)) + 1;
      await this.run(buffer, () => buffer.remove(from, to));
    });
  }

  /** The segment holding timeline time `time` (the last one whose start is at or before it). */
  segmentAt(time) {
    let found = this.segments[0] || null;
    for (const segment of this.segments) {
      if (segment.start <= time + 1e-3) found = segment;
    }
    return found;
  }

  /** Seconds of audio buffered ahead of the playhead. */
  bufferedAhead() {
    const buffered = this.audio.buffered;
    const now = this.audio.currentTime;
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) <= now + 0.05 && buffered.end(i) >= now) return buffered.end(i) - now;
    }
    return 0;
  }

  enqueue(operation) {
    const generation = this.generation;
    const next = this.appendChain.then(() => {
      if (generation !== this.generation || !this.sourceBuffer) throw new DeckReset();
      return operation(this.sourceBuffer);
    });
    // The chain goes on after a failure; the caller still sees it.
    this.appendChain = next.catch(() => {});
    return next;
  }

  run(buffer, start) {
    return new Promise((resolve, reject) => {
      const done = () => {
        buffer.removeEventListener("updateend", done);
        buffer.removeEventListener("error", failed);
        resolve();
      };
      const failed = () => {
        buffer.removeEventListener("updateend", done);
        buffer.removeEventListener("error", failed);
        reject(new Error(`deck ${this.name}: the browser could not decode the audio`));
      };
      buffer.addEventListener("updateend", done);
      buffer.addEventListener("error", failed);
      try {
        start();
      } catch (error) {
        buffer.removeEventListener("updateend", done);
        buffer.removeEventListener("error", failed);
        reject(error);
      }
    });
  }
}

/** Thrown to operations queued on a deck that was reset meanwhile (not an error to show). */
export class DeckReset extends Error {
  constructor() {
    super("deck reset");
    this.name = "DeckReset";
  }
}
