// The phone's database in the browser: one snapshot (SQLite's file format) in IndexedDB,
// written in one transaction whose completion is awaited, so a record counts as saved only
// once the browser has committed it to disk.
const DB = "minqing";
const STORE = "snapshots";
const KEY = "main";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function idbLoad() {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const req = db.transaction(STORE, "readonly").objectStore(STORE).get(KEY);
      req.onsuccess = () => resolve(req.result ?? null);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

export async function idbSave(bytes) {
  const db = await open();
  try {
    await new Promise((resolve, reject) => {
      // "strict": the transaction completes only once the data is flushed to disk.
      const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
      tx.objectStore(STORE).put(bytes, KEY);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// Asks the browser not to evict the app's storage under pressure (granted for installed apps).
export async function persistStorage() {
  if (navigator.storage && navigator.storage.persist) {
    return await navigator.storage.persist();
  }
  return false;
}
