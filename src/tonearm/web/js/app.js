/**
 * The web player's entry point: signs in, opens the offline stores, builds the player,
 * routes between views (hash routes, so the app works under any sub-path) and wires the
 * keyboard, the service worker's update flow and the background work (catalogue sync,
 * auto-caching, sending listening events).
 *
 * This is the one place that builds the app's pieces — the session, likes, connectivity,
 * offline copies, the stores, the player, downloads and uploads — and hands each view and
 * each part of the page only the pieces it names in its first line (`album({ catalog,
 * player, downloads, songActions }, id)`). Nothing else holds them all.
 */

// Core: the API, the page helpers, the offline stores and the network.
import { api, csrfToken } from "./api.js";
import { h } from "./dom.js";
import { Connectivity } from "./connectivity.js";
import { Likes } from "./likes.js";
import { announce } from "./notices.js";
import { OfflineCopies } from "./offline-copies.js";
import { PREFERENCES_KEY, Session } from "./session.js";
import { CatalogDb } from "./lib/catalog-db.js";
import { DownloadManager } from "./lib/downloads.js";
import { EventQueue, fetchSender } from "./lib/event-queue.js";
import { OfflineCache } from "./lib/offline-cache.js";
import { ThroughputMeter } from "./lib/quality.js";
import { UsageLedger } from "./lib/usage-ledger.js";
import { currentNetwork, opusPlayable } from "./network.js";
import { applyTheme, localSettings, PREFERENCE_DEFAULTS } from "./settings.js";
// The player.
import { Engine } from "./player/engine.js";
import { Player } from "./player/controller.js";
import { AudioSource } from "./player/source.js";
import { ListeningTracker } from "./player/listening.js";
import { RadioPlayer } from "./player/radio.js";
import { autoCacheTopSongs } from "./player/autocache.js";
import { recordUsage } from "./player/usage.js";
import { songAnalysis, songTransition } from "./player/analysis.js";
// The shell: navigation, the player bar, Now Playing, the side panel, keys, updates, uploads.
import { bindKeyboard } from "./ui/keyboard.js";
import { Navigation } from "./ui/nav.js";
import { NowPlaying } from "./ui/now-playing.js";
import { mountPlayerBar } from "./ui/player-bar.js";
import { mountRadioBar } from "./ui/radio-bar.js";
import { SidePanel } from "./ui/side-panel.js";
import { registerServiceWorker } from "./ui/updates.js";
import { mountUploads } from "./ui/uploads.js";
import { UploadQueue } from "./upload-queue.js";
// Screens.
import { showSignIn } from "./views/signin.js";
import { home, libraryIndex } from "./views/home.js";
import * as library from "./views/library.js";
import { song } from "./views/song.js";
import { search } from "./views/search.js";
import * as lists from "./views/lists.js";
import { playlist, playlists } from "./views/playlists.js";

/**
 * A screen loaded the first time it opens (`import()`): the start loads, and index.html
 * preloads, only the modules the first screens need; each module more costs a request.
 */
const later = (load, name) => async (...args) => (await load())[name](...args);
const downloads = later(() => import("./views/downloads.js"), "downloads");
const upload = later(() => import("./views/upload.js"), "upload");
const shares = later(() => import("./views/shares.js"), "shares");
const usage = later(() => import("./views/usage.js"), "usage");
const settings = later(() => import("./views/settings.js"), "settings");
const admin = later(() => import("./views/admin.js"), "admin");
const radio = later(() => import("./views/radio.js"), "radio");
const podcasts = later(() => import("./views/podcasts.js"), "podcasts");
const sonicPath = later(() => import("./views/sonic-path.js"), "sonicPath");
const mashups = later(() => import("./views/mashups.js"), "mashups");

const USER_KEY = "tonearm.user";
const FLUSH_EVERY_MS = 30_000;
const AUTO_CACHE_EVERY_MS = 5 * 60_000;
const MB = 1024 * 1024;

/**
 * Hash routes: "#/album/ID" → views by their first part, grouped by screen. Each view is
 * called with the app's pieces, takes the ones it names, and the route's argument.
 */
