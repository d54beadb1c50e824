// The phone's database in the browser: one image (sealed by the data key, see
// src/vault/image.rs) and the key file, in IndexedDB. Each save is one transaction whose
// completion is awaited, so a record counts as saved only once the browser has committed it
// to disk, and the image and the key file never disagree.
const DB = "minqing";
const STORE = "snapshots";
const IMAGE = "main";
const KEYS = "keys";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function get(store, key) {
  return new Promise((resolve, reject) => {
    const req = store.get(key);
    req.onsuccess = () => resolve(req.result ?? null);
    req.onerror = () => reject(req.error);
  });
}

// One read-write transaction running `write(store)`, resolved once durable.
async function change(write) {
  const db = await open();
  try {
    await new Promise((resolve, reject) => {
      // "strict": the transaction completes only once the data is flushed to disk.
      const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
      write(tx.objectStore(STORE));
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// [image or null, key file JSON or null]
export async function idbLoad() {
  const db = await open();
  try {
    const store = db.transaction(STORE, "readonly").objectStore(STORE);
    return await Promise.all([get(store, IMAGE), get(store, KEYS)]);
  } finally {
    db.close();
  }
}

// The key file's change: undefined leaves it, null deletes it, a string is its JSON.
function putKeys(store, keys) {
  if (keys === null) store.delete(KEYS);
  else if (keys !== undefined) store.put(keys, KEYS);
}

// The image, and the key file's change with it.
export async function idbSave(bytes, keys) {
  await change((store) => {
    store.put(bytes, IMAGE);
    putKeys(store, keys);
  });
}

export async function idbSaveKeys(keys) {
  await change((store) => putKeys(store, keys));
}

// Erased as ordered: the key file first, then the image, in one transaction.
export async function idbClear() {
  await change((store) => {
    store.delete(KEYS);
    store.delete(IMAGE);
  });
}

// Asks the browser not to evict the app's storage under pressure (granted for installed apps).
export async function persistStorage() {
  if (navigator.storage && navigator.storage.persist) {
    return await navigator.storage.persist();
  }
  return false;
}
