/**
 * Registers the service worker and runs its update flow: when a new release's worker has
 * installed and waits, an "Update ready" button appears; clicking it lets the new worker
 * take over, and the page reloads once it controls the page.
 */

/**
 * Registers the worker and offers its updates. Nothing waits for it: the page works the
 * same before the worker controls it (the first visit's requests go to the network; the
 * worker claims the page once it has cached the shell), and offline copies of songs are
 * played from the page's own cache.
 * @param {{ announce: (message: string) => void }} notices where "an update is ready" is said
 * @returns {Promise<ServiceWorkerRegistration|null>} the registration, or null without one
 */
export function registerServiceWorker({ announce }) {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
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
    announce("A new version of tonearm is ready.");
  };
  return navigator.serviceWorker
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
      return registration;
    })
    .catch(() => {
      // No service worker (private mode, http on a LAN address): the app still works online.
      return null;
    });
}
