import { afterEach, describe, expect, it, vi } from "vitest";
import type { ActorMessage } from "../../engine/actor-messages.ts";
import { ActorSystem, ActorSystemClosedError, type ActorSystemOptions } from "../../engine/actor-system.ts";
import { AnimalActor } from "../../engine/animal-actor.ts";
import { destinationPoint } from "../../engine/geo.ts";
import { NoRemoteTransportError, type ActorPlacement, type RemoteActorTransport } from "../../engine/placement.ts";
import type { SnapshotStore } from "../../engine/snapshot-port.ts";
import type { ActorSnapshot, AnimalProfile, FixInput, FixRecord, LivePosition } from "../../engine/types.ts";

const MIN = 60_000;
const T0 = Date.parse("2024-06-01T08:00:00Z");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** In-memory SnapshotStore with optional latency and injected failures; logs every call. */
class MemoryStore implements SnapshotStore {
  readonly snapshots = new Map<string, ActorSnapshot>();
  readonly fixes = new Map<string, FixRecord[]>();
  readonly log: string[] = [];
  readonly saves: ActorSnapshot[][] = [];
  delayMs = 0;
  /** While set, save() waits for it: lets a test act while a save is in flight. */
  saveGate: Promise<void> | null = null;
  failLoads = 0;
  failSaves = 0;

  private async pause(): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
  }

  async loadLatest(animal: string): Promise<ActorSnapshot | null> {
    this.log.push(`loadLatest ${animal}`);
    await this.pause();
    if (this.failLoads > 0) {
      this.failLoads--;
      this.log.push(`loadLatest ${animal} failed`);
      throw new Error("connection refused");
    }
    this.log.push(`loadLatest ${animal} done`);
    const s = this.snapshots.get(animal);
    return s ? clone(s) : null;
  }

  async loadFixesAfter(animal: string, afterTs: number | null, limit: number): Promise<FixRecord[]> {
    this.log.push(`loadFixesAfter ${animal} ${afterTs} ${limit}`);
    await this.pause();
    const all = (this.fixes.get(animal) ?? []).filter((f) => afterTs === null || f.ts > afterTs).sort((a, b) => a.ts - b.ts);
    return clone(all.slice(-limit));
  }

  async save(snapshots: ActorSnapshot[]): Promise<void> {
    this.log.push(`save ${snapshots.map((s) => s.animal).join(",")}`);
    await this.pause();
    if (this.saveGate) await this.saveGate;
    if (this.failSaves > 0) {
      this.failSaves--;
      throw new Error("connection reset");
    }
    this.saves.push(clone(snapshots));
    for (const s of snapshots) this.snapshots.set(s.animal, clone(s));
  }

  /** What the durable writer would do with a record: insert, ignoring a ts already stored. */
  store(record: FixRecord): void {
    const list = this.fixes.get(record.animal) ?? [];
    if (!list.some((f) => f.ts === record.ts)) list.push(clone(record));
    this.fixes.set(record.animal, list);
  }
}

function profile(id: string, species = "Loxodonta africana"): AnimalProfile {
  return { id, name: `name-${id}`, species, herd: "h1", family: null };
}

/** Fix k of a deterministic track for `seed`: a few hundred metres every 15 min. */
function trackFor(seed: number, count: number): FixInput[] {
  const out: FixInput[] = [];
  let p = { lat: -2 - seed * 0.01, lon: 35 + seed * 0.01 };
  for (let k = 0; k < count; k++) {
    if (k > 0) p = destinationPoint(p.lat, p.lon, (k * 53 + seed * 11) % 360, 150 + ((k * 97) % 500));
    out.push({ collar: `C${seed}`, ts: T0 + k * 15 * MIN, lat: p.lat, lon: p.lon, battery: 70 });
  }
  return out;
}

const systems: ActorSystem[] = [];
/** The store behind each system, so helpers can do what the durable writer does with records. */
const storeOf = new WeakMap<ActorSystem, MemoryStore>();
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown({ drainTimeoutMs: 100 })));
});

interface Harness {
  store: MemoryStore;
  system: ActorSystem;
  clock: { now: number };
  errors: Array<{ op: string; animal?: string; message: string }>;
  positions: LivePosition[];
}

