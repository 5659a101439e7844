import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { CollarFleet, type CollarFleetOptions } from "../../simulator/collar-fleet.ts";
import type { CollarSpec, SimFix } from "../../simulator/collar-track.ts";
import { haversineDistance as distance } from "../../engine/geo.ts";

/** A fix as the peer received it. */
interface Received {
  seq: number;
  collar: string;
  ts: string;
  lat: number;
  lon: number;
  frame: "fix" | "batch";
  at: number; // receive time, epoch ms
}

interface PeerConn {
  index: number;
  ws: WebSocket;
  fixes: Received[];
  frames: number[]; // fixes per frame
  authorization: string | undefined;
}

type OnFrame = (conn: PeerConn, fresh: Received[]) => void;

/** A minimal /ingest peer: records every fix per connection and lets the test decide what to answer. */
async function startPeer(onFrame: OnFrame, opts: { rejectStatus?: number; onConnect?: (c: PeerConn) => void } = {}) {
  const conns: PeerConn[] = [];
  const wss = new WebSocketServer({
    port: 0,
    verifyClient: opts.rejectStatus ? (_info, cb) => cb(false, opts.rejectStatus) : undefined,
  });
  wss.on("connection", (ws, req) => {
    const conn: PeerConn = { index: conns.length, ws, fixes: [], frames: [], authorization: req.headers.authorization };
    conns.push(conn);
    opts.onConnect?.(conn);
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; fixes?: Received[] } & Received;
      const at = Date.now();
      const fresh = (msg.type === "batch" ? msg.fixes! : [msg]).map(
        (f): Received => ({ seq: f.seq, collar: f.collar, ts: f.ts, lat: f.lat, lon: f.lon, frame: msg.type as "fix" | "batch", at }),
      );
      conn.fixes.push(...fresh);
      conn.frames.push(fresh.length);
      onFrame(conn, fresh);
    });
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const port = (wss.address() as { port: number }).port;
  const peer = {
    url: `ws://127.0.0.1:${port}/ingest`,
    conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  peers.push(peer);
  return peer;
}

const peers: Array<{ close: () => Promise<void> }> = [];
const fleets: CollarFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

const ack = (ws: WebSocket, seqs: number[]) => ws.send(JSON.stringify({ type: "ack", seq: seqs }));
const key = (collar: string, ts: string | number) => `${collar}@${typeof ts === "number" ? new Date(ts).toISOString() : ts}`;
const collars = (n: number, herd?: string): CollarSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `T${String(i + 1).padStart(3, "0")}`, species: i % 2 ? "wildebeest" : "elephant", herd }));
const START = Date.UTC(2026, 0, 1, 6, 0, 0);

function makeFleet(o: Partial<CollarFleetOptions> & { url: string }): CollarFleet {
  const fleet = new CollarFleet({ token: "tok", collars: collars(3), ratePerSecond: Infinity, start: START, seed: 7, ...o });
  fleets.push(fleet);
  return fleet;
}

