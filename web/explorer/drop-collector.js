// Files from drag and drop, folders included (DataTransferItem.webkitGetAsEntry,
// supported by Chrome, Firefox and Safari). Only File handles are collected:
// nothing is read here.

// Must be called synchronously inside the drop handler: the DataTransfer's
// items are emptied once the event returns. Returns {entries, files}: entries
// to walk, and plain files when the browser gives no entries.
export function takeDropped(dataTransfer) {
  const entries = [];
  const files = [];
  for (const item of dataTransfer.items ?? []) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) {
      entries.push(entry);
      continue;
    }
    const file = item.getAsFile();
    if (file) files.push(file);
  }
  if (entries.length === 0 && files.length === 0) files.push(...(dataTransfer.files ?? []));
  return {entries, files};
}

// Hidden files (".DS_Store", "._x" from macOS) are never DICOM uploads.
function isHidden(name) {
  return name.startsWith('.');
}

// Walks `entries` recursively. Resolves with [{file, path}] in folder order;
// `onProgress(count)` reports how many files were found so far.
export async function collectDropped({entries, files}, onProgress) {
  const result = files.filter((file) => !isHidden(file.name))
      .map((file) => ({file, path: file.name}));
  const stack = [...entries].reverse();
  while (stack.length > 0) {
    const entry = stack.pop();
    if (isHidden(entry.name)) continue;
    if (entry.isFile) {
      result.push({file: await fileOf(entry), path: entry.fullPath.replace(/^\//, '')});
      if (result.length % 200 === 0) onProgress?.(result.length);
      continue;
    }
    if (entry.isDirectory) {
      const children = await readAll(entry.createReader());
      children.sort((a, b) => a.name.localeCompare(b.name, undefined, {numeric: true}));
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
    }
  }
  onProgress?.(result.length);
  return result;
}

function fileOf(entry) {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

// readEntries returns at most ~100 entries per call: call until it returns none.
async function readAll(reader) {
  const all = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
