/**
 * Synced lyrics: which line is current at a playback position.
 *
 * `GET /api/songs/{id}/lyrics` answers LyricsOut (src/tonearm/api/rest/stream.py):
 * `{song_id, plain: string|null, synced: [{time_ms, text}]|null}`, the synced lines sorted by
 * `time_ms` (ingest sorts them; lines may share a time).
 *
 * @module lyrics
 */

/**
 * Index of the line showing at `positionMs`: the last line whose `time_ms` is at or before
 * it (of several lines with the same time, the last), or -1 before the first line or when
 * there are no lines. A binary search: O(log n) per animation frame.
 * @param {Array<{time_ms: number, text: string}>|null|undefined} syncedLines sorted by time_ms
 * @param {number} positionMs
 * @returns {number}
 */
export function lineAt(syncedLines, positionMs) {
  if (!Array.isArray(syncedLines) || syncedLines.length === 0 || !isPosition(positionMs)) {
    return -1; // no lines, or NaN (an <audio> before its metadata loaded)
  }
  // Find the first line starting after positionMs; the one before it is current.
  let low = 0;
  let high = syncedLines.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (syncedLines[middle].time_ms <= positionMs) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/**
 * Milliseconds from `positionMs` until the next line starts, or null after the last line (for
 * a timer instead of polling every frame).
 * @param {Array<{time_ms: number, text: string}>|null|undefined} syncedLines
 * @param {number} positionMs
 * @returns {number|null}
 */
export function msUntilNextLine(syncedLines, positionMs) {
  const next = lineAt(syncedLines, positionMs) + 1;
  if (!Array.isArray(syncedLines) || !isPosition(positionMs)) return null;
  if (next >= syncedLines.length) return null;
  return syncedLines[next].time_ms - positionMs;
}

function isPosition(value) {
  return typeof value === "number" && !Number.isNaN(value);
}