function expectSeqsUniqueAndIncreasing(conn: PeerConn): void {
  const seqs = conn.fixes.map((f) => f.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  seqs.forEach((s, i) => i > 0 && expect(s).toBeGreaterThan(seqs[i - 1]!));
}

describe("CollarFleet against an /ingest peer", () => {
  it("after a lost connection resends exactly the unacked fixes, never the acked or nacked ones", async () => {
    const WINDOW = 10;
    let acked1 = new Set<number>();
    let nackedKey = "";
    const peer = await startPeer((conn, fresh) => {
      if (conn.index > 0) return ack(conn.ws, fresh.map((f) => f.seq)); // later connections ack everything
      const n = conn.fixes.length;
      if (n === WINDOW) {
        // Window full: ack some, nack one, leave the rest unacked.
        const picks = [0, 1, 2, 4, 6].map((i) => conn.fixes[i]!.seq);
        acked1 = new Set(picks);
        ack(conn.ws, picks);
        const bad = conn.fixes[3]!;
        nackedKey = key(bad.collar, bad.ts);
        conn.ws.send(JSON.stringify({ type: "nack", seq: bad.seq, code: "invalid", errors: [{ path: "lat", message: "test" }] }));
      } else if (n === WINDOW + 6) {
        // The 6 settled slots were refilled: the fleet is at its window again and cannot send more.
        conn.ws.close(1013, "overloaded");
      }
    });
    const onAcks: string[] = [];
    const fleet = makeFleet({ url: peer.url, fixesPerCollar: 20, connections: 1, maxInFlight: WINDOW, onAck: (c, ts) => onAcks.push(key(c, ts)) });
    const expected = fleet.generatedFixes();
    fleet.start();
    await fleet.done();

    const [first, second] = peer.conns;
    expect(peer.conns.length).toBe(2);
    const settled = new Set([...acked1, first!.fixes[3]!.seq]);
    const unacked = first!.fixes.filter((f) => !settled.has(f.seq)).map((f) => key(f.collar, f.ts));
    expect(unacked.length).toBe(WINDOW);
    // Resends come first on the new connection, in the original order, with new seqs.
    expect(second!.fixes.slice(0, WINDOW).map((f) => key(f.collar, f.ts))).toEqual(unacked);
    const later = second!.fixes.map((f) => key(f.collar, f.ts));
    for (const f of first!.fixes) if (settled.has(f.seq)) expect(later).not.toContain(key(f.collar, f.ts));
    expect(later).not.toContain(nackedKey);

    // Every generated fix reached the peer with the generated content; all but the nacked one were acked.
    const all = new Map<string, Received>();
    for (const c of peer.conns) for (const f of c.fixes) all.set(key(f.collar, f.ts), f);
    expect(all.size).toBe(expected.length);
    for (const e of expected) {
      const got = all.get(key(e.collar, e.ts));
      expect(got, key(e.collar, e.ts)).toBeDefined();
      expect([got!.lat, got!.lon]).toEqual([e.lat, e.lon]);
    }
    expect(new Set(onAcks)).toEqual(new Set(expected.map((e) => key(e.collar, e.ts)).filter((k) => k !== nackedKey)));
    expect(onAcks.length).toBe(expected.length - 1);
    peer.conns.forEach(expectSeqsUniqueAndIncreasing);
    // Timestamps are exact-millisecond ISO strings.
    for (const c of peer.conns) for (const f of c.fixes) expect(f.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const s = fleet.stats();
    expect(s).toMatchObject({ sent: 60, generated: 60, acked: 59, nacked: 1, resent: WINDOW, unacked: 0, reconnects: 1, disconnects: 1 });
    expect(s.nacks).toEqual({ invalid: 1 });
    expect(s.latencyMs.count).toBe(59);
    expect(s.latencyMs.p50!).toBeLessThanOrEqual(s.latencyMs.p99!);
  });

  it("never has more than maxInFlight unacked fixes on a connection, and batches up to batchSize", async () => {
    const LIMIT = 25;
    const outstanding = new Map<number, number>();
    const maxOutstanding = new Map<number, number>();
    const timers = new Map<number, NodeJS.Timeout>();
    const peer = await startPeer((conn, fresh) => {
      const o = (outstanding.get(conn.index) ?? 0) + fresh.length;
      outstanding.set(conn.index, o);
      maxOutstanding.set(conn.index, Math.max(maxOutstanding.get(conn.index) ?? 0, o));
      // Ack everything only after 30 ms of silence: a fleet ignoring the window would keep sending meanwhile.
      clearTimeout(timers.get(conn.index));
      const pending = conn.fixes.slice(-o).map((f) => f.seq);
      timers.set(
        conn.index,
        setTimeout(() => {
          outstanding.set(conn.index, 0);
          ack(conn.ws, pending);
        }, 30),
      );
    });
    const fleet = makeFleet({ url: peer.url, collars: collars(4), fixesPerCollar: 30, connections: 2, batchSize: 4, maxInFlight: LIMIT });
    fleet.start();
    await fleet.done();
    expect(peer.conns.length).toBe(2);
    for (const c of peer.conns) {
      expect(maxOutstanding.get(c.index)).toBe(LIMIT); // the window was filled, never exceeded
      expect(Math.max(...c.frames)).toBe(4);
      expect(c.fixes.every((f) => f.frame === "batch")).toBe(true);
      expect(c.fixes.length).toBe(60);
      expectSeqsUniqueAndIncreasing(c);
      // Collars are spread over connections: each connection carries two of them.
      expect(new Set(c.fixes.map((f) => f.collar)).size).toBe(2);
    }
    expect(fleet.stats()).toMatchObject({ sent: 120, acked: 120, unacked: 0, resent: 0 });
  });

  it("paces a finite run at ratePerSecond", async () => {
    const peer = await startPeer((conn, fresh) => ack(conn.ws, fresh.map((f) => f.seq)));
    const fleet = makeFleet({ url: peer.url, collars: collars(2), fixesPerCollar: 20, ratePerSecond: 100 });
    const t0 = Date.now();
    fleet.start();
    await fleet.done();
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThan(300); // 40 fixes at 100/s ≈ 0.4 s
    expect(elapsed).toBeLessThan(2000);
    expect(fleet.stats().acked).toBe(40);
  });

  it("an endless run never sends a fix before its timestamp and stops cleanly", async () => {
    const peer = await startPeer((conn, fresh) => ack(conn.ws, fresh.map((f) => f.seq)));
    const now = Date.now();
    const fleet = makeFleet({ url: peer.url, collars: collars(2), intervalSeconds: 0.2, start: now - 1000, ratePerSecond: 1000 });
    fleet.start();
    await new Promise((r) => setTimeout(r, 1200));
    await fleet.stop();
    const stoppedAt = Date.now();
    await fleet.done();
    const fixes = peer.conns.flatMap((c) => c.fixes);
    for (const f of fixes) expect(Date.parse(f.ts)).toBeLessThanOrEqual(f.at);
    // ≥ 2.2 s of simulated time per collar at 5 fixes/s: the backlog, then real-time pacing.
    expect(fixes.length).toBeGreaterThanOrEqual(2 * 9);
    expect(fixes.length).toBeLessThanOrEqual(2 * (Math.floor((stoppedAt - (now - 1000)) / 200) + 1));
    expect(fleet.stats().connected).toBe(0);
  });

  it("gives up (done rejects) when the server closes with 4401 or refuses the upgrade with 401", async () => {
    const closing = await startPeer(() => {}, { onConnect: (c) => c.ws.close(4401, "unauthorized") });
    const f1 = makeFleet({ url: closing.url, fixesPerCollar: 5 });
    f1.start();
    await expect(f1.done()).rejects.toThrow(/4401/);
    expect(f1.stats().fatal).toMatch(/4401/);
    expect(closing.conns[0]!.authorization).toBe("Bearer tok");

    const refusing = await startPeer(() => {}, { rejectStatus: 401 });
    const f2 = makeFleet({ url: refusing.url, fixesPerCollar: 5 });
    f2.start();
    await expect(f2.done()).rejects.toThrow(/401/);
  });

  it("reconnects and resends when the server goes silent with fixes in flight", async () => {
    // The first connection swallows everything (a half-open socket); later ones ack.
    const peer = await startPeer((conn, fresh) => conn.index > 0 && ack(conn.ws, fresh.map((f) => f.seq)));
    const fleet = makeFleet({ url: peer.url, fixesPerCollar: 3, connections: 1, ackTimeoutMs: 200 });
    fleet.start();
    await fleet.done();
    const firstKeys = peer.conns[0]!.fixes.map((f) => key(f.collar, f.ts));
    expect(firstKeys).toHaveLength(9);
    expect(peer.conns[1]!.fixes.map((f) => key(f.collar, f.ts))).toEqual(firstKeys);
    expect(fleet.stats()).toMatchObject({ acked: 9, resent: 9, errors: { ack_timeout: 1 } });
  });

  it("counts server error frames and keeps going", async () => {
    let sentError = false;
    const peer = await startPeer((conn, fresh) => {
      if (!sentError) {
        sentError = true;
        conn.ws.send(JSON.stringify({ type: "error", code: "bad_frame", detail: "test" }));
      }
      ack(conn.ws, fresh.map((f) => f.seq));
    });
    const errors: string[] = [];
    const fleet = makeFleet({ url: peer.url, fixesPerCollar: 4, onServerError: (code) => errors.push(code) });
    fleet.start();
    await fleet.done();
    expect(errors).toEqual(["bad_frame"]);
    expect(fleet.stats()).toMatchObject({ acked: 12, errors: { bad_frame: 1 } });
  });
});

describe("CollarFleet fixes", () => {
  const opts = { url: "ws://127.0.0.1:1/ingest", token: "t", ratePerSecond: 10, start: START, fixesPerCollar: 50 };

  it("are deterministic for a seed and differ for another seed", () => {
    const a = new CollarFleet({ ...opts, collars: collars(4), seed: 3 }).generatedFixes();
    const b = new CollarFleet({ ...opts, collars: collars(4), seed: 3 }).generatedFixes();
    const c = new CollarFleet({ ...opts, collars: collars(4), seed: 4 }).generatedFixes();
    expect(a).toEqual(b);
    expect(a.map((f) => f.lat)).not.toEqual(c.map((f) => f.lat));
    // A collar's track does not depend on which other collars are in the fleet.
    const alone = new CollarFleet({ ...opts, collars: collars(4).slice(2, 3), seed: 3 }).generatedFixes();
    expect(alone).toEqual(a.filter((f) => f.collar === "T003"));
  });

  it("have strictly increasing whole-millisecond timestamps per collar and plausible values", () => {
    const fixes = new CollarFleet({ ...opts, collars: collars(5), intervalSeconds: 60 }).generatedFixes();
    const byCollar = new Map<string, SimFix[]>();
    for (const f of fixes) byCollar.set(f.collar, [...(byCollar.get(f.collar) ?? []), f]);
    for (const list of byCollar.values()) {
      expect(list.length).toBe(50);
      list.forEach((f, i) => {
        expect(Number.isInteger(f.ts)).toBe(true);
        expect(f.ts).toBeGreaterThanOrEqual(START + i * 60_000);
        expect(f.ts).toBeLessThan(START + i * 60_000 + 15_000);
        if (i > 0) expect(f.ts).toBeGreaterThan(list[i - 1]!.ts);
        expect(f.battery).toBeGreaterThanOrEqual(0);
        expect(f.battery).toBeLessThanOrEqual(100);
        expect(f.heading).toBeGreaterThanOrEqual(0);
        expect(f.heading).toBeLessThan(360);
        expect(f.speed).toBeLessThan(40);
      });
    }
  });

  it("start herd members near each other", () => {
    const fixes = new CollarFleet({ ...opts, collars: collars(6, "mara-1"), fixesPerCollar: 1 }).generatedFixes();
    for (const a of fixes) for (const b of fixes) expect(distance(a.lat, a.lon, b.lat, b.lon)).toBeLessThan(3_100);
  });

  it("default start makes a finite run end near now", () => {
    const before = Date.now();
    const fleet = new CollarFleet({ ...opts, start: undefined, collars: collars(2), intervalSeconds: 30, fixesPerCollar: 10 });
    const last = Math.max(...fleet.generatedFixes().map((f) => f.ts));
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(last).toBeGreaterThan(before - 31_000);
  });

  it("rejects bad options with messages that name the option", () => {
    expect(() => new CollarFleet({ ...opts, collars: [] })).toThrow(/options.collars/);
    expect(() => new CollarFleet({ ...opts, collars: collars(1), batchSize: 1001 })).toThrow(/options.batchSize/);
    expect(() => new CollarFleet({ ...opts, collars: collars(1), url: "http://x" })).toThrow(/options.url/);
    expect(() => new CollarFleet({ ...opts, collars: [...collars(1), ...collars(1)] })).toThrow(/duplicate/);
  });
});
