/**
 * The smart crossfade: where and for how long to fade from one song into the next, from
 * their audio analysis (the `analysis` block of a REST song: intro_end, outro_start,
 * leading_silence, trailing_silence, in seconds of the song).
 *
 * As Mixxx's AutoDJ does, the fade lasts the longer of A's outro and B's intro, clamped to
 * sensible bounds; it ends where A's music ends (its trailing silence is skipped) and B
 * starts where its music starts (its leading silence is skipped). Without analysis for
 * both songs there is no plan, and the player keeps its fixed-length crossfade.
 */

/** A fade shorter than this sounds like a cut. */
export const MIN_FADE_SECONDS = 1;
/** A longer one keeps two songs playing over each other for too long. */
export const MAX_FADE_SECONDS = 12;

function usable(analysis) {
  return Boolean(analysis) && Number.isFinite(analysis.intro_end) && Number.isFinite(analysis.outro_start);
}

/**
 * @param {{intro_end: number, outro_start: number, leading_silence?: number,
 *   trailing_silence?: number}|null|undefined} from The current song's analysis.
 * @param {number} fromSeconds The current song's length.
 * @param {object|null|undefined} to The next song's analysis.
 * @param {number} toSeconds The next song's length.
 * @returns {{fadeSeconds: number, fadeAt: number, startAt: number}|null} fadeAt: seconds into
 *   the current song where the fade starts; startAt: seconds into the next song where it
 *   starts playing; null without analysis for both.
 */
export function smartFade(from, fromSeconds, to, toSeconds) {
  if (!usable(from) || !usable(to) || !(fromSeconds > 0) || !(toSeconds > 0)) return null;
  const musicEnd = Math.max(0, fromSeconds - Math.max(0, from.trailing_silence || 0));
  const startAt = Math.min(Math.max(0, to.leading_silence || 0), toSeconds / 2);
  const outro = Math.max(0, musicEnd - from.outro_start);
  const intro = Math.max(0, to.intro_end - startAt);
  let fadeSeconds = Math.min(Math.max(outro, intro, MIN_FADE_SECONDS), MAX_FADE_SECONDS);
  // Never more than half of either song's music.
  fadeSeconds = Math.min(fadeSeconds, musicEnd / 2, (toSeconds - startAt) / 2);
  if (!(fadeSeconds > 0)) return null;
  return { fadeSeconds, fadeAt: musicEnd - fadeSeconds, startAt };
}
