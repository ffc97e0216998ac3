// Hands a token to a page this one opens on the same origin (the viewer
// Tessera serves) without putting the token in the address, where the
// browser's history would keep it for months: the address carries a random
// key, the token waits under it in localStorage, and the page takes it out on
// arrival (web/viewer/app-config.js reads the same format). An entry not taken
// within a minute is dropped by this page (or, if it is gone by then, by the
// next explorer page and the viewer), and signing out drops them all.

const kPrefix = 'tessera.handoff.';
const kLifetimeMs = 60000;

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Stores `token` for the page to take; returns the key to put in its address
// (#handoff=<key>), or '' when this browser keeps no local storage.
export function handOff(token, storage = globalThis.localStorage) {
  try {
    dropStaleHandOffs(storage);
    const key = randomKey();
    storage.setItem(kPrefix + key, JSON.stringify({token, at: Date.now()}));
    const timer = setTimeout(() => {
      try {
        storage.removeItem(kPrefix + key);
      } catch {
        // Nothing left to drop.
      }
    }, kLifetimeMs);
    timer?.unref?.();  // Node (the tests) would otherwise wait a minute for it
    return key;
  } catch {
    return '';
  }
}

// Removes entries older than a minute (opened pages take theirs at once), or
// every entry with `all` (signing out).
export function dropStaleHandOffs(storage = globalThis.localStorage, {all = false} = {}) {
  const now = Date.now();
  try {
    for (let i = storage.length - 1; i >= 0; --i) {
      const name = storage.key(i);
      if (!name?.startsWith(kPrefix)) continue;
      let at = 0;
      try {
        at = Number(JSON.parse(storage.getItem(name)).at) || 0;
      } catch {
        // Unreadable: stale.
      }
      if (all || !(now - at >= 0 && now - at < kLifetimeMs)) storage.removeItem(name);
    }
  } catch {
    // No local storage: nothing was handed off.
  }
}
