/**
 * Answer an HTTP Range request from a whole response held in memory or Cache Storage: what a
 * service worker needs to serve `<audio>` (which asks for `Range: bytes=0-` and seeks with
 * more) from the offline cache.
 *
 * One range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`); a multi-range request gets the
 * whole body (RFC 9110 lets a server ignore Range). A partial copy (`X-Tonearm-Partial: 1`,
 * the first seconds of a prefetch) is only the start of the file: answer from it only ranges
 * it covers, and fetch the rest.
 *
 * @module byte-range
 */

/**
 * The first byte range of a Range header for a body of `size` bytes: `{start, end}` (end
 * inclusive), "unsatisfiable", or null when there is no usable single range.
 * @param {string|null|undefined} header
 * @param {number} size
 * @returns {{start: number, end: number} | "unsatisfiable" | null}
 */
export function parseRange(header, size) {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]); // the last n bytes
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/**
 * `response` (a complete 200, e.g. from OfflineCache's Cache Storage entry) cut to the range
 * `rangeHeader` asks for: 206 with Content-Range, 416 when the range lies past the end, or the
 * response unchanged when there is no (single) range. Content-Type and the X-Tonearm-*
 * headers are kept.
 * @param {Response} response
 * @param {string|null|undefined} rangeHeader
 * @returns {Promise<Response>}
 */
export async function rangeResponse(response, rangeHeader) {
  if (!rangeHeader) return response;
  const blob = await response.blob();
  const range = parseRange(rangeHeader, blob.size);
  const headers = new Headers(response.headers);
  headers.set("Accept-Ranges", "bytes");
  if (range === null) {
    headers.set("Content-Length", String(blob.size));
    return new Response(blob, { status: 200, headers });
  }
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${blob.size}`);
    headers.delete("Content-Length");
    return new Response(null, { status: 416, headers });
  }
  const body = blob.slice(range.start, range.end + 1, blob.type);
  headers.set("Content-Range", `bytes ${range.start}-${range.end}/${blob.size}`);
  headers.set("Content-Length", String(body.size));
  return new Response(body, { status: 206, headers });
}
