/**
 * Words and numbers for people: sizes in bytes (one base everywhere: 1024, labelled KiB, MiB,
 * GiB, so a 500 MiB cache limit reads "500 MiB" wherever it shows) and counts with the right
 * plural ("1 album", "2 albums").
 */

export const KIB = 1024;
export const MIB = KIB * KIB;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** The power of 1024 `bytes` is shown in: 0 for B, 1 for KiB, … */
export function bytesUnit(bytes) {
  const n = Math.max(0, Number(bytes) || 0);
  let power = 0;
  while (power < UNITS.length - 1 && n >= KIB ** (power + 1)) power += 1;
  return power;
}

/**
 * "0 B", "950 B", "12.3 KiB", "4.1 MiB", "1.20 GiB", "500 MiB" (whole values lose the ".0").
 * `power` forces a unit (axis ticks share their top's unit).
 */
export function formatBytes(bytes, power = bytesUnit(bytes)) {
  const n = Math.max(0, Number(bytes) || 0);
  if (power === 0) return `${Math.round(n)} B`;
  const value = n / KIB ** power;
  const digits = power >= 3 ? 2 : 1;
  const text = Number.isInteger(value) ? String(value) : value.toFixed(digits);
  return `${text} ${UNITS[power]}`;
}

/** "1 album", "3 albums", "0 songs"; `plural` when adding "s" is wrong ("1 entry", "2 entries"). */
export function count(n, singular, plural = `${singular}s`) {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "song" or "songs" for `n`, without the number ("1 of 3 songs"). */
export function noun(n, singular, plural = `${singular}s`) {
  return n === 1 ? singular : plural;
}
