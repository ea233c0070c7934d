/**
 * Podcasts (GET /api/podcasts): the subscribed channels as a grid of cards, and a channel's
 * page with its episodes — status, when published, length, where you stopped — where an
 * admin subscribes by URL, refreshes, downloads and deletes episodes' files.
 *
 * A downloaded episode plays in this page's own <audio> element from its signed stream URL
 * (Range, so seeking works): the main player is built around songs (renditions, the play
 * rule, the offline cache), which episodes do not have. Where you are is saved every 15 s,
 * on pause and at the end (marked played), and read back on any device.
 */

import { api } from "../api.js";
import { formatDuration, h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { artThumb, cardGrid } from "../ui/cards.js";

const SAVE_EVERY_MS = 15_000;
const POLL_EVERY_MS = 3_000;
const STATUS_NAMES = { new: "Not downloaded", downloading: "Downloading…", completed: "Downloaded", error: "Download failed", deleted: "File deleted" };

function isAdmin(session) {
  return session.user?.role === "admin";
}

/**
 * The Podcasts screen: `#/podcasts` lists channels, `#/podcasts/<id>` shows one.
 * @param {{session: any, player: any}} pieces
 * @param {string|undefined} channelId
 */
export async function podcasts(pieces, channelId) {
  return channelId ? channelPage(pieces, channelId) : channelGrid(pieces);
}

function channelCard(channel) {
  const title = channel.title || channel.url;
  const href = `#/podcasts/${channel.id}`;
  return h(
    "li.art-card.podcast-card",
    { dataset: { channelId: channel.id, status: channel.status } },
    h("a.art-link", { href, tabindex: "-1", "aria-hidden": "true" }, artThumb(channel.image_url, title, 180)),
    h("a.card-title", { href }, title),
    channel.status === "error" ? h("span.card-sub.error", null, "Cannot read the feed") : null,
  );
}

function subscribeForm(onSubscribed) {
  const input = h("input", { id: "podcast-url", type: "url", name: "url", required: true, placeholder: "https://example.org/feed.xml", autocomplete: "off" });
  const button = h("button.primary", { type: "submit" }, "Subscribe");
  const form = h(
    "form.podcast-subscribe",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        const channel = await guard(api("api/podcasts", { method: "POST", body: { url: input.value.trim() } }));
        button.disabled = false;
        if (!channel) return;
        input.value = "";
        announce(channel.status === "error" ? `Subscribed, but the feed cannot be read: ${channel.error}` : `Subscribed to ${channel.title || channel.url}`, { error: channel.status === "error" });
        onSubscribed(channel);
      },
    },
    h("label", { for: "podcast-url" }, "Subscribe to a feed"),
    h("div.podcast-subscribe-row", null, input, button),
  );
  return form;
}

async function channelGrid({ session }) {
  const section = h("section.podcasts");
  const render = (channels) => {
    section.replaceChildren(
      h("div.view-head", null, h("h1", null, "Podcasts")),
      isAdmin(session) ? subscribeForm((channel) => render([...channels, channel])) : null,
      channels.length
        ? cardGrid(channels.map(channelCard), "Podcast channels")
        : h("p.empty", null, isAdmin(session) ? "No podcasts yet: subscribe to a feed above." : "No podcasts yet: an admin subscribes to them."),
    );
  };
  render(await api("api/podcasts"));
  return section;
}

function published(episode) {
  return episode.published_at ? new Date(episode.published_at).toLocaleDateString() : null;
}

function whereYouAre(episode) {
  const progress = episode.progress;
  if (!progress) return null;
  if (progress.played) return h("span.episode-played", null, "Played");
  return progress.position_ms > 0 ? h("span.episode-resume", null, `Stopped at ${formatDuration(progress.position_ms)}`) : null;
}

