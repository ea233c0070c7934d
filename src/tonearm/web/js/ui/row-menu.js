/**
 * The small menu a "⋯" button opens: a real menu (role="menu" of menuitems), moved through
 * with the arrow keys, Home and End, closed by Escape, Tab, a pick or a tap outside. Beside
 * its button on a desktop; a bottom sheet on phones. One is open at a time.
 */

import { h } from "../dom.js";

/** @type {{close: (refocus?: boolean) => void} | null} */
let open = null;

const PHONE = "(max-width: 760px)";

/**
 * Opens a menu for `button`.
 * @param {HTMLElement} button the "⋯" button (gets aria-expanded, and focus back on Escape)
 * @param {string} label what the menu is for ("Song Alpha Dawn")
 * @param {Array<{label: string, run?: () => void, href?: string} | null>} items
 */
export function openMenu(button, label, items) {
  if (open) open.close(false);
  const entries = items.filter(Boolean).map((item) =>
    item.href
      ? h("a.menu-item", { role: "menuitem", href: item.href, tabindex: "-1" }, item.label)
      : h("button.menu-item", { type: "button", role: "menuitem", tabindex: "-1" }, item.label),
  );
  const menu = h("div.row-menu", { role: "menu", "aria-label": label }, entries);
  const sheet = matchMedia(PHONE).matches;
  const layer = h("div.row-menu-layer", { class: sheet ? "sheet" : "" }, sheet ? h("div.row-menu-title", { "aria-hidden": "true" }, label) : null, menu);
  document.body.append(layer);
  if (!sheet) place(menu, button);

  const close = (refocus = true) => {
    if (open !== handle) return;
    open = null;
    layer.remove();
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", outside, true);
    window.removeEventListener("hashchange", onHash);
    window.removeEventListener("resize", onResize);
    if (refocus) button.focus();
  };
  const handle = { close };
  open = handle;

  const focusAt = (index) => entries[(index + entries.length) % entries.length].focus();
  menu.addEventListener("keydown", (event) => {
    const at = entries.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (event.key === "ArrowDown") focusAt(at + 1);
    else if (event.key === "ArrowUp") focusAt(at - 1);
    else if (event.key === "Home") focusAt(0);
    else if (event.key === "End") focusAt(-1);
    else if (event.key === "Escape") close();
    else if (event.key === "Tab") close();
    else return;
    if (event.key !== "Tab") event.preventDefault();
  });
  entries.forEach((entry, index) => {
    const item = items.filter(Boolean)[index];
    entry.addEventListener("click", () => {
      close(!item.href);
      if (item.run) item.run();
    });
  });
  // A tap outside the menu (the sheet's shade included) closes it without doing anything else.
  const outside = (event) => {
    if (menu.contains(event.target)) return;
    if (event.target === button || button.contains(event.target)) return; // the button toggles
    event.preventDefault();
    event.stopPropagation();
    close(false);
  };
  const onHash = () => close(false);
  const onResize = () => close(false);
  document.addEventListener("pointerdown", outside, true);
  window.addEventListener("hashchange", onHash);
  window.addEventListener("resize", onResize);
  button.setAttribute("aria-expanded", "true");
  focusAt(0);
  return handle;
}

/** Whether a menu opened by `button` is open now (a second press closes it). */
export function toggleMenu(button, label, items) {
  if (open && button.getAttribute("aria-expanded") === "true") {
    open.close();
    return;
  }
  openMenu(button, label, items);
}

/** Puts the menu under (or above, near the bottom) its button, inside the window. */
function place(menu, button) {
  const box = button.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(box.right - width, innerWidth - width - 8));
  const below = box.bottom + 4 + height <= innerHeight - 8;
  const top = below ? box.bottom + 4 : Math.max(8, box.top - height - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}
