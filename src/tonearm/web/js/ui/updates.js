/**
 * Registers the service worker and runs its update flow: when a new release's worker has
 * installed and waits, an "Update ready" button appears; clicking it lets the new worker
 * take over, and the page reloads once it controls the page.
 */

/**
 * Registers the worker; resolves once it controls the page (at most `waitMs` later), so
 * cover art and audio requests go through it from the start.
 * @returns {Promise<boolean>} whether a service worker controls the page
 */
export function registerServiceWorker(app, { waitMs = 4000 } = {}) {
  if (!("serviceWorker" in navigator)) return Promise.resolve(false);
  const button = document.getElementById("update-button");
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Only a takeover the user asked for reloads (the very first install claims silently).
    if (reloading) location.reload();
  });
  const offer = (worker) => {
    button.hidden = false;
    button.onclick = () => {
      reloading = true;
      worker.postMessage("skip-waiting");
    };
    app.announce("A new version of tonearm is ready.");
  };
  const controlled = new Promise((resolve) => {
    if (navigator.serviceWorker.controller) return resolve(true);
    navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true });
    setTimeout(() => resolve(Boolean(navigator.serviceWorker.controller)), waitMs);
  });
  navigator.serviceWorker
    .register("sw.js", { scope: "./" })
    .then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker?.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
        });
      });
      // Look for a new release now and then while the page stays open.
      setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
    })
    .catch(() => {
      // No service worker (private mode, http on a LAN address): the app still works online.
    });
  return controlled;
}