function harness(options: Partial<ActorSystemOptions> = {}, store = new MemoryStore()): Harness {
  const clock = { now: T0 };
  const errors: Harness["errors"] = [];
  const positions: LivePosition[] = [];
  const system = new ActorSystem({
    snapshots: store,
    clock: () => clock.now,
    autoSweep: false,
    onError: (err, ctx) => errors.push({ ...ctx, message: (err as Error).message }),
    onPosition: (p) => positions.push(p),
    activationRetry: { initialMs: 2, maxMs: 10 },
    ...options,
  });
  systems.push(system);
  storeOf.set(system, store);
  return { store, system, clock, errors, positions };
}

describe("ActorSystem mailbox", () => {
  it("handles one message at a time per actor, in order, activating each actor once", async () => {
    const { store, system, positions } = harness();
    store.delayMs = 20;
    const a = profile("A");
    const b = profile("B");
    const fa = trackFor(1, 20);
    const fb = trackFor(2, 20);
    const replies = fa.flatMap((f, i) => [system.tell(a, "C1", f, f.ts), system.tell(b, "C2", fb[i]!, fb[i]!.ts)]);
    expect(system.waitingForActivation).toBe(2);
    expect(system.liveCount).toBe(0);
    const done = await Promise.all(replies);

    // One activation per actor, and the two activations overlapped (actors are independent).
    expect(store.log.filter((l) => l === "loadLatest A")).toHaveLength(1);
    expect(store.log.filter((l) => l === "loadLatest B")).toHaveLength(1);
    expect(store.log.indexOf("loadLatest B")).toBeLessThan(store.log.indexOf("loadLatest A done"));

    // FIFO: nothing out of order, each fix measured from the one before it.
    const ra = done.filter((_, i) => i % 2 === 0).map((r) => r.record);
    ra.forEach((r, i) => {
      expect(r.ts).toBe(fa[i]!.ts);
      expect(r.quality).toEqual([]);
      expect(r.interval_s).toBe(i === 0 ? null : 900);
    });
    // The same track through a bare actor gives the same records: no interleaving changed state.
    const bare = new AnimalActor(a);
    fa.forEach((f, i) => expect(ra[i]).toEqual(bare.handleFix(f, "C1", f.ts).record));

    for (const id of ["A", "B"]) {
      const ts = positions.filter((p) => p.animal === id).map((p) => Date.parse(p.ts));
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
      expect(ts).toHaveLength(20);
    }
    expect(system.liveCount).toBe(2);
    expect(system.waitingForActivation).toBe(0);
  });

  it("calls onPosition synchronously, before tell resolves, only for fixes that move the position", async () => {
    const { system, positions } = harness();
    const a = profile("A");
    const [f0, f1] = trackFor(1, 2);
    await system.tell(a, "C1", f0!, f0!.ts);
    expect(positions).toHaveLength(1);
    const pending = system.tell(a, "C1", f1!, f1!.ts);
    expect(positions).toHaveLength(2); // already called: the live actor handled it on arrival
    const { position } = await pending;
    expect(position).toEqual(positions[1]);
    // A suspect fix (out of order) moves nothing and is not broadcast.
    await system.tell(a, "C1", { ...f0!, ts: f0!.ts - MIN }, f1!.ts);
    expect(positions).toHaveLength(2);
  });

  it("a throwing onPosition does not fail the fix", async () => {
    const { system, errors } = harness({
      onPosition: () => {
        throw new Error("socket gone");
      },
    });
    const [f0] = trackFor(1, 1);
    const { record } = await system.tell(profile("A"), "C1", f0!, f0!.ts);
    expect(record.ts).toBe(f0!.ts);
    expect(errors).toEqual([{ op: "onPosition", animal: "A", message: "socket gone" }]);
  });

  it("read-only views return copies", async () => {
    const { system } = harness();
    const [f0] = trackFor(1, 1);
    const [g0] = trackFor(2, 1);
    await system.tell(profile("A"), "C1", f0!, f0!.ts);
    await system.tell(profile("B"), "C2", g0!, g0!.ts);
    expect(system.positions.map((p) => p.animal).sort()).toEqual(["A", "B"]);
    const seen: string[] = [];
    system.forEachLive((p) => {
      seen.push(p.animal);
      p.lat = 0;
    });
    expect(seen.sort()).toEqual(["A", "B"]);
    const a = system.livePosition("A")!;
    expect(a.lat).toBe(f0!.lat);
    a.lon = 0;
    expect(system.livePosition("A")!.lon).toBe(f0!.lon);
    expect(system.livePosition("nobody")).toBeNull();
  });
});

