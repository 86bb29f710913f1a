/**
 * localStorage, per project, never throwing: private modes, full quotas and blocked storage
 * leave the widget working for this page (it only forgets across visits).
 */
export interface KV {
  get(key: string): string | null;
  set(key: string, value: string): boolean;
  remove(key: string): void;
}

export function browserStorage(): KV {
  let ls: Storage | null = null;
  try {
    ls = window.localStorage;
  } catch {
    ls = null;
  }
  const memory = new Map<string, string>();
  return {
    get(key) {
      try {
        return ls ? ls.getItem(key) : (memory.get(key) ?? null);
      } catch {
        return memory.get(key) ?? null;
      }
    },
    set(key, value) {
      memory.set(key, value);
      try {
        ls?.setItem(key, value);
        return true;
      } catch {
        return false;
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        ls?.removeItem(key);
      } catch {
        /* nothing to do */
      }
    },
  };
}

export function readJson<T>(kv: KV, key: string): T | null {
  const text = kv.get(key);
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** A store that forgets with the page (the console's preview writes nothing to the browser). */
export function memoryStorage(): KV {
  const m = new Map<string, string>();
  return {
    get: (k) => m.get(k) ?? null,
    set: (k, v) => (m.set(k, v), true),
    remove: (k) => void m.delete(k),
  };
}
