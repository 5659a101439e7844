import { describe, expect, it } from "vitest";
import { AnimalActor, SnapshotFormatError } from "../../engine/animal-actor.ts";
import { destinationPoint } from "../../engine/geo.ts";
import type { AnimalProfile, FixInput, FixRecord } from "../../engine/types.ts";

const MIN = 60_000;
const T0 = Date.parse("2024-06-01T20:00:00Z");
const START = { lat: -2.3333, lon: 34.8333 };
const WILDEBEEST: AnimalProfile = { id: "w1", name: "Gnu-7", species: "Connochaetes taurinus", herd: "h2", family: "f1" };

/** A deterministic wandering track: fix k is 200–800 m from fix k-1, every 15 min. */
function track(count: number, from = 0): FixInput[] {
  const out: FixInput[] = [];
  let p = START;
  for (let k = 0; k < from + count; k++) {
    if (k > 0) p = destinationPoint(p.lat, p.lon, (k * 67) % 360, 200 + ((k * 131) % 600));
    if (k >= from) out.push({ collar: "C9", ts: T0 + k * 15 * MIN, lat: p.lat, lon: p.lon, battery: 90 - k * 0.1, speed: 3 });
  }
  return out;
}

function feed(actor: AnimalActor, fixes: FixInput[]): FixRecord[] {
  return fixes.map((f) => actor.handleFix(f, "C9", f.ts + 5000).record);
}

