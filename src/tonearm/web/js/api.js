/**
 * The REST API client: same-origin fetches with the session cookie, the CSRF header on
 * writes, and one error type carrying the API's `{"error": {code, message}}` shape.
 *
 * Paths are relative ("api/songs"), so the player works under a sub-path behind a proxy.
 */

const CSRF_COOKIE = "tonearm_csrf";
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An API answer that was not 2xx, or a request that never got an answer (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the network failed.
   * @param {string} code The API's error code ("not_found", "network", …).
   * @param {string} message What went wrong, for people.
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }

  /** Whether the server could not be reached (offline, or the server is down). */
  get offline() {
    return this.status === 0;
  }
}

/** The CSRF token the server put in its readable cookie, or "" when signed out. */
export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return "";
}

/**
 * Calls the API and decodes its JSON answer (null for 204).
 * @param {string} path Relative to the app, e.g. "api/songs?limit=50".
 * @param {{method?: string, body?: unknown, signal?: AbortSignal, keepalive?: boolean}} [options]
 * @returns {Promise<any>}
 * @throws {ApiError}
 */
export async function api(path, { method = "GET", body, signal, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (WRITE_METHODS.has(method)) headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
      keepalive,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    window.dispatchEvent(new Event("tonearm:unreachable"));
    throw new ApiError(0, "network", "the server cannot be reached");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let decoded = null;
  try {
    decoded = text ? JSON.parse(text) : null;
  } catch {
    decoded = null;
  }
  if (!response.ok) {
    const error = decoded && decoded.error ? decoded.error : {};
    const message = error.message || (typeof decoded?.detail === "string" ? decoded.detail : "") || response.statusText;
    throw new ApiError(response.status, error.code || "http_" + response.status, message);
  }
  return decoded;
}

/** Builds a query string from the defined values of `params` ("?a=1&b=x" or ""). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}
