/**
 * The web player's entry point: signs in, opens the offline stores, builds the player,
 * routes between views (hash routes, so the app works under any sub-path) and wires the
 * keyboard, the service worker's update flow and the background work (catalogue sync,
 * auto-caching, sending listening events).
 */

// Core: the API, the page helpers, the offline stores and the network.
import { api, csrfToken } from "./api.js";
import { announce, h } from "./dom.js";
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
import { autoCacheTopSongs } from "./player/autocache.js";
import { recordUsage } from "./player/usage.js";
// The shell: navigation, the player bar, Now Playing, the side panel, keys, updates, uploads.
import { bindKeyboard } from "./ui/keyboard.js";
import { Navigation } from "./ui/nav.js";
import { NowPlaying } from "./ui/now-playing.js";
import { mountPlayerBar, setVolume } from "./ui/player-bar.js";
import { SidePanel } from "./ui/side-panel.js";
import { registerServiceWorker } from "./ui/updates.js";
import { initUploads } from "./ui/uploads.js";
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

const USER_KEY = "tonearm.user";
const PREFERENCES_KEY = "tonearm.preferences";
const FLUSH_EVERY_MS = 30_000;
const PROBE_EVERY_MS = 3000;
const AUTO_CACHE_EVERY_MS = 5 * 60_000;
const MB = 1024 * 1024;

/** Hash routes: "#/album/ID" → views by their first part, grouped by screen. */
const ROUTES = {
  // Home and the phone's Library landing page.
  "": (app) => home(app),
  home: (app) => home(app),
  library: () => libraryIndex(),
  // Browsing the library.
  songs: (app) => library.songs(app),
  artists: (app) => library.artists(app),
  artist: (app, id) => library.artist(app, id),
  albums: (app) => library.albums(app),
  album: (app, id) => library.album(app, id),
  genres: (app) => library.genres(app),
  genre: (app, name) => library.genre(app, name),
  folders: (app, _, params) => library.folders(app, params.get("path") || undefined),
  song: (app, id) => song(app, id),
  search: (app, text) => search(app, text),
  // Your music.
  playlists: (app) => playlists(app),
  playlist: (app, id) => playlist(app, id),
  likes: (app) => lists.likes(app),
  history: (app) => lists.history(app),
  trending: (app) => lists.trending(app),
  downloads: (app) => downloads(app),
  // Uploads, sharing, network usage, settings and administration.
  upload: (app) => upload(app),
  shares: (app) => shares(app),
  usage: (app) => usage(app),
  settings: (app) => settings(app),
  admin: (app, section) => admin(app, section),
};

// Before anything is drawn: the theme last used on this device, so the page does not flash.
try {
  applyTheme(JSON.parse(localStorage.getItem(PREFERENCES_KEY) || "{}").theme);
} catch {
  // No readable copy: follow the system.
}

class App extends EventTarget {
  constructor() {
    super();
    this.user = null;
    this.preferences = { ...PREFERENCE_DEFAULTS };
    this.likes = new Set();
    this.cache = null;
    this.events = null;
    this.catalog = null;
    this.tracker = null;
    this.routeToken = 0;
  }

  /** Shows a message in the status area. */
  announce(message, options) {
    announce(message, options);
  }

  /**
   * Awaits an API call and shows its error instead of throwing.
   * @returns {Promise<any>} the answer, or undefined after an error (null for a 204 when
   *   `allowNull`).
   */
  async guard(promise, allowNull = false) {
    try {
      const answer = await promise;
      return answer === null && allowNull ? null : answer;
    } catch (error) {
      this.announce(error.offline ? "You are offline." : error.message, { error: true });
      return undefined;
    }
  }

  async start() {
    try {
      await this.firstScreen();
    } finally {
      // Only now: the worker's install downloads the whole shell again (to keep it offline),
      // which would compete with the first screen's own requests. Until it controls the page,
      // requests go straight to the network, as they do without a worker; cover art seen
      // meanwhile is kept offline the next time it is asked for.
      registerServiceWorker(this);
    }
  }

