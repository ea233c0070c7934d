/**
 * The session: who is signed in and their preferences (kept on the server, with a copy on
 * this device for offline starts). Whoever changes the preferences does it here, and the
 * session says so with a "preferences" event (the theme and the cache limit follow it).
 */

import { api } from "./api.js";
import { PREFERENCE_DEFAULTS } from "./settings.js";

export const PREFERENCES_KEY = "tonearm.preferences";

export class Session extends EventTarget {
  /** @param {any} user as /api/auth/me answers */
  constructor(user) {
    super();
    this.user = user;
    this.preferences = { ...PREFERENCE_DEFAULTS };
  }

  /**
   * The preferences from the server, or this device's copy when it cannot be reached.
   * @param {Promise<object>} [answer] the server's answer, when already asked for
   */
  async loadPreferences(answer = api("api/user/preferences")) {
    try {
      this.preferences = await answer;
      localStorage.setItem(PREFERENCES_KEY, JSON.stringify(this.preferences));
    } catch {
      this.preferences = { ...PREFERENCE_DEFAULTS, ...JSON.parse(localStorage.getItem(PREFERENCES_KEY) || "{}") };
    }
  }

  /** Keeps preferences the server saved, and tells whoever follows them. */
  setPreferences(preferences) {
    this.preferences = preferences;
    localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
    this.dispatchEvent(new Event("preferences"));
  }

  /**
   * Whether the user may upload. A user remembered from an offline start may not say: then
   * /api/auth/me is asked again (and the session's user refreshed); without an answer, only
   * admins may.
   */
  async mayUpload() {
    if (this.user?.can_upload !== undefined) return Boolean(this.user.can_upload);
    try {
      const me = await api("api/auth/me");
      this.user = { ...this.user, ...me };
      return Boolean(me.can_upload);
    } catch {
      return this.user?.role === "admin";
    }
  }
}
