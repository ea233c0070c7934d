/**
 * Cards built around cover art (album grid, artists, search, home): the cover, a title link
 * and a subtitle (a link when it names something). Covers load lazily at the size shown;
 * without one, a placeholder drawn from the name (a gradient picked by a hash, and the
 * initials) stands in, so the page never asks for art that is not there.
 */

import { h } from "../dom.js";

/** "Norðurljós Live" → "NL"; "" → "♪". */
export function initials(name) {
  const words = String(name || "").replace(/^the\s+/i, "").split(/[\s\-_/]+/).filter((word) => /\p{L}|\p{N}/u.test(word));
  const letters = words.slice(0, 2).map((word) => [...word.replace(/^[^\p{L}\p{N}]+/u, "")][0] || "");
  return letters.join("").toUpperCase() || "♪";
}

/**
 * A hue 0–359 from a name, the same every time, so a placeholder has one colour everywhere
 * (rows, cards, the player bar, Now Playing). FNV-1a: similar names still land far apart.
 */
export function hue(name) {
  let hash = 2166136261;
  for (const char of String(name || "")) hash = Math.imul(hash ^ char.codePointAt(0), 16777619);
  return (hash >>> 0) % 360;
}

/**
 * A square cover: the image at `src` (lazy), or the placeholder for `name` when `src` is
 * null or the image fails. Decorative: the title next to it says what it is.
 * @param {string|null} src
 * @param {string} name
 * @param {number} size CSS px shown (the layout may scale it)
 */
export function artThumb(src, name, size) {
  const placeholder = () => {
    const box = h("span.art.placeholder", { "aria-hidden": "true" }, h("span", null, initials(name)));
    box.style.setProperty("--hue", String(hue(name)));
    return box;
  };
  if (!src) return placeholder();
  const img = h("img.art", { src, alt: "", width: size, height: size, loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
  return img;
}

/**
 * One card: cover (a link too, hidden from screen readers and the Tab key, the title link
 * says the same), title link, and an optional subtitle of text and links.
 * @param {{href: string, title: string, art: string|null, subtitle?: any, round?: boolean}} card
 */
export function card({ href, title, art, subtitle, round = false }) {
  return h(
    "li.art-card",
    { class: round ? "round" : "" },
    h("a.art-link", { href, tabindex: "-1", "aria-hidden": "true" }, artThumb(art, title, 180)),
    h("a.card-title", { href }, title),
    subtitle ? h("span.card-sub", null, subtitle) : null,
  );
}

/** A grid of cards. */
export function cardGrid(cards, label) {
  return h("ul.art-cards", label ? { "aria-label": label } : null, cards);
}

/** "1 album", "3 albums". */
export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Album cards: cover, name, the artist (a link) and year. */
export function albumCards(albums, label) {
  return cardGrid(
    albums.map((album) =>
      card({
        href: `#/album/${album.id}`,
        title: album.name,
        art: album.has_art ? `api/albums/${album.id}/art?size=300` : null,
        subtitle: [
          album.artist ? (album.artist_id ? h("a", { href: `#/artist/${album.artist_id}` }, album.artist) : album.artist) : null,
          album.artist && album.year ? " · " : null,
          album.year ? String(album.year) : null,
        ],
      }),
    ),
    label,
  );
}

/** Artist cards: a round image (the cover of one of its albums), name, album and song counts. */
export function artistCards(artists, label) {
  return cardGrid(
    artists.map((artist) =>
      card({
        href: `#/artist/${artist.id}`,
        title: artist.name,
        art: artist.has_art ? `api/artists/${artist.id}/art?size=300` : null,
        subtitle: artist.album_count ? `${count(artist.album_count, "album")} · ${count(artist.song_count, "song")}` : count(artist.song_count, "song"),
        round: true,
      }),
    ),
    label,
  );
}
