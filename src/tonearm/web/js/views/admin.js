/**
 * The admin area (admins only; the API answers 403 to anyone else): its tabs and the screen
 * the route names — #/admin/users, #/admin/library, #/admin/failures, #/admin/jobs,
 * #/admin/health, #/admin/radio — each in its own admin-<screen>.js module.
 */

import { h } from "../dom.js";
import { failuresScreen } from "./admin-failures.js";
import { healthScreen } from "./admin-health.js";
import { jobsScreen } from "./admin-jobs.js";
import { libraryScreen } from "./admin-library.js";
import { radioScreen } from "./admin-radio.js";
import { usersScreen } from "./admin-users.js";

const SECTIONS = [
  ["users", "Users"],
  ["library", "Folders and scans"],
  ["failures", "Import failures"],
  ["jobs", "Jobs"],
  ["health", "Server health"],
  ["radio", "Radio stations"],
];

/** The admin screen named by the route (#/admin/<section>). */
export async function admin(section = "users") {
  const name = SECTIONS.some(([key]) => key === section) ? section : "users";
  const tabs = h(
    "nav.admin-tabs",
    { "aria-label": "Admin" },
    SECTIONS.map(([key, title]) => h("a", { href: `#/admin/${key}`, "aria-current": key === name ? "page" : null }, title)),
  );
  const body = await SCREENS[name]();
  return h("section.admin", { dataset: { admin: name } }, h("h1", null, "Admin"), tabs, body);
}

const SCREENS = {
  users: usersScreen,
  library: libraryScreen,
  failures: failuresScreen,
  jobs: jobsScreen,
  health: healthScreen,
  radio: radioScreen,
};
