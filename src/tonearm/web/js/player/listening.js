/**
 * Turns what the player does into the specification's listening events: play (or replay,
 * when the song played in the last hour), skip (left before 30 s), complete (past 80%),
 * like, dislike and add_to_playlist, each with its context (time of day, day of week, the
 * session and its previous songs, the network, the quality and tap-to-audio).
 *
 * Events go to the durable EventQueue (IndexedDB), which sends them in batches of 10, on
 * page hide and after an offline period, exactly once (the server dedupes by event id).
 */

const SKIP_BEFORE_SECONDS = 30;
const COMPLETE_FRACTION = 0.8;
const REPLAY_WITHIN_MS = 60 * 60 * 1000;
/** A session ends after this long without playing anything. */
const SESSION_IDLE_MS = 30 * 60 * 1000;
const PREVIOUS_SONGS = 5;
const RECENT_KEY = "tonearm.recentPlays";
const SESSION_KEY = "tonearm.session";

/** "morning" (5–12), "afternoon" (12–17), "evening" (17–22) or "night". */
export function timeOfDay(date) {
  const hour = date.getHours();
  if (hour >= 5 && hour < 12) return "morning";
  if (hour >= 12 && hour < 17) return "afternoon";
  if (hour >= 17 && hour < 22) return "evening";
  return "night";
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

export class ListeningTracker {
  /**
   * @param {{queue: import("../lib/event-queue.js").EventQueue,
   *   network: () => {type: string|null, quality?: string}}} options
   */
  constructor({ queue, network }) {
    this.queue = queue;
    this.network = network;
    /** The song playing: {song, startedAt, quality, completed} */
    this.playing = null;
  }

  /** The listening session: kept across reloads until 30 minutes of silence. */
  session() {
    let session = null;
    try {
      session = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    } catch {
      session = null;
    }
    const now = Date.now();
    if (!session || now - session.lastActive > SESSION_IDLE_MS) {
      session = { id: crypto.randomUUID(), startedAt: now, lastActive: now, songs: [] };
    }
    session.lastActive = now;
    return session;
  }

  saveSession(session) {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  }

  context(session, extra) {
    const now = new Date();
    const network = this.network();
    return {
      time_of_day: timeOfDay(now),
      hour: now.getHours(),
      day_of_week: DAYS[now.getDay()],
      session_length_s: Math.round((Date.now() - session.startedAt) / 1000),
      previous_songs: session.songs.slice(-PREVIOUS_SONGS),
      network: network.type || "unknown",
      ...extra,
    };
  }

  async push(type, song, { positionSeconds, context = {} } = {}) {
    const session = this.session();
    const event = {
      type,
      song_id: song.id,
      session_id: session.id,
      timestamp: new Date().toISOString(),
      context: this.context(session, context),
    };
    if (positionSeconds !== undefined) event.position_ms = Math.max(0, Math.round(positionSeconds * 1000));
    if (type === "play" || type === "replay") session.songs = [...session.songs, song.id].slice(-PREVIOUS_SONGS);
    this.saveSession(session);
    return this.queue.push(event);
  }

  /**
   * A song started. Records play or replay.
   * @param {any} song
   * @param {{quality: string, origin: string, tapToAudioMs: number|null, transition: string}} info
   */
  async started(song, { quality, origin, tapToAudioMs, transition }) {
    const recent = readRecent();
    const lastPlayed = recent[song.id];
    const type = lastPlayed && Date.now() - lastPlayed < REPLAY_WITHIN_MS ? "replay" : "play";
    recent[song.id] = Date.now();
    writeRecent(recent);
    this.playing = { song, completed: false };
    return this.push(type, song, {
      positionSeconds: 0,
      context: { quality, source: origin, tap_to_audio_ms: tapToAudioMs, transition },
    });
  }

  /** Called as the song plays: records complete once, when it passes 80%. */
  async progressed(song, positionSeconds, durationSeconds) {
    const playing = this.playing;
    if (!playing || playing.song.id !== song.id || playing.completed || !durationSeconds) return null;
    if (positionSeconds / durationSeconds <= COMPLETE_FRACTION) return null;
    playing.completed = true;
    return this.push("complete", song, { positionSeconds });
  }

  /** The song stopped being the current one (next, previous, another tapped): maybe a skip. */
  async left(song, positionSeconds) {
    const playing = this.playing;
    this.playing = null;
    if (!playing || playing.song.id !== song.id || playing.completed) return null;
    if (positionSeconds >= SKIP_BEFORE_SECONDS) return null;
    return this.push("skip", song, { positionSeconds });
  }

  /** like, unlike, dislike or add_to_playlist. */
  async action(type, song, context = {}) {
    return this.push(type, song, { context });
  }
}

function readRecent() {
  try {
    const recent = JSON.parse(localStorage.getItem(RECENT_KEY) || "{}");
    const cutoff = Date.now() - REPLAY_WITHIN_MS;
    for (const [id, at] of Object.entries(recent)) if (at < cutoff) delete recent[id];
    return recent;
  } catch {
    return {};
  }
}

function writeRecent(recent) {
  localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
}