async function channelPage({ session, player }, channelId) {
  const section = h("section.podcast");
  const audio = /** @type {HTMLAudioElement} */ (h("audio.episode-audio", { controls: true, preload: "none", hidden: true }));
  const nowPlaying = h("p.episode-now.meta", { "aria-live": "polite" });
  let playing = null; // the episode in the audio element
  let lastSaved = 0;
  let poll = 0;

  const save = async (played) => {
    if (!playing) return;
    lastSaved = Date.now();
    const body = { position_ms: Math.round((audio.currentTime || 0) * 1000) };
    if (played !== undefined) body.played = played;
    const progress = await guard(api(`api/podcasts/episodes/${playing.id}/progress`, { method: "PUT", body }));
    if (progress) playing.progress = progress;
  };
  audio.addEventListener("timeupdate", () => {
    if (Date.now() - lastSaved >= SAVE_EVERY_MS) save();
  });
  audio.addEventListener("pause", () => {
    if (!audio.ended) save();
  });
  audio.addEventListener("ended", async () => {
    await save(true);
    await reload();
  });

  const play = (episode) => {
    // One thing at a time: music pauses while an episode plays.
    if (player?.engine?.playing) player.toggle();
    playing = episode;
    const resumeMs = episode.progress && !episode.progress.played ? episode.progress.position_ms : 0;
    audio.hidden = false;
    audio.src = episode.stream_url;
    audio.currentTime = resumeMs / 1000;
    nowPlaying.textContent = `Playing: ${episode.title}`;
    lastSaved = Date.now();
    audio.play().catch((error) => announce(`Cannot play: ${error.message}`, { error: true }));
  };

  const act = async (request, message) => {
    const done = await guard(request, true);
    if (done === undefined) return;
    if (message) announce(message);
    await reload();
  };

  const episodeItem = (episode) => {
    const admin = isAdmin(session);
    const facts = [published(episode), episode.duration_seconds ? formatDuration(episode.duration_seconds * 1000) : null].filter(Boolean).join(" · ");
    return h(
      "li.episode",
      { dataset: { episodeId: episode.id, status: episode.status } },
      h(
        "div.episode-head",
        null,
        h("strong.episode-title", null, episode.title),
        h("span.meta", null, facts),
      ),
      episode.description ? h("p.episode-description", null, episode.description) : null,
      h(
        "div.episode-facts",
        null,
        h("span.episode-status", { class: episode.status === "error" ? "error" : "" }, STATUS_NAMES[episode.status] || episode.status),
        episode.status === "error" && episode.error ? h("span.error", null, ` ${episode.error}`) : null,
        whereYouAre(episode),
      ),
      h(
        "div.episode-actions",
        null,
        episode.stream_url ? h("button.primary.episode-play", { type: "button", onclick: () => play(episode) }, episode.progress?.position_ms && !episode.progress.played ? "Resume" : "Play") : null,
        admin && ["new", "error", "deleted"].includes(episode.status)
          ? h("button.episode-download", { type: "button", onclick: () => act(api(`api/podcasts/episodes/${episode.id}/download`, { method: "POST" }), "Download queued") }, "Download")
          : null,
        episode.progress?.played
          ? null
          : h("button.episode-mark-played", { type: "button", onclick: () => act(api(`api/podcasts/episodes/${episode.id}/progress`, { method: "PUT", body: { position_ms: episode.progress?.position_ms ?? 0, played: true } })) }, "Mark played"),
        admin && episode.status === "completed"
          ? h("button.danger.episode-delete", { type: "button", onclick: () => confirm(`Delete the file of “${episode.title}”?`) && act(api(`api/podcasts/episodes/${episode.id}`, { method: "DELETE" }), "Episode file deleted") }, "Delete file")
          : null,
      ),
    );
  };

  const render = (channel) => {
    const admin = isAdmin(session);
    const title = channel.title || channel.url;
    section.replaceChildren(
      h("p", null, h("a", { href: "#/podcasts" }, "← Podcasts")),
      h(
        "div.podcast-head",
        null,
        artThumb(channel.image_url, title, 120),
        h(
          "div",
          null,
          h("h1", null, title),
          channel.description ? h("p.podcast-description", null, channel.description) : null,
          channel.status === "error" ? h("p.error.podcast-error", null, `The feed cannot be read: ${channel.error}`) : null,
          admin
            ? h(
                "div.podcast-actions",
                null,
                h("button.podcast-refresh", { type: "button", onclick: () => act(api(`api/podcasts/${channel.id}/refresh`, { method: "POST" }), "Feed refreshed") }, "Refresh"),
                h(
                  "button.danger.podcast-unsubscribe",
                  {
                    type: "button",
                    onclick: async () => {
                      if (!confirm(`Unsubscribe from “${title}”? Its downloaded episodes are deleted.`)) return;
                      if ((await guard(api(`api/podcasts/${channel.id}`, { method: "DELETE" }), true)) === undefined) return;
                      announce("Unsubscribed");
                      location.hash = "#/podcasts";
                    },
                  },
                  "Unsubscribe",
                ),
              )
            : null,
        ),
      ),
      nowPlaying,
      audio,
      channel.episodes.length ? h("ul.episode-list", { "aria-label": "Episodes" }, channel.episodes.map(episodeItem)) : h("p.empty", null, "This feed has no episodes with audio."),
    );
    // Downloads run in the background: look again while any is under way.
    clearTimeout(poll);
    if (channel.episodes.some((e) => e.status === "downloading")) {
      poll = setTimeout(() => {
        if (section.isConnected) reload();
      }, POLL_EVERY_MS);
    }
  };

  const reload = async () => {
    const channel = await guard(api(`api/podcasts/${channelId}`));
    if (!channel) return;
    // Keep the playing episode's element: re-rendering must not stop it.
    if (playing) playing = channel.episodes.find((e) => e.id === playing.id) || playing;
    render(channel);
  };

  render(await api(`api/podcasts/${channelId}`));
  return section;
}
