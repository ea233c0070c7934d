/**
 * Settings → Scrobbling: connect ListenBrainz (a user token) and Last.fm (approved on
 * last.fm, which sends the browser back to the server), see how sending goes, disconnect.
 * The server keeps the tokens; it only ever says whom an account is connected as.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { count } from "../lib/format.js";

const NAMES = { listenbrainz: "ListenBrainz", lastfm: "Last.fm" };

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

/** One line on how sending goes: queued, last sent, and the error or pause if any. */
function statusLine(service) {
  const parts = [`${count(service.queued, "item")} waiting`, `last sent ${when(service.last_sent_at)}`];
  let problem = null;
  if (service.state === "paused") {
    problem = h("p.error", { role: "status" }, `Paused: ${service.last_error || "the service refused the sign-in"}. Connect again to resume; nothing queued is lost.`);
  } else if (service.last_error) {
    problem = h("p.meta", null, `Retrying: ${service.last_error}${service.retry_at ? ` (next try ${when(service.retry_at)})` : ""}.`);
  }
  return [h("p.meta", null, parts.join(" · ")), problem];
}

function disconnectButton(service, redraw) {
  return h("button.secondary", {
    type: "button",
    onclick: async () => {
      const done = await guard(api(`api/me/scrobbling/${service.service}`, { method: "DELETE" }), true);
      if (done !== undefined) {
        announce(`${NAMES[service.service]} disconnected`);
        redraw();
      }
    },
  }, `Disconnect ${NAMES[service.service]}`);
}

function listenBrainzPart(service, redraw) {
  const heading = h("h3", null, "ListenBrainz");
  if (service.connected && service.state !== "paused") {
    return h("div.scrobble-service", { "data-service": "listenbrainz" }, heading, h("p", null, `Connected as ${service.account_name}.`), ...statusLine(service), disconnectButton(service, redraw));
  }
  const token = h("input", { type: "password", name: "listenbrainz-token", id: "listenbrainz-token", autocomplete: "off", required: true, maxlength: 200 });
  return h(
    "form.scrobble-service",
    {
      "data-service": "listenbrainz",
      "aria-label": "Connect ListenBrainz",
      onsubmit: async (event) => {
        event.preventDefault();
        const done = await guard(api("api/me/scrobbling/listenbrainz", { method: "PUT", body: { token: token.value.trim() } }));
        if (done !== undefined) {
          announce(`ListenBrainz connected as ${done.account_name}`);
          redraw();
        }
      },
    },
    heading,
    service.connected ? h("p", null, `Connected as ${service.account_name}.`) : null,
    ...(service.connected ? statusLine(service) : []),
    h(
      "div.field",
      null,
      h("label", { for: "listenbrainz-token" }, "ListenBrainz user token"),
      token,
      h("small", null, "From ", h("a", { href: "https://listenbrainz.org/settings/", target: "_blank", rel: "noopener" }, "your ListenBrainz settings"), "."),
    ),
    h("div.button-row", null, h("button.primary", { type: "submit" }, "Connect ListenBrainz"), service.connected ? disconnectButton(service, redraw) : null),
  );
}

function lastfmPart(service, redraw) {
  const heading = h("h3", null, "Last.fm");
  if (!service.available) {
    return h("div.scrobble-service", { "data-service": "lastfm" }, heading, h("p.meta", null, "Not set up on this server (an admin sets TONEARM_LASTFM_API_KEY and TONEARM_LASTFM_SECRET)."));
  }
  const connect = h("button.primary", {
    type: "button",
    onclick: async () => {
      const answer = await guard(api("api/me/scrobbling/lastfm/authorize", { method: "POST" }));
      // Last.fm asks the user to approve, then sends the browser back to the server.
      if (answer) window.location.assign(answer.url);
    },
  }, service.connected ? "Connect Last.fm again" : "Connect Last.fm");
  return h(
    "div.scrobble-service",
    { "data-service": "lastfm" },
    heading,
    service.connected ? h("p", null, `Connected as ${service.account_name}.`) : h("p.meta", null, "You approve tonearm on last.fm and come back here."),
    ...(service.connected ? statusLine(service) : []),
    h("div.button-row", null, service.connected && service.state !== "paused" ? null : connect, service.connected ? disconnectButton(service, redraw) : null),
  );
}

/**
 * The Scrobbling card of the Settings screen.
 * @param {{ redraw: () => void }} options
 * @returns {Promise<HTMLElement>}
 */
export async function scrobblingSection({ redraw }) {
  const answer = await api("api/me/scrobbling").catch(() => null);
  const card = h("div.card-form", { id: "scrobbling" }, h("h2", null, "Scrobbling"));
  if (!answer) {
    card.append(h("p.meta", null, "Scrobbling settings show when the server can be reached."));
    return card;
  }
  card.append(h("p.meta", null, "Plays that count (not skipped within 30 s) are sent with their time; a service that is down gets them later."));
  for (const service of answer.services) {
    card.append(service.service === "listenbrainz" ? listenBrainzPart(service, redraw) : lastfmPart(service, redraw));
  }
  return card;
}