describe("ActorSystem activation", () => {
  it("activates from the latest snapshot plus the newest stored fixes (the window comes from them)", async () => {
    const { store, system } = harness();
    const a = profile("A");
    const fixes = trackFor(3, 31);
    // History: an actor processed fixes 0..29 and stored them all, but its last snapshot is at 19.
    const before = new AnimalActor(a);
    fixes.slice(0, 30).forEach((f, i) => {
      store.store(before.handleFix(f, "C3", f.ts).record);
      if (i === 19) store.snapshots.set("A", clone(before.snapshot(f.ts)));
    });
    const expected = before.handleFix(fixes[30]!, "C3", fixes[30]!.ts).record;

    const { record } = await system.tell(a, "C3", fixes[30]!, fixes[30]!.ts);
    expect(store.log).toContain("loadFixesAfter A null 64");
    expect(record.step_m).toBeCloseTo(expected.step_m!, 6);
    expect(record.turn_deg).toBeCloseTo(expected.turn_deg!, 3);
    expect(record.distance_today_m).toBeCloseTo(expected.distance_today_m, 6);
    expect(record.interval_s).toBe(900);
    expect(record.quality).toEqual([]);
    // A resend of a fix that came in through replay is recognised.
    const resend = await system.tell(a, "C3", fixes[25]!, fixes[30]!.ts);
    expect(resend.record.quality).toEqual([]);
    expect(resend.position).toBeNull();
  });

  it("retries a failed activation with backoff, keeping the message", async () => {
    const { store, system, errors } = harness();
    store.failLoads = 3;
    const [f0, f1] = trackFor(1, 2);
    const first = system.tell(profile("A"), "C1", f0!, f0!.ts);
    const second = system.tell(profile("A"), "C1", f1!, f1!.ts);
    expect(system.waitingForActivation).toBe(1);
    expect(system.liveCount).toBe(0);
    const [r0, r1] = await Promise.all([first, second]);
    expect(r0.record.ts).toBe(f0!.ts);
    expect(r1.record.interval_s).toBe(900);
    expect(store.log.filter((l) => l === "loadLatest A failed")).toHaveLength(3);
    expect(errors.map((e) => e.op)).toEqual(["activate", "activate", "activate"]);
    expect(system.waitingForActivation).toBe(0);
    expect(system.liveCount).toBe(1);
  });

  it("rebuilds from stored fixes when the snapshot is unreadable", async () => {
    const { store, system, errors } = harness();
    const a = profile("A");
    const fixes = trackFor(4, 6);
    const src = new AnimalActor(a);
    fixes.slice(0, 5).forEach((f) => store.store(src.handleFix(f, "C4", f.ts).record));
    store.snapshots.set("A", { animal: "A", taken_at: 0, last_ts: fixes[4]!.ts, state: { v: 42 } });
    const { record } = await system.tell(a, "C4", fixes[5]!, fixes[5]!.ts);
    expect(record.interval_s).toBe(900);
    expect(record.turn_deg).not.toBeNull();
    expect(errors).toHaveLength(1);
    expect(store.log).toContain("loadFixesAfter A null 64");
  });
});

