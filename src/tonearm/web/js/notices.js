/**
 * Notices: the short messages of the page's status area (read out by screen readers), and
 * `guard`, which shows an API call's error there instead of throwing. Plain functions over
 * the one status element, so a view imports them rather than being handed them.
 */

/** Shows a short message in the page's status area. */
export function announce(message, { error = false } = {}) {
  const toast = document.getElementById("toast");
  if (!toast) return;
  toast.textContent = message;
  toast.classList.toggle("error", error);
  toast.hidden = false;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => (toast.hidden = true), error ? 6000 : 3000);
}

/**
 * Awaits an API call and shows its error instead of throwing.
 * @param {Promise<any>} promise
 * @param {boolean} [allowNull] a 204 (null) counts as done
 * @returns {Promise<any>} the answer, or undefined after an error (null for a 204 when
 *   `allowNull`).
 */
export async function guard(promise, allowNull = false) {
  try {
    const answer = await promise;
    return answer === null && allowNull ? null : answer;
  } catch (error) {
    announce(error.offline ? "You are offline." : error.message, { error: true });
    return undefined;
  }
}
