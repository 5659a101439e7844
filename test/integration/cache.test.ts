// The cache interface, run against both implementations: in-process and a real Redis.
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { cached, type Cache } from "../../store/cache/cache.ts";
import { MemoryCache } from "../../store/cache/memory-cache.ts";
import { RedisCache } from "../../store/cache/redis-cache.ts";

const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(() => redis.disconnect());

const IMPLEMENTATIONS: Array<[string, () => Promise<Cache>]> = [
  ["memory", async () => new MemoryCache()],
  [
    "redis",
    async () => {
      if (redis.status === "wait") await redis.connect();
      return new RedisCache(redis, `wt:test:${randomBytes(4).toString("hex")}:`);
    },
  ],
];

describe.each(IMPLEMENTATIONS)("%s cache", (_name, make) => {
  it("reads through, then serves from the cache until a tag is invalidated", async () => {
    const cache = await make();
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cached(cache, "herd:h1:families", 60_000, ["herd:h1"], load)).toEqual({ n: 1 });
    expect(await cached(cache, "herd:h1:families", 60_000, ["herd:h1"], load)).toEqual({ n: 1 });
    await cache.invalidate(["herd:h1"]);
    expect(await cached(cache, "herd:h1:families", 60_000, ["herd:h1"], load)).toEqual({ n: 2 });
    await cache.invalidate(["herd:other"]);
    expect(await cached(cache, "herd:h1:families", 60_000, ["herd:h1"], load)).toEqual({ n: 2 });
  });

  it("expires entries after their ttl", async () => {
    const cache = await make();
    await cache.set("k", "v", 30);
    expect(await cache.get("k")).toBe("v");
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get("k")).toBeNull();
  });
});

it("a cache that fails never fails the read", async () => {
  const broken: Cache = {
    get: () => Promise.reject(new Error("down")),
    set: () => Promise.reject(new Error("down")),
    invalidate: () => Promise.reject(new Error("down")),
    close: async () => {},
  };
  expect(await cached(broken, "k", 1000, [], async () => 7)).toBe(7);
});
