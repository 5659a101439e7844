// Per-connection message limits on a real server: collars on /ingest (WT_INGEST_MSG_RATE) and
// dashboards on Socket.IO /live and /alerts (WT_SOCKET_MSG_RATE). Rates are set low so a test can
// exceed them; nothing asserts how fast anything is.
import { io as ioClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixes, TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

// 2 messages a second, burst 4; a connection is closed after 10 × burst = 40 refused in a row.
const RATE = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RateLimitedError = { code: string; detail: string; resend?: number[]; retry_after_ms?: number; seq?: unknown };

/** Seqs the server refused as rate_limited (to be resent later). */
function limitedSeqs(collar: TestCollar, from = 0): number[] {
  return (collar.errors.slice(from) as RateLimitedError[]).filter((e) => e.code === "rate_limited").flatMap((e) => e.resend ?? []);
}

async function storedTimes(t: TestServer, collar: string): Promise<number[]> {
  const { rows } = await t.server.db.query<{ ms: string | number }>(
    "SELECT (extract(epoch FROM ts) * 1000)::float8 AS ms FROM fixes WHERE collar_id = $1 ORDER BY ts",
    [collar],
  );
  return rows.map((r) => Number(r.ms));
}

function connect(t: TestServer, nsp: "/live" | "/alerts"): Promise<Socket> {
  const s = ioClient(t.server.url + nsp, { auth: { token: TEST_ADMIN_TOKEN }, transports: ["websocket"], reconnection: false });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

const emitWithAck = (s: Socket, event: string, payload: unknown) => new Promise<any>((resolve) => s.emit(event, payload, resolve));

describe("abuse limits per connection", () => {
  let db: TestDatabase;
  let t: TestServer;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_INGEST_MSG_RATE: String(RATE), WT_SOCKET_MSG_RATE: String(RATE) });
    await deployedAnimal(t.api, "RL001");
    const tok = await t.api.post("/api/v1/collars/RL001/token");
    expect(tok.status).toBe(201);
    token = tok.body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("a collar over its message rate gets rate_limited for the excess; what was acked is stored; after a pause it sends again", async () => {
    const collar = await TestCollar.connect(t.wsUrl, token);
    const fixes = makeFixes(30, Date.UTC(2026, 10, 20, 6));
    // 20 messages at once, far over 2/s (burst 4): single fixes and batches of two, alternating.
    const frames: Array<typeof fixes> = [];
    for (let i = 0; i < fixes.length; ) {
      const n = frames.length % 2 === 0 ? 1 : 2;
      frames.push(fixes.slice(i, i + n));
      i += n;
    }
    for (const f of frames) collar.send(f.length === 1 ? { type: "fix", ...f[0] } : { type: "batch", fixes: f });
    await collar.until(() => collar.acked.length + limitedSeqs(collar).length >= fixes.length, 30_000, "an answer for every fix");
    await sleep(200); // nothing more may follow

    const acked = new Set(collar.acked);
    const limited = limitedSeqs(collar);
    expect(limited.length).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(0);
    expect(limited.filter((s) => acked.has(s))).toEqual([]); // a fix is either acked or refused, never both
    expect([...acked, ...limited].sort((a, b) => a - b)).toEqual(fixes.map((f) => f.seq));
    expect(collar.nacks).toEqual([]); // not a nack: a nack would tell the collar to drop the fix
    for (const e of collar.errors as RateLimitedError[]) {
      expect(e.code).toBe("rate_limited");
      expect(e.detail).toMatch(/at most 2 messages a second/);
      // Exactly the fixes of one refused frame, batch or single fix.
      expect(frames.map((f) => f.map((x) => x.seq).join())).toContain(e.resend!.join());
      expect(e.seq).toBeUndefined(); // an error's `seq` would read as final (like a nack) to some clients
      expect(e.retry_after_ms).toBeGreaterThanOrEqual(0);
      expect(e.retry_after_ms).toBeLessThanOrEqual(1000 / RATE);
    }
    expect(collar.closeCode).toBeNull();

    // Everything acked is really stored, and nothing that was refused.
    const bySeq = new Map(fixes.map((f) => [f.seq, Date.parse(f.ts)]));
    expect(await storedTimes(t, "RL001")).toEqual([...acked].map((s) => bySeq.get(s)!).sort((a, b) => a - b));

    // The collar pauses, then resends the refused fixes as one batch (one message).
    const resend = fixes.filter((f) => limited.includes(f.seq));
    const ackedBefore = collar.acked.length;
    for (let attempt = 0; collar.acked.length - ackedBefore < resend.length; attempt++) {
      expect(attempt).toBeLessThan(20);
      const errorsBefore = collar.errors.length;
      await sleep(1000 / RATE + 100); // at least one token back
      collar.send({ type: "batch", fixes: resend });
      await collar.until(() => collar.acked.length - ackedBefore >= resend.length || collar.errors.length > errorsBefore, 30_000, "resend answered");
    }
    expect(new Set(collar.acked.slice(ackedBefore))).toEqual(new Set(resend.map((f) => f.seq)));
    expect(await storedTimes(t, "RL001")).toEqual(fixes.map((f) => Date.parse(f.ts)));
    collar.close();
  });

  it("a collar that keeps going far past the limit is closed with 1008 (policy violation)", async () => {
    const collar = await TestCollar.connect(t.wsUrl, token);
    const fixes = makeFixes(300, Date.UTC(2026, 10, 21, 6));
    for (const f of fixes) collar.send({ type: "fix", ...f });
    await collar.until(() => collar.closeCode !== null, 30_000, "the connection to be closed");
    expect(collar.closeCode).toBe(1008);
    const last = collar.errors[collar.errors.length - 1]!;
    expect(last.code).toBe("rate_limited");
    expect(last.detail).toMatch(/closing after 40 refused in a row/);
    // Whatever was acked before the close is stored.
    await sleep(200);
    const bySeq = new Map(fixes.map((f) => [f.seq, Date.parse(f.ts)]));
    const stored = new Set(await storedTimes(t, "RL001"));
    for (const seq of collar.acked) expect(stored.has(bySeq.get(seq)!)).toBe(true);

    // It may reconnect: a fresh connection, limited the same way.
    const again = await TestCollar.connect(t.wsUrl, token);
    again.send({ type: "batch", fixes: fixes.slice(0, 10).map((f, i) => ({ ...f, seq: 10_000 + i })) });
    await again.until(() => again.acked.length >= 10, 30_000, "acks after reconnecting");
    again.close();
  });

  describe.each(["/live", "/alerts"] as const)("Socket.IO %s", (nsp) => {
    it("a client spamming subscribe gets error events with code rate_limited and stays connected", async () => {
      const s = await connect(t, nsp);
      const errors: Array<{ code: string; detail: string }> = [];
      s.on("error", (e) => errors.push(e));
      const sub = nsp === "/live" ? { all: true } : { kinds: ["geofence_exit"] };
      const replies = await Promise.all(Array.from({ length: 30 }, () => emitWithAck(s, "subscribe", sub)));

      const ok = replies.filter((r) => r.ok);
      const refused = replies.filter((r) => !r.ok);
      expect(ok.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.code).toBe("rate_limited"); // the ack answers too: nobody waits forever
      await sleep(100);
      expect(errors.length).toBe(refused.length);
      for (const e of errors) {
        expect(e.code).toBe("rate_limited");
        expect(e.detail).toMatch(/at most 2 events a second/);
      }
      expect(s.connected).toBe(true);

      // After a pause the same socket is served again.
      let reply: any = { ok: false };
      for (let attempt = 0; !reply.ok; attempt++) {
        expect(attempt).toBeLessThan(20);
        await sleep(1000 / RATE + 100);
        reply = await emitWithAck(s, "subscribe", sub);
      }
      expect(s.connected).toBe(true);
      s.close();
    });
  });
});
