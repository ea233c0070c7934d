/**
 * The seek bar, drawn from the song's waveform peaks (GET /api/songs/{id}/waveform,
 * audiowaveform JSON). It is a slider for assistive technology and the keyboard (←/→ move
 * 5 s), and a click or drag seeks.
 */

import { api } from "../api.js";

export class WaveformBar {
  /** @param {HTMLCanvasElement} canvas @param {{onSeek: (fraction: number) => void}} options */
  constructor(canvas, { onSeek }) {
    this.canvas = canvas;
    this.onSeek = onSeek;
    this.peaks = null;
    this.songId = null;
    this.fraction = 0;
    canvas.setAttribute("role", "slider");
    canvas.setAttribute("tabindex", "0");
    canvas.setAttribute("aria-label", "Seek");
    canvas.setAttribute("aria-valuemin", "0");
    const seekAt = (event) => {
      const rect = canvas.getBoundingClientRect();
      this.onSeek(Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)));
    };
    canvas.addEventListener("pointerdown", (event) => {
      canvas.setPointerCapture(event.pointerId);
      seekAt(event);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (canvas.hasPointerCapture(event.pointerId)) seekAt(event);
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Loads the peaks of `songId` (flat bars until they arrive, or when there are none;
   * null: flat bars, nothing asked). */
  async load(songId) {
    if (songId === this.songId) return;
    this.songId = songId;
    this.peaks = null;
    this.draw();
    if (!songId) return;
    try {
      const waveform = await api(`api/songs/${songId}/waveform`);
      if (this.songId !== songId) return;
      this.peaks = normalise(waveform);
    } catch {
      this.peaks = null;
    }
    this.draw();
  }

  /** Moves the played part to `position` of `duration` seconds. */
  update(position, duration) {
    this.fraction = duration > 0 ? position / duration : 0;
    this.canvas.setAttribute("aria-valuemax", String(Math.round(duration)));
    this.canvas.setAttribute("aria-valuenow", String(Math.round(position)));
    this.canvas.setAttribute("aria-valuetext", `${formatSeconds(position)} of ${formatSeconds(duration)}`);
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const bars = Math.max(1, Math.floor(width / (3 * ratio)));
    const style = getComputedStyle(canvas);
    const played = style.getPropertyValue("--played").trim() || "#f2a541";
    const rest = style.getPropertyValue("--unplayed").trim() || "#5a606b";
    for (let i = 0; i < bars; i++) {
      const amplitude = this.peaks ? this.peaks[Math.floor((i / bars) * this.peaks.length)] : 0.25;
      const barHeight = Math.max(2 * ratio, amplitude * height);
      context.fillStyle = i / bars < this.fraction ? played : rest;
      context.fillRect(i * 3 * ratio, (height - barHeight) / 2, 2 * ratio, barHeight);
    }
  }
}

/** Peak amplitudes 0–1 from audiowaveform's interleaved min/max pairs. */
function normalise(waveform) {
  const data = waveform.data || [];
  const full = waveform.bits === 8 ? 128 : 32768;
  const peaks = [];
  for (let i = 0; i + 1 < data.length; i += 2) peaks.push(Math.min(1, Math.max(Math.abs(data[i]), Math.abs(data[i + 1])) / full));
  const loudest = Math.max(0.01, ...peaks);
  return peaks.map((peak) => peak / loudest);
}

function formatSeconds(seconds) {
  const total = Math.max(0, Math.round(seconds));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}