describe("AnimalActor", () => {
  it("the first fix moves the live position with collar-reported speed", () => {
    const actor = new AnimalActor(WILDEBEEST);
    expect(actor.livePosition()).toBeNull();
    const [f] = track(1);
    const { record, position } = actor.handleFix(f!, "C9", f!.ts);
    expect(record).toMatchObject({ animal: "w1", collar: "C9", ts: f!.ts, quality: [], step_m: null, distance_today_m: 0, received_at: f!.ts });
    expect(position).toMatchObject({
      animal: "w1",
      collar: "C9",
      herd: "h2",
      family: "f1",
      species: "Connochaetes taurinus",
      name: "Gnu-7",
      ts: new Date(f!.ts).toISOString(),
      lat: f!.lat,
      lon: f!.lon,
      speed: 3,
      state: null,
      battery: 90,
    });
  });

  it("later fixes carry metrics and a derived speed", () => {
    const actor = new AnimalActor(WILDEBEEST);
    const records = feed(actor, track(5));
    expect(records[4]!.interval_s).toBe(900);
    expect(records[4]!.turn_deg).not.toBeNull();
    const pos = actor.livePosition()!;
    expect(pos.speed).toBeCloseTo(records[4]!.speed_kmh!, 3);
    expect(pos.step_m).toBeCloseTo(records[4]!.step_m!, 2);
  });

  it("an out-of-order fix is measured from the newest earlier fix, without turn, and does not move the position", () => {
    const actor = new AnimalActor(WILDEBEEST);
    const fixes = track(6);
    feed(actor, [fixes[0]!, fixes[1]!, fixes[2]!, fixes[4]!, fixes[5]!]);
    const before = actor.livePosition();
    const version = actor.version;
    const late = fixes[3]!; // arrives after fixes 4 and 5
    const { record, position } = actor.handleFix(late, "C9", late.ts + 3 * 3_600_000);
    expect(position).toBeNull();
    expect(record.quality).toEqual(["out_of_order"]);
    expect(record.interval_s).toBe(900); // from fix 2
    const reference = new AnimalActor(WILDEBEEST);
    const inOrder = feed(reference, fixes.slice(0, 4));
    expect(record.step_m).toBeCloseTo(inOrder[3]!.step_m!, 6);
    expect(record.heading_deg).toBeCloseTo(inOrder[3]!.heading_deg!, 6);
    expect(record.speed_kmh).toBeCloseTo(inOrder[3]!.speed_kmh!, 6);
    expect(record.turn_deg).toBeNull();
    expect(actor.livePosition()).toEqual(before);
    expect(actor.version).toBe(version);
    // The next in-order fix is still measured from fix 5.
    const next = track(1, 6)[0]!;
    const r = actor.handleFix(next, "C9", next.ts);
    expect(r.record.quality).toEqual([]);
    expect(r.record.interval_s).toBe(900);
  });

  it("an out-of-order fix older than the whole window has no metrics", () => {
    const actor = new AnimalActor(WILDEBEEST);
    feed(actor, track(3, 5));
    const old = track(1)[0]!;
    const { record, position } = actor.handleFix(old, "C9", old.ts);
    expect(record.quality).toEqual(["out_of_order"]);
    expect(record.step_m).toBeNull();
    expect(position).toBeNull();
  });

  it("livePosition returns copies", () => {
    const actor = new AnimalActor(WILDEBEEST);
    feed(actor, track(3));
    const p = actor.livePosition()!;
    p.lat = 99;
    p.quality.push("future");
    expect(actor.livePosition()!.lat).not.toBe(99);
    expect(actor.livePosition()!.quality).toEqual([]);
  });

  it("snapshot → restore continues exactly like the uninterrupted actor", () => {
    const fixes = track(90);
    const uninterrupted = new AnimalActor(WILDEBEEST);
    const expected = feed(uninterrupted, fixes);

    const first = new AnimalActor(WILDEBEEST);
    const stored = feed(first, fixes.slice(0, 70));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot(12345)));
    expect(snapshot).toMatchObject({ animal: "w1", taken_at: 12345, last_ts: fixes[69]!.ts });
    expect(JSON.stringify(snapshot).length).toBeLessThan(400); // no window: it comes from the stored fixes
    const restored = AnimalActor.restore(WILDEBEEST, snapshot, stored.slice(-64));
    expect(restored.version).toBe(0);
    expect(restored.livePosition()!.lat).toBe(fixes[69]!.lat);
    const rest = feed(restored, fixes.slice(70));
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const b = expected[70 + i]!;
      expect(a.step_m).toBeCloseTo(b.step_m!, 6);
      expect(a.turn_deg).toBeCloseTo(b.turn_deg!, 3); // arrival heading went through Float32
      expect(a.distance_today_m).toBeCloseTo(b.distance_today_m, 6);
      expect(a.quality).toEqual(b.quality);
    }
  });

  it("restore replays stored fixes newer than the snapshot (crash recovery: the snapshot lags)", () => {
    const fixes = track(40);
    const live = new AnimalActor(WILDEBEEST);
    const records = feed(live, fixes.slice(0, 30));
    const snapshotAt20 = (() => {
      const a = new AnimalActor(WILDEBEEST);
      feed(a, fixes.slice(0, 20));
      return a.snapshot(0);
    })();
    const restored = AnimalActor.restore(WILDEBEEST, snapshotAt20, records);
    expect(restored.version).toBeGreaterThan(0); // state moved past the snapshot: worth a new one
    expect(restored.lastTs).toBe(fixes[29]!.ts);
    expect(restored.livePosition()).toEqual(live.livePosition());
    const a = feed(restored, fixes.slice(30));
    const b = feed(live, fixes.slice(30));
    for (let i = 0; i < a.length; i++) {
      expect(a[i]!.distance_today_m).toBeCloseTo(b[i]!.distance_today_m, 6);
      expect(a[i]!.turn_deg).toBeCloseTo(b[i]!.turn_deg!, 3);
    }
  });

  it("restore from stored fixes alone (no snapshot) skips suspect records and rebuilds a pending run", () => {
    const fixes = track(5);
    const src = new AnimalActor(WILDEBEEST);
    const records = feed(src, fixes);
    const far = destinationPoint(fixes[4]!.lat, fixes[4]!.lon, 0, 90_000);
    const outlier: FixInput = { collar: "C9", ts: fixes[4]!.ts + 15 * MIN, lat: far.lat, lon: far.lon };
    const zero: FixInput = { collar: "C9", ts: fixes[4]!.ts + 20 * MIN, lat: 0, lon: 0 };
    records.push(src.handleFix(outlier, "C9", outlier.ts).record, src.handleFix(zero, "C9", zero.ts).record);
    expect(records[5]!.quality).toEqual(["impossible_speed"]);

    const restored = AnimalActor.restore(WILDEBEEST, null, records);
    expect(restored.lastTs).toBe(fixes[4]!.ts);
    expect(restored.snapshot(0)).toEqual(src.snapshot(0));
    // Two more plausible fixes near the outlier complete the run in both.
    for (const k of [1, 2]) {
      const p = destinationPoint(far.lat, far.lon, 90, 300 * k);
      const f: FixInput = { collar: "C9", ts: outlier.ts + k * 15 * MIN, lat: p.lat, lon: p.lon };
      const a = restored.handleFix(f, "C9", f.ts);
      const b = src.handleFix(f, "C9", f.ts);
      expect(a.record.quality).toEqual(b.record.quality);
      expect(a.position === null).toBe(k === 1);
    }
  });

  it("rejects unreadable snapshot state", () => {
    const bad = { animal: "w1", taken_at: 0, last_ts: null, state: { v: 99 } };
    expect(() => AnimalActor.restore(WILDEBEEST, bad, [])).toThrow(SnapshotFormatError);
    const corrupt = { ...new AnimalActor(WILDEBEEST).snapshot(0) };
    corrupt.state = { ...(corrupt.state as object), run: "not a list" };
    expect(() => AnimalActor.restore(WILDEBEEST, corrupt, [])).toThrow(SnapshotFormatError);
  });

  it("takes profile updates, including a species change of the speed limit", () => {
    const actor = new AnimalActor({ ...WILDEBEEST, species: "zebra" });
    expect(actor.maxSpeedKmh).toBe(100);
    actor.profile = WILDEBEEST;
    expect(actor.maxSpeedKmh).toBe(80);
    actor.profile = { ...WILDEBEEST, herd: "h9" };
    feed(actor, track(1));
    expect(actor.livePosition()!.herd).toBe("h9");
  });
});
