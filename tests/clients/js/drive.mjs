// Drives a live tonearm server with the npm Subsonic client library `subsonic-api` the way a
// player app would, and prints ONE JSON object on stdout with what each call answered; the
// Python side (tests/api/subsonic/test_js_client.py) asserts on it.
//
//   node drive.mjs --url URL --username U --password P [--post]
//   node drive.mjs --url URL --api-key KEY
//
// (or TONEARM_URL, TONEARM_USERNAME, TONEARM_PASSWORD, TONEARM_API_KEY in the environment).
// Any failed call (a thrown error, an HTTP error, a Subsonic `status: "failed"` not asked for)
// ends the script with a non-zero exit code and the error on stderr.

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

import { SubsonicAPI } from "subsonic-api";

const { values: args } = parseArgs({
  options: {
    url: { type: "string", default: process.env.TONEARM_URL },
    username: { type: "string", default: process.env.TONEARM_USERNAME },
    password: { type: "string", default: process.env.TONEARM_PASSWORD },
    "api-key": { type: "string", default: process.env.TONEARM_API_KEY },
    post: { type: "boolean", default: false },
  },
});

if (!args.url) throw new Error("--url (or TONEARM_URL) is required");
const auth = args["api-key"]
  ? { apiKey: args["api-key"] }
  : { username: args.username, password: args.password };
const api = new SubsonicAPI({ url: args.url, auth, post: args.post });

