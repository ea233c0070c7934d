/**
 * The play queue: songs in order, the index of the one playing, shuffle and repeat.
 *
 * Songs are plain objects as the API lists them (at least id, title, artists,
 * duration_ms). Shuffle keeps the original order so turning it off restores it. Every
 * change calls `onChange`, which the controller uses to persist the queue (resume after a
 * reload) and to re-plan gapless scheduling and prefetch.
 */

/** @typedef {"off"|"all"|"one"} RepeatMode */

export class PlayQueue {
  /** @param {{onChange?: () => void}} [options] */
  constructor({ onChange } = {}) {
    /** @type {Array<any>} */
    this.songs = [];
    this.index = -1;
    /** @type {RepeatMode} */
    this.repeat = "off";
    this.shuffled = false;
    /** @type {Array<any>|null} order before shuffling */
    this.unshuffled = null;
    this.onChange = onChange || (() => {});
  }

  /** The song playing (or paused), or null. */
  get current() {
    return this.songs[this.index] || null;
  }

  /** Replaces the queue with `songs` and makes `startIndex` current. */
  replace(songs, startIndex = 0) {
    this.songs = songs.slice();
    this.index = songs.length ? Math.min(Math.max(startIndex, 0), songs.length - 1) : -1;
    this.unshuffled = null;
    this.shuffled = false;
    this.onChange();
  }

  /** Inserts songs right after the current one. */
  playNext(songs) {
    this.songs.splice(this.index + 1, 0, ...songs);
    if (this.index < 0) this.index = 0;
    this.unshuffled?.push(...songs);
    this.onChange();
  }

  /** Appends songs at the end. */
  add(songs) {
    this.songs.push(...songs);
    if (this.index < 0) this.index = 0;
    this.unshuffled?.push(...songs);
    this.onChange();
  }

  /** Moves the entry at `from` to `to`, keeping the current song current. */
  move(from, to) {
    if (from === to || from < 0 || to < 0 || from >= this.songs.length || to >= this.songs.length) return;
    const current = this.current;
    const [song] = this.songs.splice(from, 1);
    this.songs.splice(to, 0, song);
    if (from === this.index) this.index = to;
    else this.index = this.songs.indexOf(current);
    this.onChange();
  }

  /** Removes the entry at `position` (not the one playing). */
  remove(position) {
    if (position === this.index || position < 0 || position >= this.songs.length) return;
    this.songs.splice(position, 1);
    if (position < this.index) this.index -= 1;
    this.onChange();
  }

  /** Shuffles what comes after the current song (Fisher–Yates), or restores the order. */
  setShuffle(on) {
    if (on === this.shuffled) return;
    const current = this.current;
    if (on) {
      this.unshuffled = this.songs.slice();
      const rest = this.songs.slice(this.index + 1);
      for (let i = rest.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [rest[i], rest[j]] = [rest[j], rest[i]];
      }
      this.songs = [...this.songs.slice(0, this.index + 1), ...rest];
    } else if (this.unshuffled) {
      this.songs = this.unshuffled;
      this.index = this.songs.indexOf(current);
      this.unshuffled = null;
    }
    this.shuffled = on;
    this.onChange();
  }

  /** Sets the repeat mode. @param {RepeatMode} mode */
  setRepeat(mode) {
    this.repeat = mode;
    this.onChange();
  }

  /** The index that follows `index` under the repeat mode, or -1 at the end. */
  nextIndex(index = this.index, { manual = false } = {}) {
    if (!this.songs.length) return -1;
    if (this.repeat === "one" && !manual) return index;
    if (index + 1 < this.songs.length) return index + 1;
    return this.repeat === "all" || (this.repeat === "one" && manual) ? 0 : -1;
  }

  /** The index before the current one (wrapping when repeating), or -1. */
  previousIndex() {
    if (this.index > 0) return this.index - 1;
    return this.repeat === "off" ? -1 : this.songs.length - 1;
  }

  /** Makes `index` current. */
  jump(index) {
    if (index < 0 || index >= this.songs.length) return;
    this.index = index;
    this.onChange();
  }

  /** A plain object to keep in localStorage. */
  snapshot() {
    return { songs: this.songs, index: this.index, repeat: this.repeat, shuffled: this.shuffled };
  }

  /** Restores a snapshot (no onChange: nothing to re-plan until something plays). */
  restore(snapshot) {
    if (!snapshot || !Array.isArray(snapshot.songs)) return;
    this.songs = snapshot.songs;
    this.index = Math.min(snapshot.index ?? -1, this.songs.length - 1);
    this.repeat = ["off", "all", "one"].includes(snapshot.repeat) ? snapshot.repeat : "off";
    this.shuffled = Boolean(snapshot.shuffled);
  }
}
