/**
 * Admin: users (add, enable/disable, reset a password) and each user's API keys for
 * Subsonic apps (make, copy once, revoke). Route #/admin/users.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { table, when } from "./admin-parts.js";

export async function usersScreen() {
  const box = h("div.admin-users");
  const draw = async () => {
    const users = await api("api/admin/users");
    box.replaceChildren(
      addUserForm(draw),
      table(
        "Users",
        ["User", "Role", "State", "Created", ""],
        users.map((user) => userRow(user, draw)),
      ),
    );
  };
  await draw();
  return box;
}

function addUserForm(redraw) {
  const username = h("input", { name: "new-username", required: true, maxlength: 64, autocomplete: "off", placeholder: "username", "aria-label": "New user's name" });
  const password = h("input", { name: "new-password", type: "password", required: true, autocomplete: "new-password", placeholder: "password", "aria-label": "New user's password" });
  const isAdmin = h("input", { type: "checkbox", name: "new-admin" });
  return h(
    "form.inline.card-form",
    {
      "aria-label": "Add a user",
      onsubmit: async (event) => {
        event.preventDefault();
        const made = await guard(api("api/admin/users", { method: "POST", body: { username: username.value, password: password.value, admin: isAdmin.checked } }));
        if (made) {
          announce(`${made.username} can sign in now`);
          await redraw();
        }
      },
    },
    h("h2", null, "Add a user"),
    username,
    password,
    h("label", null, isAdmin, " admin"),
    h("button.primary", { type: "submit" }, "Add user"),
  );
}

function userRow(user, redraw) {
  const details = h("td.user-details", { colspan: 5, hidden: true });
  const toggleActive = async () => {
    const changed = await guard(api(`api/admin/users/${encodeURIComponent(user.username)}`, { method: "PATCH", body: { active: !user.active } }));
    if (changed) {
      announce(`${user.username} ${changed.active ? "enabled" : "disabled"}`);
      await redraw();
    }
  };
  const open = (content) => {
    details.replaceChildren(content);
    details.hidden = false;
  };
  const row = h(
    "tr",
    { dataset: { username: user.username, active: String(user.active) } },
    h("th", { scope: "row" }, user.username),
    h("td", null, user.role),
    h("td", null, user.active ? "active" : "disabled"),
    h("td", null, when(user.created_at)),
    h(
      "td.row-actions",
      null,
      h("button.secondary", { type: "button", onclick: toggleActive }, user.active ? "Disable" : "Enable"),
      h("button.secondary", { type: "button", onclick: () => open(passwordForm(user, () => (details.hidden = true))) }, "Reset password"),
      h("button.secondary", { type: "button", onclick: async () => open(await apiKeys(user)) }, "API keys"),
    ),
  );
  return [row, h("tr.details-row", null, details)];
}

function passwordForm(user, close) {
  const password = h("input", { type: "password", name: "reset-password", required: true, autocomplete: "new-password", "aria-label": `New password for ${user.username}` });
  const form = h(
    "form.inline",
    {
      "aria-label": `Reset ${user.username}'s password`,
      onsubmit: async (event) => {
        event.preventDefault();
        const done = await guard(api(`api/admin/users/${encodeURIComponent(user.username)}/password`, { method: "POST", body: { password: password.value } }), true);
        if (done !== undefined) {
          announce(`${user.username}'s password was reset; their sign-ins ended`);
          close();
        }
      },
    },
    password,
    h("button.primary", { type: "submit" }, "Set password"),
    h("button.secondary", { type: "button", onclick: close }, "Cancel"),
  );
  setTimeout(() => password.focus());
  return form;
}

async function apiKeys(user) {
  const base = `api/admin/users/${encodeURIComponent(user.username)}/api-keys`;
  const box = h("div.api-keys", { "aria-label": `API keys of ${user.username}` });
  const draw = async (fresh) => {
    const keys = await api(base);
    const name = h("input", { name: "key-name", required: true, maxlength: 100, placeholder: "e.g. Symfonium on the phone", "aria-label": "What the key is for" });
    box.replaceChildren(
      h("h3", null, `API keys of ${user.username} (Subsonic apps)`),
      fresh
        ? h(
            "div.new-key",
            { role: "status" },
            h("p", null, `New key “${fresh.name}” — shown this once; enter it in the app as the API key (apiKey=…):`),
            h("code.api-key", null, fresh.key),
            h("button.secondary", { type: "button", onclick: () => navigator.clipboard?.writeText(fresh.key).then(() => announce("Key copied"), () => {}) }, "Copy"),
          )
        : null,
      keys.length
        ? h(
            "ul.key-list",
            null,
            keys.map((key) =>
              h(
                "li",
                { dataset: { keyId: key.id } },
                h("strong", null, key.name),
                h("span.meta", null, ` ${key.prefix}… · made ${when(key.created_at)} · ${key.last_used_at ? `last used ${when(key.last_used_at)}` : "never used"} `),
                h("button.danger", { type: "button", onclick: async () => {
                  if ((await guard(api(`${base}/${key.id}`, { method: "DELETE" }), true)) !== undefined) {
                    announce(`Key “${key.name}” revoked`);
                    await draw();
                  }
                } }, "Revoke"),
              ),
            ),
          )
        : h("p.empty", null, "No API keys."),
      h(
        "form.inline",
        {
          "aria-label": "Make an API key",
          onsubmit: async (event) => {
            event.preventDefault();
            const made = await guard(api(base, { method: "POST", body: { name: name.value } }));
            if (made) await draw(made);
          },
        },
        name,
        h("button.primary", { type: "submit" }, "Make a key"),
      ),
    );
  };
  await draw();
  return box;
}
