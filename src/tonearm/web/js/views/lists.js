/** Your own lists: liked songs, history (counted plays) and trending. */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList } from "../ui/song-list.js";
import { heading } from "./library.js";

export async function likes({ player, songActions }) {
  const page = await api("api/user/likes" + query({ limit: 200 }));
  const songs = page.items.map((item) => item.song);
  return h("section", null, heading("Liked songs", songs, player), songList(songs, { actions: songActions, label: "Liked songs" }));
}

export async function history({ player, songActions }) {
  const page = await api("api/user/history" + query({ limit: 200 }));
  const songs = page.items.map((item) => item.song);
  return h(
    "section",
    null,
    heading("History", songs, player),
    h("p.meta", null, "Counted plays, newest first."),
    songList(songs, { actions: songActions, label: "History" }),
  );
}

export async function trending({ player, songActions }) {
  const answer = await api("api/trending" + query({ limit: 50 }));
  // Before the popularity job has run the list is by play count: songs never played are
  // no trend.
  const songs = answer.source === "trending:daily" ? answer.items : answer.items.filter((song) => song.play_count > 0);
  return h(
    "section",
    null,
    heading("Trending", songs, player),
    songs.length
      ? [h("p.meta", null, answer.source === "trending:daily" ? "Ranked by the hourly popularity job." : "The most played songs."), songList(songs, { actions: songActions, label: "Trending" })]
      : h("p.empty", null, "Nothing has been played yet: what you and others play most shows here."),
  );
}
