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
 *   of the song when the network fails. When an <audio> element plays one (a browser without
 *   MSE), its beginning comes from a partial offline copy of that rendition when there is one
 *   (the page's prefetch), and a song it reads whole from its first byte is handed to the page
 *   to keep in the offline cache: the bytes cross the network once.
 * - Cover art is kept as it is seen, for the offline library; other API calls pass through.
 * - The page itself (index.html) is served from the shell, then fetched again in the
 *   background for the next start: its Content-Security-Policy names the internet radio
 *   stations' origins, which change without a release.
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
    const [, , songId, kind] = path.split("/");
    const from = openRangeStart(request.headers.get("Range"));
    if (request.destination === "audio" && from !== null) {
      event.respondWith(elementMedia(event, decodeURIComponent(songId), kind, from));
    } else {
      event.respondWith(mediaWithFallback(request, songId));
    }
  } else if (/^api\/(songs|albums|artists)\/[^/]+\/art$/.test(path)) {
    event.respondWith(coverArt(request, path.startsWith("api/songs/")));
  } else if (path.startsWith("api/") || path.startsWith("share/") || path.startsWith("rest/")) {
    return; // the server's own pages (a share, the API docs) are not the app's shell
  } else if (request.mode === "navigate" || path === "" || path === "index.html") {
    event.respondWith(shell(base("./"), request));
    event.waitUntil(refreshPage(base("./")));
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

/**
 * Keeps the shell's copy of the page as the server sends it now (its headers included), when
 * it is still this release's page; offline, or for another release, the copy stays.
 */
async function refreshPage(key) {
  try {
    const response = await fetch(key, { cache: "no-cache", credentials: "same-origin" });
    if (!response.ok) return;
    const text = await response.clone().text();
    if (!text.includes(`data-version="${VERSION}"`)) return; // another release's worker takes over
    await (await caches.open(SHELL_CACHE)).put(key, response);
  } catch {
    // Offline or the server is away: the copy in the shell serves.
  }
}

/** The offline copy of a song, whole or the Range asked for. */
async function offlineAudio(songId, request) {
  const hit = await offlineCopy(songId);
  if (!hit) return new Response("not cached", { status: 404 });
  return withRange(hit, request.headers.get("Range"));
}

/** The song's offline copy (whole or partial) as the page stored it, or undefined. */
async function offlineCopy(songId) {
  const cache = await caches.open(AUDIO_CACHE);
  const key = `offline/audio/${encodeURIComponent(songId)}`;
  return (await cache.match(base(key))) || (await cache.match(`/${key}`));
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

/**
 * A media request of an <audio> element, from byte `from` to the end: the partial offline
 * copy's bytes first when it holds that rendition's beginning, then the network. Read whole
 * from byte 0, the song is posted to the page ("tonearm:media-read") to keep.
 */
async function elementMedia(event, songId, kind, from) {
  const request = event.request;
  let response;
  try {
    response = (await fromPartialCopy(request, songId, kind, from)) || (await fetch(request));
  } catch (error) {
    const cached = await offlineAudio(songId, request);
    if (cached.status !== 404) return cached;
    throw error;
  }
  if (from !== 0 || !response.body || (response.status !== 200 && response.status !== 206)) return response;
  let settle;
  event.waitUntil(new Promise((resolve) => (settle = resolve)));
  return readAlong(response, settle, async (blob) => {
    const served = response.headers.get("X-Tonearm-Served");
    const message = { type: "tonearm:media-read", url: request.url, served, blob };
    const client = event.clientId && (await self.clients.get(event.clientId));
    const targets = client ? [client] : await self.clients.matchAll({ type: "window" });
    for (const target of targets) target.postMessage(message);
  });
}

/** The start of `bytes=N-` (0 without a Range), or null for any other Range. */
function openRangeStart(range) {
  if (!range) return 0;
  const match = /^bytes=(\d+)-$/.exec(range.trim());
  return match ? Number(match[1]) : null;
}

/**
 * A 206 from byte `from` that starts with the partial offline copy's bytes and goes on with
 * the network's, asked for (by Range) only once the element has read the copy's: so the
 * song starts without waiting on the network. Null when the copy is not of this rendition
 * or does not reach `from`.
 */
async function fromPartialCopy(request, songId, kind, from) {
  const copy = await offlineCopy(songId);
  if (!copy || copy.headers.get("X-Tonearm-Partial") !== "1") return null;
  if (copy.headers.get("X-Tonearm-Quality") !== kind) return null;
  const size = Number(copy.headers.get("X-Tonearm-Total-Bytes"));
  const head = new Uint8Array(await copy.arrayBuffer());
  if (!(size > head.length) || from >= head.length) return null;
  let reader = null;
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(head.subarray(from));
    },
    async pull(controller) {
      if (!reader) {
        const headers = new Headers(request.headers);
        headers.set("Range", `bytes=${head.length}-`);
        const rest = await fetch(request.url, { headers, credentials: "same-origin", cache: "no-store" });
        const served = rest.headers.get("X-Tonearm-Served");
        if (rest.status !== 206 || (served && served !== kind)) {
          rest.body?.cancel().catch(() => {});
          throw new Error(`the rest of ${songId} came back as ${rest.status} ${served || ""}`);
        }
        reader = rest.body.getReader();
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader?.cancel(reason);
    },
  });
  const headers = new Headers({
    "Content-Type": copy.headers.get("Content-Type") || "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Content-Range": `bytes ${from}-${size - 1}/${size}`,
    "Content-Length": String(size - from),
  });
  return new Response(body, { status: 206, headers });
}

/**
 * `response` as the element reads it, its bytes kept on the side; `onWhole` gets them as
 * one Blob once the last one has been read and they are the whole file. Nothing is read
 * ahead of the element: stopping it stops the download. `settle` is called at the end either way.
 */
function readAlong(response, settle, onWhole) {
  const range = /^bytes 0-(\d+)\/(\d+)$/.exec(response.headers.get("Content-Range") || "");
  const whole = response.status === 200 || (range && Number(range[1]) + 1 === Number(range[2]));
  const size = range ? Number(range[2]) : Number(response.headers.get("Content-Length") || NaN);
  const type = response.headers.get("Content-Type") || "";
  const reader = response.body.getReader();
  let parts = [];
  let count = 0;
  const body = new ReadableStream({
    async pull(controller) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        settle();
        throw error;
      }
      if (chunk.done) {
        controller.close();
        if (whole && (Number.isNaN(size) || count === size)) await onWhole(new Blob(parts, { type })).catch(() => {});
        parts = [];
        settle();
        return;
      }
      parts.push(chunk.value);
      count += chunk.value.length;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      parts = [];
      settle();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Cover art from the network (a song's, an album's or an artist's), kept for offline use. A
 * song without art gets the placeholder icon; an album or artist card draws its own
 * placeholder when its image fails, so those get the failure.
 */
async function coverArt(request, placeholderIcon) {
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
  if (response && (response.status !== 404 || !placeholderIcon)) return response;
  if (!placeholderIcon) return new Response("", { status: 504 });
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
