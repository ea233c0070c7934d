/** The sign-in screen (a cookie session: POST /api/auth/session). */

import { api } from "../api.js";
import { h } from "../dom.js";

export function showSignIn(app, message = "") {
  const root = document.getElementById("signin");
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p.error", { role: "alert" }, message);
  const form = h(
    "form.signin-form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        try {
          const session = await api("api/auth/session", { method: "POST", body: { username: username.value, password: password.value } });
          localStorage.setItem("tonearm.user", JSON.stringify(session.user));
          await app.signedIn(session.user);
        } catch (failure) {
          error.textContent = failure.status === 401 ? "Wrong username or password." : failure.message;
        }
      },
    },
    h("img", { src: `v/${document.body.dataset.version}/icons/icon.svg`, alt: "", width: 64, height: 64 }),
    h("h1", null, "tonearm"),
    h("label", { for: "username" }, "Username"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    h("button.primary", { type: "submit" }, "Sign in"),
    error,
  );
  root.replaceChildren(form);
  root.hidden = false;
  document.getElementById("app").hidden = true;
  username.focus();
}