const ROUTES = {
  // Home and the phone's Library landing page.
  "": home,
  home,
  library: libraryIndex,
  // Browsing the library.
  songs: library.songs,
  artists: library.artists,
  artist: library.artist,
  albums: library.albums,
  album: library.album,
  genres: library.genres,
  genre: library.genre,
  folders: (pieces, _, params) => library.folders(pieces, params.get("path") || undefined),
  song,
  search,
  // Your music.
  playlists,
  playlist,
  likes: lists.likes,
  history: lists.history,
  trending: lists.trending,
  downloads,
  // Uploads, sharing, network usage, settings and administration.
  upload,
  shares,
  usage,
  settings,
  admin: (_, section) => admin(section),
  // Internet radio.
  radio,
  podcasts,
  // Sonic similarity: a path from one song to another.
  "sonic-path": sonicPath,
  // Your mashups (only yours), played in the main player.
  mashups,
};

// Before anything is drawn: the theme last used on this device, so the page does not flash.
try {
  applyTheme(JSON.parse(localStorage.getItem(PREFERENCES_KEY) || "{}").theme);
} catch {
  // No readable copy: follow the system.
}

class App {
  constructor() {
    this.session = null;
    this.connectivity = new Connectivity();
    // Back online: what failed or waited while the server was away goes again.
    this.connectivity.addEventListener("online", () => {
      for (const item of this.downloads?.list() || []) if (item.state === "failed") this.downloads.retry(item.songId).catch(() => {});
      this.events?.flush().catch(() => {});
      this.catalog?.sync((path) => api(path.replace(/^\//, ""))).catch(() => {});
    });
    this.cache = null;
    this.events = null;
    this.catalog = null;
    this.tracker = null;
    this.routeToken = 0;
  }

  async start() {
    try {
      await this.firstScreen();
    } finally {
      // Only now: the worker's install downloads the whole shell again (to keep it offline),
      // which would compete with the first screen's own requests. Until it controls the page,
      // requests go straight to the network, as they do without a worker; cover art seen
      // meanwhile is kept offline the next time it is asked for.
      registerServiceWorker({ announce });
    }
  }

  /** Signs in (or asks to) and draws the first screen. */
  async firstScreen() {
    window.addEventListener("online", () => this.connectivity.setOnline(true));
    window.addEventListener("offline", () => this.connectivity.setOnline(false));
    // The device may be online while the server is not (it is down, or on another network).
    window.addEventListener("tonearm:unreachable", () => this.connectivity.setOnline(false));
    let user = null;
    // No session cookie: sign in, without a request that would only answer 401.
    if (!csrfToken()) {
      showSignIn(this);
      return;
    }
    // Asked for with the account rather than after it: one round trip less before Home.
    const preferences = api("api/user/preferences");
    preferences.catch(() => {}); // read (or given up on) by loadPreferences
    try {
      user = await api("api/auth/me");
      localStorage.setItem(USER_KEY, JSON.stringify(user));
    } catch (error) {
      if (!error.offline) {
        showSignIn(this);
        return;
      }
      // The server is unreachable: carry on offline as whoever signed in last.
      user = JSON.parse(localStorage.getItem(USER_KEY) || "null");
      if (!user) {
        showSignIn(this, "The server cannot be reached.");
        return;
      }
      this.connectivity.setOnline(false);
    }
    await this.signedIn(user, preferences);
  }

  /**
   * Builds everything that needs an account, then shows the library.
   * @param {Promise<object>} [preferences] the user's preferences, when already asked for
   */
  async signedIn(user, preferences) {
    const session = (this.session = new Session(user));
    document.getElementById("signin").hidden = true;
    document.getElementById("app").hidden = false;
    await this.loadPreferences(preferences);
    await this.openStores();
    const meter = new ThroughputMeter();
    this.source = new AudioSource({
      cache: this.cache,
      meter,
      conditions: () => ({ network: currentNetwork().type, opus: opusPlayable() }),
    });
    const engine = new Engine({
      source: this.source,
      settings: () => {
        const local = localSettings();
        return { crossfadeSeconds: local.crossfadeSeconds, replayGain: session.preferences.replaygain, preampDb: local.preampDb, opus: opusPlayable() };
      },
      analysisFor: songAnalysis,
      transitionFor: songTransition,
    });
    const player = (this.player = new Player({
      engine,
      source: this.source,
      tracker: this.tracker,
      cache: this.cache,
      catalog: this.catalog,
      preferences: () => session.preferences,
    }));
    if (this.usage) recordUsage({ ledger: this.usage, source: this.source, player, cache: this.cache, network: currentNetwork });
    player.addEventListener("error", (event) => announce(`Playback failed: ${event.detail.error.message}`, { error: true }));
    const likes = (this.likes = new Likes({ tracker: this.tracker }));
    this.offlineCopies = new OfflineCopies(this.cache);
    await this.openDownloads();
    this.nav = new Navigation(session);
    const panel = new SidePanel(document.getElementById("side-panel"), { player });
    this.nowPlaying = new NowPlaying(document.getElementById("now-playing"), { player, likes });
    mountPlayerBar(document.getElementById("player"), { player, likes, nowPlaying: this.nowPlaying, panel });
    // Internet radio plays through its own <audio> element; one of the two plays at a time.
    const radioPlayer = (this.radio = new RadioPlayer());
    radioPlayer.addEventListener("start", () => player.engine.playing && player.toggle());
    player.addEventListener("change", () => player.engine.playing && radioPlayer.stop());
    mountRadioBar(document.getElementById("radio-bar"), radioPlayer);
    bindKeyboard({ player, likes, panel });
    window.addEventListener("hashchange", () => this.route());
    this.bindSearchBox();
    await player.resume();
    this.uploads = (await session.mayUpload()) ? new UploadQueue() : null;
    if (this.uploads) mountUploads(this.uploads, { catalog: this.catalog, redraw: () => this.route() });
    this.nav.setUser(session.user);
    this.pieces = this.viewPieces();
    await this.route();
    likes.load();
    this.background();
    // A deliberately small hook for the browser tests and bench/bench_web_player.py, for what
    // the page does not show: the engine's timing (gapless joins, crossfades, the <audio>
    // element, which is never in the document), the player's record of each play (where its
    // audio came from, tap-to-audio), the stores' contents (offline copies byte for byte,
    // queued events, the catalogue, the usage ledger) and a few drivers (send the events now,
    // auto-cache now, a download with a test-sized prefetch). What a user sees or hears is
    // tested through the page instead.
    window.tonearm = {
      player,
      engine,
      source: this.source,
      cache: this.cache,
      events: this.events,
      catalog: this.catalog,
      downloads: this.downloads,
      usage: this.usage,
      autoCache: () => this.autoCache(),
      ready: true,
    };
    document.body.dataset.ready = "true";
  }

  /**
   * What views are handed; each takes the pieces it names. `songActions` is what a song
   * list's rows do with their song (ui/song-list.js): play it, like it, add it to a
   * playlist, download it, mark it as kept offline.
   */
  viewPieces() {
    const { session, connectivity, likes, offlineCopies, player, cache, catalog, downloads, source, tracker, usage, uploads, radio } = this;
    return {
      session,
      connectivity,
      likes,
      offlineCopies,
      player,
      cache,
      catalog,
      downloads,
      source,
      tracker,
      usage,
      uploads,
      radio,
      songActions: { player, likes, tracker, downloads, offlineCopies },
      redraw: () => this.route(),
      signOut: () => this.signOut(),
    };
  }

  /** The session's preferences; the theme and the cache limit follow them. */
  async loadPreferences(answer) {
    await this.session.loadPreferences(answer);
    const theme = () => applyTheme(this.session.preferences.theme ?? PREFERENCE_DEFAULTS.theme);
    theme();
    // Whoever changes the preferences (the Settings screen) does it through the session.
    this.session.addEventListener("preferences", () => {
      theme();
      this.cache?.setLimit(this.session.preferences.offline_cache_mb * MB).catch(() => {});
    });
  }

  async openStores() {
    try {
      this.cache = await OfflineCache.open({ limitBytes: this.session.preferences.offline_cache_mb * MB });
      this.cache.requestPersistence().catch(() => false);
    } catch {
      this.cache = null; // private mode, or no Cache Storage: play without an offline copy
    }
    try {
      this.events = await EventQueue.open({
        send: fetchSender({ url: "api/events", csrfToken }),
        batchSize: 10,
      });
      this.events.flushOnHide();
      this.tracker = new ListeningTracker({ queue: this.events, network: () => currentNetwork() });
    } catch {
      this.events = null;
    }
    try {
      this.catalog = await CatalogDb.open();
    } catch {
      this.catalog = null;
    }
    try {
      this.usage = await UsageLedger.open();
    } catch {
      this.usage = null; // no IndexedDB: play without a usage record
    }
  }

  /**
   * Downloads for offline: the download manager, resuming its queue now. Signed
   * URLs come the player's way (AudioSource.ticket), a fresh one after a 401. A song played
   * completes its prefetch-mode download (after its length: the player usually keeps the
   * whole song meanwhile, which is then adopted). Lists repaint their offline markers when
   * the offline copies change.
   */
  async openDownloads() {
    this.downloads = null;
    if (!this.cache) return;
    try {
      this.downloads = await DownloadManager.open({
        cache: this.cache,
        ticket: (songId, quality, { fresh }) => {
          if (fresh) this.source.forget(songId);
          return this.source.ticket(songId, quality);
        },
        // Downloaded bytes are network data too (the usage dashboard).
        onBytes: (count) => this.usage?.received(count, currentNetwork().type),
      });
    } catch {
      return; // no IndexedDB: no downloads
    }
    this.downloads.addEventListener("change", (event) => {
      const item = event.detail.songId && this.downloads.item(event.detail.songId);
      if (item?.state === "done") this.offlineCopies.changed();
    });
    this.player.addEventListener("cached", (event) => {
      this.offlineCopies.changed();
      if (event.detail?.songId) this.downloads.kept(event.detail.songId).catch(() => {});
    });
    let playing = null;
    this.player.addEventListener("change", () => {
      const current = this.player.song;
      if (!current || current.id === playing) return;
      playing = current.id;
      this.downloads.played(current.id, { afterMs: (current.duration_ms || 0) + 5000 }).catch(() => {});
    });
  }

  /** Catalogue sync, event sending and auto-caching, off the critical path. */
  background() {
    const fetchJson = (path) => api(path.replace(/^\//, ""));
    const run = async () => {
      if (this.connectivity.offline) return;
      await this.events?.flush().catch(() => {});
      await this.catalog?.sync(fetchJson).catch(() => {});
    };
    setTimeout(run, 2000);
    setInterval(run, FLUSH_EVERY_MS);
    if (localSettings().autoCache) {
      // Later, and only while nothing plays: auto-caching must not compete with playback.
      setInterval(() => {
        if (!this.player.engine.playing) this.autoCache().catch(() => {});
      }, AUTO_CACHE_EVERY_MS);
    }
  }

  /** Caches the most played songs now (on Wi-Fi only); resolves to how many were added. */
  async autoCache() {
    if (this.autoCaching) return 0;
    this.autoCaching = true;
    const { cache, source, usage, connectivity } = this;
    try {
      // `offline` is read as the songs go, so a lost server stops the run.
      return await autoCacheTopSongs({ cache, source, usage, get offline() { return connectivity.offline; } });
    } finally {
      this.autoCaching = false;
    }
  }

  async signOut() {
    await this.events?.flush().catch(() => {});
    await api("api/auth/session", { method: "DELETE" }).catch(() => {});
    this.player?.engine.pause();
    this.radio?.stop();
    localStorage.removeItem(USER_KEY);
    localStorage.removeItem("tonearm.player");
    await this.catalog?.clear().catch(() => {});
    // Drop the hash without a hashchange: routing now would ask the server for a view the
    // ended session may no longer read (a 401 in the console) just before the reload.
    history.replaceState(null, "", location.pathname + location.search);
    location.reload();
  }

  bindSearchBox() {
    const input = document.getElementById("search");
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      // Search as you type, without a request per keystroke.
      timer = setTimeout(() => {
        const text = input.value.trim();
        location.hash = text ? `#/search/${encodeURIComponent(text)}` : "#/songs";
      }, 150);
    });
    document.getElementById("search-form").addEventListener("submit", (event) => event.preventDefault());
  }

  /** Renders the view the hash names. */
  async route() {
    const token = ++this.routeToken;
    const [path, queryString] = location.hash.replace(/^#\/?/, "").split("?");
    const [name, ...rest] = path.split("/");
    const view = ROUTES[name] || ROUTES[""];
    const argument = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
    const main = document.getElementById("main");
    this.nav.mark(name in ROUTES ? name : "");
    this.nowPlaying.close();
    main.setAttribute("aria-busy", "true");
    try {
      const content = await view(this.pieces, argument, new URLSearchParams(queryString || ""));
      if (token !== this.routeToken) return;
      main.replaceChildren(content);
      // The Search tab opens the box, ready to type in.
      if (name === "search" && !argument) document.getElementById("search").focus();
    } catch (error) {
      if (token !== this.routeToken) return;
      main.replaceChildren(h("section", null, h("h1", null, "Cannot show this page"), h("p.error", null, error.offline ? "You are offline, and this page needs the server." : error.message)));
    } finally {
      main.removeAttribute("aria-busy");
    }
  }
}

const app = new App();
app.start().catch((error) => announce(`tonearm failed to start: ${error.message}`, { error: true }));
