/**
 * Keyboard shortcuts (not while typing in a field or in a dialog other than Now Playing):
 * Space play/pause, ←/→ seek 5 s, Shift+←/→ previous/next, ↑/↓ volume, M mute, L like,
 * S shuffle, R repeat, Q queue, / search.
 */

import { announce } from "../notices.js";
import { localSettings, updateLocalSettings } from "../settings.js";
import { setVolume } from "./player-bar.js";

/**
 * Binds the shortcuts to the page.
 * @param {{player: any, likes: any, panel: any}} pieces the player, likes (L) and the side panel (Q)
 */
export function bindKeyboard({ player, likes, panel }) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    // Dialogs keep their keys, but for Now Playing, which is all about the player.
    if (target.closest?.("input, textarea, select, [contenteditable], dialog:not(.now-playing)")) return;
    const inNowPlaying = Boolean(target.closest?.("dialog.now-playing"));
    const actions = {
      " ": () => player.toggle(),
      ArrowLeft: () => (event.shiftKey ? player.previous() : player.seek(player.engine.position - 5)),
      ArrowRight: () => (event.shiftKey ? player.next() : player.seek(player.engine.position + 5)),
      ArrowUp: () => setVolume(player, localSettings().volume + 0.05),
      ArrowDown: () => setVolume(player, localSettings().volume - 0.05),
      m: () => {
        const muted = !localSettings().muted;
        updateLocalSettings({ muted });
        player.engine.setVolume(muted ? 0 : localSettings().volume);
        announce(muted ? "Muted" : "Unmuted");
      },
      l: () => player.song && likes.toggle(player.song),
      s: () => player.queue.setShuffle(!player.queue.shuffled),
      r: () => {
        const order = ["off", "all", "one"];
        player.queue.setRepeat(order[(order.indexOf(player.queue.repeat) + 1) % order.length]);
      },
      q: () => panel.toggle("queue"),
      "/": () => document.getElementById("search").focus(),
    };
    // The queue panel and the search box are behind Now Playing: it shows its own queue.
    if (inNowPlaying) {
      delete actions.q;
      delete actions["/"];
    }
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    // Buttons answer Space themselves; everything else is ours.
    if (!action || (event.key === " " && target.closest?.("button, a"))) return;
    event.preventDefault();
    action();
  });
}
