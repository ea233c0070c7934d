/**
 * Whether the server can be reached. While it cannot, the offline badge shows and its health
 * is asked every few seconds; once it answers, an "online" event lets the queued work go out.
 */

const PROBE_EVERY_MS = 3000;

export class Connectivity extends EventTarget {
  constructor() {
    super();
    this.offline = false;
    this.probe = 0;
  }

  /** Shows whether the server can be reached; asks it again while it cannot. */
  setOnline(online) {
    const wasOffline = this.offline;
    this.offline = !online;
    document.getElementById("offline-badge").hidden = online;
    clearInterval(this.probe);
    if (!online) {
      this.probe = setInterval(async () => {
        const reachable = await fetch("api/health", { cache: "no-store" }).then((r) => r.ok, () => false);
        if (reachable) this.setOnline(true);
      }, PROBE_EVERY_MS);
    } else if (wasOffline) {
      this.dispatchEvent(new Event("online"));
    }
  }
}
