// In-process Cache: a Map with expiry and a tag index.
import type { Cache } from "./cache.ts";

export class MemoryCache implements Cache {
  private readonly values = new Map<string, { value: string; expires: number; tags: string[] }>();
  private readonly byTag = new Map<string, Set<string>>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | null> {
    const e = this.values.get(key);
    if (!e) return null;
    if (e.expires <= this.clock()) {
      this.drop(key);
      return null;
    }
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number, tags: string[] = []): Promise<void> {
    this.drop(key);
    if (this.values.size >= this.maxEntries) this.drop(this.values.keys().next().value!); // oldest first
    this.values.set(key, { value, expires: this.clock() + ttlMs, tags });
    for (const t of tags) {
      let keys = this.byTag.get(t);
      if (!keys) this.byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
  }

  async invalidate(tags: string[]): Promise<void> {
    for (const t of tags) {
      for (const key of this.byTag.get(t) ?? []) this.drop(key);
      this.byTag.delete(t);
    }
  }

  async close(): Promise<void> {
    this.values.clear();
    this.byTag.clear();
  }

  private drop(key: string): void {
    const e = this.values.get(key);
    if (!e) return;
    this.values.delete(key);
    for (const t of e.tags) this.byTag.get(t)?.delete(key);
  }
}
