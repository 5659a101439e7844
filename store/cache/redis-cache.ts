// Redis Cache: values as strings with PX expiry, tags as sets of keys. Set and tag updates go in one
// MULTI so a concurrent invalidation cannot miss a key it should drop.
import type { Redis } from "ioredis";
import type { Cache } from "./cache.ts";

export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "wt:cache:",
  ) {}

  get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlMs: number, tags: string[] = []): Promise<void> {
    const k = this.prefix + key;
    const m = this.redis.multi().set(k, value, "PX", Math.max(1, Math.round(ttlMs)));
    for (const t of tags) m.sadd(this.tagKey(t), k).pexpire(this.tagKey(t), Math.max(1, Math.round(ttlMs)) * 2);
    await m.exec();
  }

  async invalidate(tags: string[]): Promise<void> {
    for (const t of tags) {
      const tagKey = this.tagKey(t);
      const keys = await this.redis.smembers(tagKey);
      const m = this.redis.multi();
      if (keys.length) m.del(...keys);
      await m.del(tagKey).exec();
    }
  }

  async close(): Promise<void> {
    /* the connection belongs to the server */
  }

  private tagKey(tag: string): string {
    return `${this.prefix}tag:${tag}`;
  }
}