describe("ActorSystem snapshots and passivation", () => {
  /** Tells fixes and stores their records, as the durable writer would. */
  async function feed(system: ActorSystem, id: string, seed: number, fixes: FixInput[]): Promise<void> {
    for (const f of fixes) storeOf.get(system)!.store((await system.tell(profile(id), `C${seed}`, f, f.ts)).record);
  }

  it("snapshots changed actors periodically, all in one save", async () => {
    const { store, system, clock } = harness({ snapshotIntervalMs: 60_000, idleMs: 600_000 });
    await feed(system, "A", 1, trackFor(1, 3));
    await feed(system, "B", 2, trackFor(2, 3));
    await feed(system, "C", 3, trackFor(3, 3));
    await system.sweep();
    expect(store.saves).toHaveLength(0); // not due yet
    clock.now += 60_000;
    await system.sweep();
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]!.map((s) => s.animal).sort()).toEqual(["A", "B", "C"]);
    expect(store.saves[0]![0]!.taken_at).toBe(clock.now);

    clock.now += 60_000;
    await system.sweep();
    expect(store.saves).toHaveLength(1); // nothing changed

    await feed(system, "B", 2, trackFor(2, 4).slice(3));
    clock.now += 30_000;
    await system.sweep();
    expect(store.saves).toHaveLength(1); // changed, but the round is not due
    clock.now += 30_000;
    await system.sweep();
    expect(store.saves).toHaveLength(2);
    expect(store.saves[1]!.map((s) => s.animal)).toEqual(["B"]);
    expect(store.saves[1]![0]!.last_ts).toBe(trackFor(2, 4)[3]!.ts);
    expect(system.liveCount).toBe(3);
  });

  it("keeps actors dirty when save fails and retries next round", async () => {
    const { store, system, clock, errors } = harness({ snapshotIntervalMs: 60_000 });
    await feed(system, "A", 1, trackFor(1, 2));
    store.failSaves = 1;
    clock.now += 60_000;
    await system.sweep();
    expect(store.saves).toHaveLength(0);
    expect(errors.map((e) => e.op)).toEqual(["snapshot"]);
    clock.now += 60_000;
    await system.sweep();
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]!.map((s) => s.animal)).toEqual(["A"]);
  });

  it("passivates actors idle for idleMs: snapshot, drop, and reactivate from the snapshot", async () => {
    const { store, system, clock } = harness({ snapshotIntervalMs: 3_600_000, idleMs: 600_000 });
    const fixes = trackFor(1, 4);
    await feed(system, "A", 1, fixes.slice(0, 3));
    clock.now += 599_999;
    await system.sweep();
    expect(system.liveCount).toBe(1);
    expect(store.saves).toHaveLength(0);
    clock.now += 1;
    await system.sweep();
    expect(system.liveCount).toBe(0);
    expect(store.saves).toHaveLength(1);
    expect(store.snapshots.get("A")!.last_ts).toBe(fixes[2]!.ts);

    // The next message reactivates it from the snapshot and it carries on.
    const { record } = await system.tell(profile("A"), "C1", fixes[3]!, fixes[3]!.ts);
    expect(store.log.filter((l) => l === "loadLatest A")).toHaveLength(2);
    expect(record.interval_s).toBe(900);
    expect(record.turn_deg).not.toBeNull();
    expect(system.liveCount).toBe(1);
  });

  it("drops an idle actor that has nothing new without saving", async () => {
    const { store, system, clock } = harness({ snapshotIntervalMs: 60_000, idleMs: 120_000 });
    await feed(system, "A", 1, trackFor(1, 2));
    clock.now += 60_000;
    await system.sweep();
    expect(store.saves).toHaveLength(1);
    clock.now += 60_000;
    await system.sweep();
    expect(system.liveCount).toBe(0);
    expect(store.saves).toHaveLength(1);
  });

  it("does not drop an actor that got a message while its passivation snapshot was being saved", async () => {
    const { store, system, clock } = harness({ snapshotIntervalMs: 3_600_000, idleMs: 600_000 });
    const fixes = trackFor(1, 3);
    await feed(system, "A", 1, fixes.slice(0, 2));
    clock.now += 600_000;
    let release = () => {};
    store.saveGate = new Promise((r) => (release = r));
    const sweeping = system.sweep();
    await vi.waitFor(() => expect(store.log).toContain("save A")); // save() is in flight
    const { record } = await system.tell(profile("A"), "C1", fixes[2]!, fixes[2]!.ts);
    store.saveGate = null;
    release();
    await sweeping;
    expect(system.liveCount).toBe(1);
    expect(record.interval_s).toBe(900);
    expect(store.log.filter((l) => l === "loadLatest A")).toHaveLength(1);
    // The fix that arrived during the save is not lost from state: the next round saves it.
    clock.now += 3_600_000;
    await system.sweep();
    expect(store.snapshots.get("A")!.last_ts).toBe(fixes[2]!.ts);
  });

  it("runs sweeps on its own timer", async () => {
    const store = new MemoryStore();
    const system = new ActorSystem({ snapshots: store, snapshotIntervalMs: 20, idleMs: 60_000, onError: () => {} });
    systems.push(system);
    const [f0] = trackFor(1, 1);
    await system.tell(profile("A"), "C1", f0!, f0!.ts);
    await vi.waitFor(() => expect(store.saves.length).toBeGreaterThanOrEqual(1), { timeout: 2000 });
    expect(store.saves[0]![0]!.animal).toBe("A");
  });
});

