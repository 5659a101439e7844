// A small read-through cache for hot read paths, behind one interface: Redis when REDIS_URL is set
// (shared by every node, so a write on one node is seen by the next read on another), in-process
// otherwise. Writers invalidate by key or by tag; a write is visible to the next read.

export interface Cache {
  get(key: string): Promise<string | null>;
  /** Stores a value for ttlMs under some tags (tags let a write invalidate every key derived from it). */
  set(key: string, value: string, ttlMs: number, tags?: string[]): Promise<void>;
  /** Drops every key stored under any of these tags. */
  invalidate(tags: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Read-through: returns the cached JSON value, or loads, stores and returns it. A cache failure
 * (Redis down) never fails the read: it falls back to the loader.
 */
export async function cached<T>(cache: Cache, key: string, ttlMs: number, tags: string[], load: () => Promise<T>): Promise<T> {
  let hit: string | null = null;
  try {
    hit = await cache.get(key);
  } catch {
    /* cache unavailable: read through */
  }
  if (hit !== null) return JSON.parse(hit) as T;
  const value = await load();
  try {
    await cache.set(key, JSON.stringify(value), ttlMs, tags);
  } catch {
    /* best effort */
  }
  return value;
}
