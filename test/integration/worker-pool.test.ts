// The model worker pool on real threads: results, clear errors that never take the engine (or the
// pool) down, timeouts, a bounded queue, and batching of small requests into one worker call.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ModelPool, PoolBusyError, PoolTaskError } from "../../workers/pool.ts";

const TEST_WORKER = fileURLToPath(new URL("../helpers/test-worker.mjs", import.meta.url));

describe("ModelPool", () => {
  const pool = new ModelPool({ threads: 2, maxQueue: 4, filename: TEST_WORKER, taskTimeoutMs: 5_000 });
  afterAll(() => pool.close());

  it("runs tasks on worker threads (the production worker too)", async () => {
    expect(await pool.run("ping", null)).toBe("pong");
    const ids = new Set(await Promise.all([0, 1, 2, 3].map(() => pool.run<number>("threadId", null))));
    expect([...ids].every((id) => id > 0)).toBe(true); // not the main thread
    const production = new ModelPool({ threads: 1 });
    try {
      expect(await production.run("ping", null)).toBe("pong");
    } finally {
      await production.close();
    }
  });

  it("a failing task is a clear error (input or internal) and the pool goes on", async () => {
    await expect(pool.run("no-such-task", null)).rejects.toMatchObject({ name: "PoolTaskError", kind: "input", message: 'unknown task kind "no-such-task"' });
    await expect(pool.run("throw", "boom")).rejects.toMatchObject({ kind: "internal", message: "boom" });
    const crashed = pool.run("crash", null);
    await expect(crashed).rejects.toBeInstanceOf(PoolTaskError);
    await expect(crashed).rejects.toThrow(/crash failed in its worker/);
    expect(await pool.run("ping", null)).toBe("pong");
    expect(pool.health().failed).toBeGreaterThanOrEqual(3);
  });

  it("a task past its timeout is stopped, its thread replaced", async () => {
    await expect(pool.run("spin", 10_000, { timeoutMs: 200 })).rejects.toThrow(/took longer than 200 ms and was stopped/);
    expect(await pool.run("ping", null)).toBe("pong");
  });

  it("refuses work beyond the bounded queue with PoolBusyError", async () => {
    const running = Array.from({ length: 2 + 4 }, () => pool.run("sleep", 300)); // 2 threads busy, 4 queued
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.health().queueSize).toBe(4);
    expect(pool.health().ok).toBe(false);
    await expect(pool.run("ping", null)).rejects.toBeInstanceOf(PoolBusyError);
    await Promise.all(running);
    expect(pool.health()).toMatchObject({ ok: true, queueSize: 0 });
    expect(pool.health().refused).toBeGreaterThanOrEqual(1);
  });

  it("batches requests made together into one worker call, with per-item results", async () => {
    const before = pool.health().completed;
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => (i === 7 ? pool.submit("throw", "item 7 is bad") : pool.submit("ping", null))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(99);
    expect((results[7] as PromiseRejectedResult).reason).toMatchObject({ message: "item 7 is bad" });
    expect(pool.health().completed - before).toBe(1); // one trip to a worker for all 100
  });
});
