/*
 * tonearm's service worker: the app shell offline, cached audio offline, and updates.
 *
 * - The app shell (index.html, the manifest and every versioned asset) is cached when the
 *   worker installs, under a cache named after the release, and served cache-first: the
 *   player starts without the network. A new release changes this file (its version and
 *   asset list are filled in by the server), so the browser installs the new worker beside
 *   the old one; the page offers "Update ready", and on a click the new worker takes over
 *   (skipWaiting) and the page reloads once.
 * - /offline/audio/{songId} is answered from the offline cache (Cache Storage
 *   "tonearm-audio", written by the page), with Range support for <audio>.
 * - Media URLs (/api/media/{songId}/…) go to the network, and fall back to the offline copy
 *   of the song when the network fails.
 * - Cover art is kept as it is seen, for the offline library; other API calls pass through.
 */

const VERSION = "__TONEARM_ASSET_VERSION__";
const ASSETS = __TONEARM_ASSET_LIST__;
const SHELL_CACHE = `tonearm-shell-${VERSION}`;
const ART_CACHE = "tonearm-art";
const AUDIO_CACHE = "tonearm-audio";
const SCOPE = new URL(self.registration.scope);
const base = (path) => new URL(path, SCOPE).href;
const SHELL_URLS = [base("./"), base("manifest.webmanifest"), ...ASSETS.map((a) => base(`v/${VERSION}/${a}`))];

self.addEventListener("install", (event) => {
  // A versioned asset never changes under its URL, so the copies the page has just loaded (in
  // the HTTP cache) are kept as they are instead of downloaded again; index.html and the
  // manifest are checked with the server.
  const request = (url) => new Request(url, { cache: url.includes(`/v/${VERSION}/`) ? "default" : "no-cache" });
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL_URLS.map(request))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("tonearm-shell-") && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  const path = url.pathname.slice(SCOPE.pathname.length);
  if (path.startsWith("offline/audio/")) {
    event.respondWith(offlineAudio(decodeURIComponent(path.slice("offline/audio/".length)), request));
  } else if (path.startsWith("api/media/")) {
    event.respondWith(mediaWithFallback(request, path.split("/")[2]));
  } else if (/^api\/songs\/[^/]+\/art$/.test(path)) {
    event.respondWith(coverArt(request));
  } else if (path.startsWith("api/") || path.startsWith("share/") || path.startsWith("rest/")) {
    return; // the server's own pages (a share, the API docs) are not the app's shell
  } else if (request.mode === "navigate" || path === "" || path === "index.html") {
    event.respondWith(shell(base("./"), request));
  } else if (path.startsWith("v/") || path === "manifest.webmanifest") {
    event.respondWith(shell(request.url, request));
  }
});

/** Cache first from this release's shell; the network for anything not in it. */
async function shell(key, request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(key, { ignoreSearch: true });
  if (hit) return hit;
  return fetch(request);
}

/** The offline copy of a song, whole or the Range asked for. */
async function offlineAudio(songId, request) {
  const cache = await caches.open(AUDIO_CACHE);
  const hit = await cache.match(base(`offline/audio/${encodeURIComponent(songId)}`)) ||
    (await cache.match(`/offline/audio/${encodeURIComponent(songId)}`));
  if (!hit) return new Response("not cached", { status: 404 });
  return withRange(hit, request.headers.get("Range"));
}

async function mediaWithFallback(request, songId) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await offlineAudio(songId, request);
    if (cached.status !== 404) return cached;
    throw error;
  }
}

/** Cover art from the network, kept for offline use; a song without art gets a placeholder. */
async function coverArt(request) {
  const cache = await caches.open(ART_CACHE);
  let response = null;
  try {
    response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
      return response;
    }
  } catch {
    response = null;
  }
  const hit = await cache.match(request);
  if (hit) return hit;
  if (response && response.status !== 404) return response;
  const placeholder = await caches.match(base(`v/${VERSION}/icons/cover.svg`));
  return placeholder || new Response("", { status: 404 });
}

/** A 206 for `bytes=a-b` / `bytes=a-` / `bytes=-n` over a cached whole response. */
async function withRange(response, range) {
  const match = range && /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match) return response;
  const body = await response.arrayBuffer();
  const size = body.byteLength;
  let start = match[1] === "" ? size - Number(match[2]) : Number(match[1]);
  let end = match[1] === "" || match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  start = Math.max(0, start);
  if (start >= size || end < start) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  const headers = new Headers(response.headers);
  headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  headers.set("Content-Length", String(end - start + 1));
  return new Response(body.slice(start, end + 1), { status: 206, headers });
}
