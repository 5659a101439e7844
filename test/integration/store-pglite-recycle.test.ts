// Regression: PGlite 0.5.8 leaks WebAssembly stack on each failed statement and, after ~1,870 of them,
// fails every statement with 54001 for good. The embedded database must recycle its instance first.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PgliteDatabase } from "../../store/pglite-database.ts";

describe("embedded database after many failed statements", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("keeps working (and keeps its data) past the point where PGlite would wedge", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "wt-recycle-"));
    dirs.push(dir);
    const db = await PgliteDatabase.open(dir);
    await db.exec("CREATE TABLE kept (x int)");
    await db.query("INSERT INTO kept VALUES (42)");
    let unexpected = 0;
    for (let i = 0; i < 2500; i++) {
      try {
        await (i % 2 ? db.query("SELECT 1/0") : db.transaction((tx) => tx.query("SELECT 1/0")));
      } catch (err) {
        if ((err as { code?: string }).code !== "22012") unexpected++;
      }
    }
    expect(unexpected).toBe(0);
    expect(db.recycled).toBeGreaterThanOrEqual(2);
    expect((await db.query<{ x: number }>("SELECT x FROM kept")).rows).toEqual([{ x: 42 }]);
    await db.close();
  }, 120_000);

  it("refuses a data directory locked by another live process, and takes over a stale lock", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "wt-lock-"));
    dirs.push(dir);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(dir, "wt.lock"), String(process.ppid)); // a live process that is not us
    await expect(PgliteDatabase.open(dir)).rejects.toThrow(/in use by process/);
    await writeFile(path.join(dir, "wt.lock"), "999999999"); // stale lock: taken over
    const db = await PgliteDatabase.open(dir);
    await db.close();
  }, 60_000);
});
