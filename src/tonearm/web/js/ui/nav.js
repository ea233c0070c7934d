/**
 * Navigation: the grouped sidebar on wide screens (in index.html), the bottom tab bar on
 * phones (Home, Search, Library, Downloads, More) and the "More" sheet with the rest. Marks
 * the current route with aria-current="page" and shows Upload and Admin only to those who
 * may use them.
 */

import { h } from "../dom.js";
import { icon } from "./icons.js";

/** Tab bar entries: label, route, icon, and the routes that count as "in" the tab. */
const TABS = [
  { label: "Home", href: "#/home", icon: "home", routes: ["", "home"] },
  { label: "Search", href: "#/search", icon: "search", routes: ["search"] },
  { label: "Library", href: "#/library", icon: "library", routes: ["library", "songs", "artists", "artist", "albums", "album", "genres", "genre", "folders", "song"] },
  { label: "Downloads", href: "#/downloads", icon: "download", routes: ["downloads"] },
];

/** What the More sheet lists; `may` says who sees an entry. */
const MORE = [
  { label: "Playlists", href: "#/playlists", routes: ["playlists", "playlist"] },
  { label: "Liked", href: "#/likes", routes: ["likes"] },
  { label: "History", href: "#/history", routes: ["history"] },
  { label: "Trending", href: "#/trending", routes: ["trending"] },
  { label: "Radio", href: "#/radio", routes: ["radio"] },
  { label: "Podcasts", href: "#/podcasts", routes: ["podcasts"] },
  { label: "Sonic path", href: "#/sonic-path", routes: ["sonic-path"] },
  { label: "Mashups", href: "#/mashups", routes: ["mashups"] },
  // Shown when the sidebar's Upload link is (ui/uploads.js asks the server who may upload).
  { label: "Upload", href: "#/upload", routes: ["upload"], may: () => !document.getElementById("nav-upload").hidden },
  { label: "Shares", href: "#/shares", routes: ["shares"] },
  { label: "Usage", href: "#/usage", routes: ["usage"] },
  { label: "Settings", href: "#/settings", routes: ["settings"] },
  { label: "Admin", href: "#/admin", routes: ["admin"], may: (user) => user.role === "admin" },
];

export class Navigation {
  /** @param {{user: any}} session whose user decides what the More sheet lists */
  constructor(session) {
    this.session = session;
    this.sidebar = document.getElementById("sidebar");
    this.tabbar = document.getElementById("tabbar");
    this.sheet = /** @type {HTMLDialogElement} */ (document.getElementById("more-sheet"));
    this.moreButton = h(
      "button.tab",
      { type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "more-sheet", onclick: () => this.openMore() },
      icon("more"),
      h("span", null, "More"),
    );
    this.tabbar.replaceChildren(
      ...TABS.map((tab) => h("a.tab", { href: tab.href, dataset: { tab: tab.label } }, icon(tab.icon), h("span", null, tab.label))),
      this.moreButton,
    );
    this.sheet.addEventListener("close", () => this.moreButton.setAttribute("aria-expanded", "false"));
    // A tap on the backdrop (outside the sheet's box) closes it.
    this.sheet.addEventListener("click", (event) => {
      if (event.target === this.sheet) this.sheet.close();
    });
    this.renderMore();
  }

  /** Shows Upload and Admin to whoever may use them (the sidebar and the sheet). */
  setUser(user) {
    document.getElementById("nav-admin").hidden = user.role !== "admin";
    this.renderMore();
  }

  renderMore() {
    const user = this.session.user || {};
    this.sheet.replaceChildren(
      h(
        "div.sheet-head",
        null,
        h("h2", null, "More"),
        h("button.icon", { type: "button", "aria-label": "Close", onclick: () => this.sheet.close() }, icon("close")),
      ),
      h(
        "ul.sheet-list",
        null,
        MORE.filter((entry) => !entry.may || entry.may(user)).map((entry) =>
          h("li", null, h("a", { href: entry.href, dataset: { routes: entry.routes.join(" ") }, onclick: () => this.sheet.close() }, entry.label)),
        ),
      ),
    );
    this.mark(this.current ?? "");
  }

  openMore() {
    this.renderMore();
    this.moreButton.setAttribute("aria-expanded", "true");
    this.sheet.showModal();
  }

  /** Marks the links and tab of route `name` as the current page. */
  mark(name) {
    this.current = name;
    for (const link of this.sidebar.querySelectorAll("a")) {
      const route = link.getAttribute("href").slice(2);
      setCurrent(link, route === name || (route === "home" && name === ""));
    }
    let inMore = true;
    for (const link of this.tabbar.querySelectorAll("a.tab")) {
      const tab = TABS.find((entry) => entry.href === link.getAttribute("href"));
      const current = tab.routes.includes(name);
      if (current) inMore = false;
      setCurrent(link, current);
    }
    for (const link of this.sheet.querySelectorAll("a")) setCurrent(link, link.dataset.routes.split(" ").includes(name));
    // Anything else (Settings, Playlists…) lives under More: that tab lights up.
    this.moreButton.classList.toggle("current", inMore);
  }
}

function setCurrent(link, current) {
  if (current) link.setAttribute("aria-current", "page");
  else link.removeAttribute("aria-current");
}