describe("ActorSystem shutdown", () => {
  it("drains mailboxes, snapshots every changed actor in one save, then refuses messages", async () => {
    const { store, system } = harness({ snapshotIntervalMs: 3_600_000 });
    const fa = trackFor(1, 3);
    await system.tell(profile("A"), "C1", fa[0]!, fa[0]!.ts);
    await system.tell(profile("B"), "C2", trackFor(2, 1)[0]!, T0);
    store.delayMs = 20;
    // C is still activating when shutdown starts: its message must still be handled.
    const pendingC = system.tell(profile("C"), "C3", trackFor(3, 1)[0]!, T0);
    const report = await system.shutdown();
    await expect(pendingC).resolves.toMatchObject({ record: { animal: "C" } });
    expect(report).toEqual({ snapshotted: 3, snapshotFailed: false, rejectedMessages: 0 });
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]!.map((s) => s.animal).sort()).toEqual(["A", "B", "C"]);
    await expect(system.tell(profile("A"), "C1", fa[1]!, fa[1]!.ts)).rejects.toBeInstanceOf(ActorSystemClosedError);
    expect(await system.shutdown()).toBe(report); // idempotent
  });

  it("skips actors saved since their last change", async () => {
    const { store, system, clock } = harness({ snapshotIntervalMs: 60_000 });
    await system.tell(profile("A"), "C1", trackFor(1, 1)[0]!, T0);
    await system.tell(profile("B"), "C2", trackFor(2, 1)[0]!, T0);
    clock.now += 60_000;
    await system.sweep();
    const next = trackFor(2, 2)[1]!;
    await system.tell(profile("B"), "C2", next, next.ts);
    await system.shutdown();
    expect(store.saves.map((b) => b.map((s) => s.animal).sort())).toEqual([["A", "B"], ["B"]]);
  });

  it("gives up on actors that cannot activate within the drain timeout", async () => {
    const { store, system } = harness();
    store.failLoads = 1_000_000;
    const pending = system.tell(profile("A"), "C1", trackFor(1, 1)[0]!, T0);
    const report = await system.shutdown({ drainTimeoutMs: 30 });
    await expect(pending).rejects.toBeInstanceOf(ActorSystemClosedError);
    expect(report.rejectedMessages).toBe(1);
    expect(system.waitingForActivation).toBe(0);
    expect(system.liveCount).toBe(0);
  });

  it("reports a failed final snapshot instead of throwing", async () => {
    const { store, system, errors } = harness();
    await system.tell(profile("A"), "C1", trackFor(1, 1)[0]!, T0);
    store.failSaves = 1;
    const report = await system.shutdown();
    expect(report).toEqual({ snapshotted: 0, snapshotFailed: true, rejectedMessages: 0 });
    expect(errors.map((e) => e.op)).toEqual(["snapshot"]);
  });
});

describe("ActorSystem placement", () => {
  class TwoNodes implements ActorPlacement {
    constructor(readonly self: string) {}
    ownerOf(animal: string): string {
      return animal.startsWith("remote") ? "node-2" : "node-1";
    }
  }

  it("refuses a remote-owned animal without a transport", async () => {
    const { system } = harness({ placement: new TwoNodes("node-1") });
    await expect(system.tell(profile("remote-1"), "C1", trackFor(1, 1)[0]!, T0)).rejects.toBeInstanceOf(NoRemoteTransportError);
    expect(system.liveCount).toBe(0);
  });

  it("sends remote-owned animals through the transport as a serialisable message", async () => {
    const remote = harness({ placement: new TwoNodes("node-2") });
    const sent: ActorMessage[] = [];
    const transport: RemoteActorTransport = {
      async deliver(node, message) {
        expect(node).toBe("node-2");
        const wire = JSON.parse(JSON.stringify(message)) as ActorMessage; // what a real transport does
        sent.push(wire);
        return clone(await remote.system.receive(wire));
      },
    };
    const local = harness({ placement: new TwoNodes("node-1"), transport });
    const fixes = trackFor(1, 2);
    await local.system.tell(profile("remote-1"), "C1", fixes[0]!, fixes[0]!.ts);
    const { record } = await local.system.tell(profile("remote-1"), "C1", fixes[1]!, fixes[1]!.ts);
    expect(record.interval_s).toBe(900);
    expect(sent[0]).toEqual({ type: "fix", animal: profile("remote-1"), collar: "C1", fix: fixes[0], receivedAt: fixes[0]!.ts });
    expect(local.system.liveCount).toBe(0);
    expect(remote.system.liveCount).toBe(1);
    expect(remote.positions).toHaveLength(2);
    // Local animals stay local.
    await local.system.tell(profile("here-1"), "C2", fixes[0]!, fixes[0]!.ts);
    expect(local.system.liveCount).toBe(1);
    expect(sent).toHaveLength(2);
  });
});
