/**
 * The files of a drag and drop: dropped folders are walked (DataTransferItem
 * .webkitGetAsEntry, then FileSystemDirectoryReader.readEntries until it answers an empty
 * batch), each file with its path inside what was dropped ("Album/01 Song.flac"). Hidden
 * files (.DS_Store, ._Song.mp3) are left out.
 */

/**
 * @param {DataTransfer} dataTransfer A drop's; read it in the drop event (its items go stale
 *   after it), the walk itself may run later.
 * @returns {Promise<Array<{file: File, path: string}>>}
 */
export function filesFromDrop(dataTransfer) {
  const entries = [];
  const loose = [];
  for (const item of dataTransfer.items || []) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push({ file, path: file.name });
    }
  }
  if (!entries.length && !loose.length) {
    for (const file of dataTransfer.files || []) loose.push({ file, path: file.name });
  }
  return filesFromEntries(entries).then((walked) => [...walked, ...loose].filter(wanted));
}

/**
 * Every file under `entries` (FileSystemEntry objects), depth first, in the reader's order.
 * @returns {Promise<Array<{file: File, path: string}>>}
 */
export async function filesFromEntries(entries) {
  const into = [];
  for (const entry of entries) await walk(entry, into);
  return into.filter(wanted);
}

async function walk(entry, into) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    into.push({ file, path: (entry.fullPath || "").replace(/^\//, "") || file.name });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = entry.createReader();
  // readEntries answers in batches (100 at a time in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) await walk(child, into);
  }
}

/** Whether a file is worth sending: not a hidden file. */
export function wanted({ file, path }) {
  const name = (path || file.name).split("/").pop();
  return !name.startsWith(".");
}
