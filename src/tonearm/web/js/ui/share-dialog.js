/**
 * Sharing a song, an album or a playlist: a dialog that picks how long the link lasts
 * (1 day, 7 days, 30 days or never), makes it (POST /api/shares) and shows it with a Copy
 * button. The link plays without an account until it expires or is revoked (#/shares).
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";

/** The expiry choices, in days (null: never). */
export const EXPIRY_CHOICES = Object.freeze([
  { label: "1 day", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "Never", days: null },
]);
const DEFAULT_DAYS = 7;

/**
 * Copies the text of `input`: through the Clipboard API, else (no permission, or not a
 * secure context) by selecting it, so the user can press Ctrl+C / ⌘C.
 * @returns {Promise<boolean>} whether the text is on the clipboard
 */
export async function copyText(input) {
  try {
    if (!navigator.clipboard) throw new Error("no Clipboard API");
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}

/** A link in a read-only field with a Copy button. */
export function linkField(url, label) {
  const input = h("input.share-link", { type: "text", readonly: true, value: url, "aria-label": label });
  input.addEventListener("focus", () => input.select());
  const copy = h(
    "button.copy",
    {
      type: "button",
      onclick: async () => {
        const copied = await copyText(input);
        announce(copied ? "Link copied" : "The link is selected: press Ctrl+C (⌘C) to copy it");
      },
    },
    "Copy",
  );
  return h("div.share-link-field", null, input, copy);
}

/**
 * A "Share" button that opens the dialog for one item.
 * @param {{kind: "song"|"album"|"playlist", id: string, name: string}} item
 */
export function shareButton(item) {
  return h("button.secondary.share", { type: "button", onclick: () => openShareDialog(item) }, "Share");
}

/**
 * Opens the dialog for `item`; resolves to the share made, or null when cancelled.
 * @param {{kind: "song"|"album"|"playlist", id: string, name: string}} item
 */
export function openShareDialog({ kind, id, name }) {
  return new Promise((resolve) => {
    let made = null;
    const dialog = h("dialog.picker.share-dialog", { "aria-label": `Share ${name}` });
    const choices = EXPIRY_CHOICES.map((choice) =>
      h(
        "label.choice",
        null,
        h("input", { type: "radio", name: "expiry", value: choice.days === null ? "never" : String(choice.days), checked: choice.days === DEFAULT_DAYS }),
        ` ${choice.label}`,
      ),
    );
    const description = h("input", { name: "description", maxlength: 2000, value: name, "aria-label": "Description shown on the page" });
    const result = h("div.share-result");
    const form = h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          const picked = form.querySelector("input[name=expiry]:checked")?.value || String(DEFAULT_DAYS);
          const body = { kind, id, description: description.value.trim() || null };
          if (picked !== "never") body.expires_in_days = Number(picked);
          const share = await guard(api("api/shares", { method: "POST", body }));
          if (!share) return;
          made = share;
          form.hidden = true;
          const until = share.expires_at ? `until ${new Date(share.expires_at).toLocaleString()}` : "until you revoke it";
          result.replaceChildren(
            h("p", null, `Anyone with this link can play ${kind === "song" ? "this song" : `this ${kind}`} without an account, ${until}.`),
            linkField(share.url, `Share link for ${name}`),
            h("p.meta", null, "Manage or revoke it under ", h("a", { href: "#/shares", onclick: () => dialog.close() }, "Shares"), "."),
          );
          result.querySelector("button.copy").focus();
        },
      },
      h("fieldset.expiry", null, h("legend", null, "The link expires after"), choices),
      h("label.description", null, "Description ", description),
      h("div.inline", null, h("button.primary", { type: "submit" }, "Create link")),
    );
    dialog.append(
      h("h2", null, `Share “${name}”`),
      form,
      result,
      h("button.secondary", { type: "button", onclick: () => dialog.close() }, "Close"),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(made);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