  /** Signs in (or asks to) and draws the first screen. */
  async firstScreen() {
    window.addEventListener("online", () => this.setOnline(true));
    window.addEventListener("offline", () => this.setOnline(false));
    // The device may be online while the server is not (it is down, or on another network).
    window.addEventListener("tonearm:unreachable", () => this.setOnline(false));
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
      this.setOnline(false);
    }
    await this.signedIn(user, preferences);
  }

  /**
   * Builds everything that needs an account, then shows the library.
   * @param {Promise<object>} [preferences] the user's preferences, when already asked for
   */
  async signedIn(user, preferences) {
    this.user = user;
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
        return { crossfadeSeconds: local.crossfadeSeconds, replayGain: this.preferences.replaygain, preampDb: local.preampDb, opus: opusPlayable() };
      },
    });
    this.player = new Player({
      engine,
      source: this.source,
      tracker: this.tracker,
      cache: this.cache,
      catalog: this.catalog,
      preferences: () => this.preferences,
    });
    if (this.usage) recordUsage({ ledger: this.usage, source: this.source, player: this.player, cache: this.cache, network: currentNetwork });
    this.player.addEventListener("error", (event) => this.announce(`Playback failed: ${event.detail.error.message}`, { error: true }));
    await this.openDownloads();
    this.nav = new Navigation(this);
    this.nowPlaying = new NowPlaying(document.getElementById("now-playing"), this);
    mountPlayerBar(document.getElementById("player"), this);
    this.panel = new SidePanel(document.getElementById("side-panel"), this);
    bindKeyboard(this);
    window.addEventListener("hashchange", () => this.route());
    this.bindSearchBox();
    await this.player.resume();
    await initUploads(this).catch(() => null);
    this.nav.setUser(user);
    await this.route();
    this.loadLikes();
    this.background();
    // Tests and the benchmark drive and inspect the player through this.
    window.tonearm = { app: this, player: this.player, engine, cache: this.cache, events: this.events, catalog: this.catalog, source: this.source, downloads: this.downloads, usage: this.usage, ready: true };
    document.body.dataset.ready = "true";
  }

  async loadPreferences(answer = api("api/user/preferences")) {
    try {
      this.preferences = await answer;
      localStorage.setItem(PREFERENCES_KEY, JSON.stringify(this.preferences));
    } catch {
      this.preferences = { ...PREFERENCE_DEFAULTS, ...JSON.parse(localStorage.getItem(PREFERENCES_KEY) || "{}") };
    }
    applyTheme(this.preferences.theme ?? PREFERENCE_DEFAULTS.theme);
    // Whoever changes the preferences (the Settings screen) says so with this event.
    this.addEventListener("preferences", () => applyTheme(this.preferences.theme ?? PREFERENCE_DEFAULTS.theme));
  }

  /** Saves new preferences locally, applies the cache limit and the theme. */
  async setPreferences(preferences) {
    this.preferences = preferences;
    localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
    applyTheme(preferences.theme ?? PREFERENCE_DEFAULTS.theme);
    if (this.cache) await this.cache.setLimit(preferences.offline_cache_mb * MB).catch(() => {});
  }

  async openStores() {
    try {
      this.cache = await OfflineCache.open({ limitBytes: this.preferences.offline_cache_mb * MB });
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
   * whole song meanwhile, which is then adopted). Lists repaint their offline markers on
   * "offline-changed".
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
    const offlineChanged = () => this.dispatchEvent(new Event("offline-changed"));
    this.downloads.addEventListener("change", (event) => {
      const item = event.detail.songId && this.downloads.item(event.detail.songId);
      if (item?.state === "done") offlineChanged();
    });
    this.player.addEventListener("cached", (event) => {
      offlineChanged();
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
      if (this.offline) return;
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
    try {
      return await autoCacheTopSongs(this);
    } finally {
      this.autoCaching = false;
    }
  }

  /**
   * Shows whether the server can be reached. While it cannot, its health is asked every few
   * seconds; once it answers, queued listening events go out and the catalogue catches up.
   */
  setOnline(online) {
    const wasOffline = this.offline;
    this.offline = !online;
    document.getElementById("offline-badge").hidden = online;
    clearInterval(this.probe);
    if (!online) {
      this.probe = setInterval(async () => {
        const reachable = await fetch("api/health", { cache: "no-store" }).then((r) => r.ok, () => false);
        if (reachable) this.setOnline(true);
      }, PROBE_EVERY_MS);
    } else if (wasOffline) {
      // Downloads: what failed while the server was away goes again.
      for (const item of this.downloads?.list() || []) if (item.state === "failed") this.downloads.retry(item.songId).catch(() => {});
      this.events?.flush().catch(() => {});
      this.catalog?.sync((path) => api(path.replace(/^\//, ""))).catch(() => {});
    }
  }

  async loadLikes() {
    try {
      const page = await api("api/user/likes?limit=200");
      this.likes = new Set(page.items.map((item) => item.song.id));
      this.dispatchEvent(new Event("likes"));
    } catch {
      // Offline: likes show once the server is back.
    }
  }

  /** Likes or unlikes a song (the API, and a like/unlike listening event). */
  async toggleLike(target) {
    const liked = this.likes.has(target.id);
    const done = await this.guard(api(`api/songs/${target.id}/like`, { method: liked ? "DELETE" : "PUT" }), true);
    if (done === undefined) return;
    if (liked) this.likes.delete(target.id);
    else this.likes.add(target.id);
    this.tracker?.action(liked ? "unlike" : "like", target).catch(() => {});
    this.dispatchEvent(new Event("likes"));
  }

  async dislike(target) {
    await this.tracker?.action("dislike", target);
    this.announce(`Noted: less like ${target.title}`);
  }

  setVolume(value) {
    setVolume(this, value);
    this.dispatchEvent(new Event("volume"));
  }

  togglePanel(mode) {
    this.panel.toggle(mode);
  }

  async signOut() {
    await this.events?.flush().catch(() => {});
    await api("api/auth/session", { method: "DELETE" }).catch(() => {});
    this.player?.engine.pause();
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
      const content = await view(this, argument, new URLSearchParams(queryString || ""));
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