/** The answer of a JSON method, or an Error naming the method if it did not succeed. */
async function call(method, params) {
  const answer = await api[method](params);
  if (!answer || answer.status !== "ok") {
    throw new Error(`${method}(${JSON.stringify(params ?? {})}) failed: ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** The error code of a call expected to fail (the answer is still a Subsonic document). */
async function failure(method, params) {
  const answer = await api[method](params);
  if (answer?.status !== "failed") {
    throw new Error(`${method}(${JSON.stringify(params)}) was expected to fail: ${JSON.stringify(answer)}`);
  }
  return answer.error.code;
}

/** What a binary method (stream, download, getCoverArt) sent: headers and a digest of the body. */
async function binary(method, params) {
  const response = await api[method](params);
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    throw new Error(`${method}(${JSON.stringify(params)}) HTTP ${response.status}: ${body.toString()}`);
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    contentLength: response.headers.get("content-length"),
    contentDisposition: response.headers.get("content-disposition"),
    size: body.length,
    head: body.subarray(0, 16).toString("hex"),
    sha256: createHash("sha256").update(body).digest("hex"),
  };
}

const pick = (object, ...keys) => Object.fromEntries(keys.map((key) => [key, object?.[key] ?? null]));
const songView = (song) =>
  pick(song, "id", "title", "album", "albumId", "artist", "artistId", "track", "year", "genre",
    "duration", "suffix", "contentType", "coverArt", "playCount", "starred", "parent");

const out = { auth: args["api-key"] ? "apiKey" : args.post ? "token-post" : "token" };

// System.
const ping = await call("ping");
out.ping = pick(ping, "status", "version", "openSubsonic", "type", "serverVersion");
out.license = pick((await call("getLicense")).license, "valid");
out.extensions = Object.fromEntries(
  (await call("getOpenSubsonicExtensions")).openSubsonicExtensions.map((e) => [e.name, e.versions]),
);

// Browsing by ID3 tags.
out.musicFolders = ((await call("getMusicFolders")).musicFolders.musicFolder ?? []).map((f) =>
  pick(f, "id", "name"),
);
const artists = (await call("getArtists")).artists;
out.artists = {
  ignoredArticles: artists.ignoredArticles,
  indexes: (artists.index ?? []).map((index) => ({
    name: index.name,
    artists: (index.artist ?? []).map((a) => pick(a, "id", "name", "albumCount", "coverArt")),
  })),
};
const byName = Object.fromEntries(
  out.artists.indexes.flatMap((index) => index.artists).map((a) => [a.name, a.id]),
);
const nina = (await call("getArtist", { id: byName["Nina Vale"] })).artist;
out.artist = {
  ...pick(nina, "id", "name", "albumCount"),
  albums: (nina.album ?? []).map((a) => pick(a, "id", "name", "artist", "artistId", "songCount", "year")),
};
const album = (await call("getAlbum", { id: nina.album[0].id })).album;
out.album = {
  ...pick(album, "id", "name", "artist", "artistId", "year", "songCount", "duration", "coverArt"),
  songs: (album.song ?? []).map(songView),
};
const lowTide = album.song.find((s) => s.title === "Low Tide");
out.song = songView((await call("getSong", { id: lowTide.id })).song);
out.genres = ((await call("getGenres")).genres.genre ?? []).map((g) =>
  pick(g, "value", "songCount", "albumCount"),
);

// Browsing by folders: the index, then the album's folder the song names as its parent.
const indexes = (await call("getIndexes")).indexes;
out.indexes = (indexes.index ?? []).flatMap((index) => (index.artist ?? []).map((a) => a.name));
const folder = (await call("getMusicDirectory", { id: lowTide.parent })).directory;
out.directory = {
  ...pick(folder, "id", "name", "parent"),
  children: (folder.child ?? []).map((c) => pick(c, "id", "title", "isDir")),
};

// Search, lists.
const searched = async (query) => {
  const result = (await call("search3", { query, artistCount: 10, albumCount: 10, songCount: 10 }))
    .searchResult3;
  return {
    query,
    artists: (result.artist ?? []).map((a) => a.name),
    albums: (result.album ?? []).map((a) => a.name),
    songs: (result.song ?? []).map((s) => pick(s, "id", "title", "artist")),
  };
};
out.search = {
  plain: await searched("signal"),
  folded: await searched("Chloe Durand"), // the library holds "Chloé Durand"
  foldedSong: await searched("reverie"), // and the song "Rêverie"
};
out.randomSongs = ((await call("getRandomSongs", { size: 10 })).randomSongs.song ?? []).map(songView);
out.albumList2 = ((await call("getAlbumList2", { type: "alphabeticalByName", size: 10 })).albumList2
  .album ?? []).map((a) => pick(a, "id", "name", "artist", "songCount"));
const songIds = Object.fromEntries(
  (await searched("")).songs.map((s) => [s.title, s.id]),
);
out.songIds = songIds;

// Stars: a song, its album and its artist, then gone again.
const starred2 = async () => {
  const starred = (await call("getStarred2")).starred2;
  return {
    songs: (starred.song ?? []).map((s) => pick(s, "id", "title", "starred")),
    albums: (starred.album ?? []).map((a) => a.id),
    artists: (starred.artist ?? []).map((a) => a.id),
  };
};
await call("star", { id: lowTide.id, albumId: album.id, artistId: nina.id });
out.starredAfterStar = await starred2();
out.songAfterStar = songView((await call("getSong", { id: lowTide.id })).song);
await call("unstar", { id: lowTide.id, albumId: album.id, artistId: nina.id });
out.starredAfterUnstar = await starred2();

// A rating, then none again.
await call("setRating", { id: lowTide.id, rating: 4 });
out.ratingAfterSet = (await call("getSong", { id: lowTide.id })).song.userRating ?? null;
await call("setRating", { id: lowTide.id, rating: 0 });
out.ratingAfterClear = (await call("getSong", { id: lowTide.id })).song.userRating ?? null;

// A bookmark, then gone.
await call("createBookmark", { id: lowTide.id, position: 4321, comment: "pick up here" });
out.bookmarks = ((await call("getBookmarks")).bookmarks.bookmark ?? []).map((b) => ({
  ...pick(b, "position", "comment", "username"),
  entry: b.entry?.id ?? null,
}));
await call("deleteBookmark", { id: lowTide.id });
out.bookmarksAfterDelete = ((await call("getBookmarks")).bookmarks.bookmark ?? []).length;

// Scrobbles: "now playing", then a play.
const signalOne = songIds["Signal One"];
const playCount = async () => (await call("getSong", { id: signalOne })).song.playCount ?? 0;
out.playCountBefore = await playCount();
await call("scrobble", { id: signalOne, submission: false });
out.nowPlaying = ((await call("getNowPlaying")).nowPlaying.entry ?? []).map((e) =>
  pick(e, "id", "title", "username", "playerName"),
);
out.playCountAfterNowPlaying = await playCount();
await call("scrobble", { id: signalOne, submission: true, time: Date.now() });
out.playCountAfterScrobble = await playCount();

// Playlists: create, read, delete, then it is gone.
const playlistName = `subsonic-api mix (${out.auth})`;
const listed = [songIds["Harbour Lights"], songIds["Low Tide"], songIds["Signal One"]];
const created = (await call("createPlaylist", { name: playlistName, songId: listed })).playlist;
out.createdPlaylist = pick(created, "id", "name", "songCount", "owner");
const playlist = (await call("getPlaylist", { id: created.id })).playlist;
out.playlist = {
  ...pick(playlist, "id", "name", "songCount", "duration", "owner", "public"),
  entries: (playlist.entry ?? []).map((e) => e.id),
};
out.playlistsListed = ((await call("getPlaylists")).playlists.playlist ?? []).map((p) => p.name);
await call("updatePlaylist", {
  playlistId: created.id,
  comment: "via subsonic-api",
  songIdToAdd: [songIds["Rêverie"]],
  songIndexToRemove: [0],
});
const updated = (await call("getPlaylist", { id: created.id })).playlist;
out.updatedPlaylist = {
  ...pick(updated, "comment", "songCount", "duration"),
  entries: (updated.entry ?? []).map((e) => e.id),
};
await call("deletePlaylist", { id: created.id });
out.deletedPlaylistCode = await failure("getPlaylist", { id: created.id });

// Play queue.
const queued = [songIds["Low Tide"], songIds["Signal One"]];
await call("savePlayQueue", { id: queued, current: queued[1], position: 12345 });
const queue = (await call("getPlayQueue")).playQueue;
out.playQueue = {
  ...pick(queue, "current", "position", "username", "changedBy"),
  entries: (queue?.entry ?? []).map((e) => e.id),
};
await call("savePlayQueue", { position: 0 }); // no id: cleared (OpenSubsonic)
out.clearedPlayQueue = (await call("getPlayQueue")).playQueue?.entry ?? [];

// Lyrics (OpenSubsonic songLyrics). The library's typing says `lyricsList` is the array; the
// specification (and tonearm) nest it under `structuredLyrics`.
const lyricsList = (await call("getLyricsBySongId", { id: signalOne })).lyricsList;
out.lyrics = (lyricsList.structuredLyrics ?? []).map((l) => ({
  ...pick(l, "lang", "synced", "displayArtist", "displayTitle"),
  lines: (l.line ?? []).map((line) => pick(line, "start", "value")),
}));

// Bytes: cover art, a stream as the client asks it (mp3), the original FLAC, a download.
out.coverArt = await binary("getCoverArt", { id: album.coverArt, size: 32 });
out.streamMp3 = await binary("stream", { id: signalOne });
out.streamFlacRaw = await binary("stream", { id: lowTide.id, format: "raw" });
out.streamFlacAsMp3 = await binary("stream", { id: lowTide.id, format: "mp3", maxBitRate: 128 });
out.streamFromOffset = await binary("stream", { id: lowTide.id, format: "mp3", maxBitRate: 128, timeOffset: 4 });
out.download = await binary("download", { id: lowTide.id });

process.stdout.write(`${JSON.stringify(out)}\n`);
