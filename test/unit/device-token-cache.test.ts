import { describe, expect, it } from "vitest";
import { DeviceTokenCache } from "../../auth/device-token-cache.ts";

describe("device token cache", () => {
  it("keeps recognising a confirmed token while the database is down, but not an unknown one", async () => {
    let down = false;
    let now = 0;
    const active = new Set(["a"]);
    const cache = new DeviceTokenCache(async (jti) => {
      if (down) throw Object.assign(new Error("down"), { code: "ECONNREFUSED" });
      return active.has(jti);
    }, 1000, 10, () => now);
    expect(await cache.isActive("a")).toBe(true);
    down = true;
    now = 5000; // past the ttl: it asks the database, which fails, so the stale verdict stands
    expect(await cache.isActive("a")).toBe(true);
    await expect(cache.isActive("b")).rejects.toThrow("down");
  });

  it("forgets a revoked token once the ttl has passed", async () => {
    let now = 0;
    const active = new Set(["a"]);
    const cache = new DeviceTokenCache(async (jti) => active.has(jti), 1000, 10, () => now);
    expect(await cache.isActive("a")).toBe(true);
    active.delete("a");
    now = 500;
    expect(await cache.isActive("a")).toBe(true); // within the ttl
    now = 1500;
    expect(await cache.isActive("a")).toBe(false);
  });
});
