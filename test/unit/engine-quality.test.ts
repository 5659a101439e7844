import { describe, expect, it } from "vitest";
import { AnimalActor, OVERRIDE_RUN_LENGTH } from "../../engine/animal-actor.ts";
import { destinationPoint } from "../../engine/geo.ts";
import { deriveMetrics, type TrackPoint } from "../../engine/movement-metrics.ts";
import {
  DEFAULT_QUALITY_THRESHOLDS,
  flagsToMask,
  isSuspect,
  maskToFlags,
  qualityFlags,
  type QualityInput,
} from "../../engine/quality.ts";
import { QUALITY_FLAGS, type AnimalProfile, type FixInput } from "../../engine/types.ts";

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse("2024-06-01T06:00:00Z");
const START = { lat: -2.3333, lon: 34.8333 };

function input(fix: TrackPoint, previous: TrackPoint | null, over: Partial<QualityInput> = {}): QualityInput {
  const metrics = deriveMetrics(previous && { ...previous, arrivalHeadingDeg: null, distanceTodayM: 0 }, fix);
  return { fix, receivedAt: fix.ts + 1000, previous, metrics, latestTs: previous?.ts ?? null, maxSpeedKmh: 40, ...over };
}

describe("qualityFlags (pure)", () => {
  const prev: TrackPoint = { ts: T0, ...START };
  const near = (dt: number, metres: number, bearing = 45): TrackPoint => ({
    ts: T0 + dt,
    ...destinationPoint(START.lat, START.lon, bearing, metres),
  });

  it("documents its thresholds", () => {
    expect(DEFAULT_QUALITY_THRESHOLDS).toEqual({
      zeroEpsilonDeg: 1e-6,
      futureSkewMs: 5 * MIN,
      maxAgeMs: 30 * DAY,
      minImplausibleStepM: 100,
    });
  });

  it("a normal fix has no flags", () => {
    expect(qualityFlags(input(near(30 * MIN, 800), prev))).toEqual([]);
  });

  it("zero_island for (0, 0) and anything within 1e-6°", () => {
    expect(qualityFlags(input({ ts: T0, lat: 0, lon: 0 }, null))).toEqual(["zero_island"]);
    expect(qualityFlags(input({ ts: T0, lat: 9e-7, lon: -9e-7 }, null))).toEqual(["zero_island"]);
    expect(qualityFlags(input({ ts: T0, lat: 2e-6, lon: 0 }, null))).toEqual([]);
  });

  it("future beyond 5 minutes of clock skew", () => {
    const fix = near(30 * MIN, 10);
    expect(qualityFlags(input(fix, prev, { receivedAt: fix.ts - 5 * MIN }))).toEqual([]);
    expect(qualityFlags(input(fix, prev, { receivedAt: fix.ts - 5 * MIN - 1 }))).toEqual(["future"]);
  });

  it("outdated after 30 days, configurable", () => {
    const fix = near(30 * MIN, 10);
    expect(qualityFlags(input(fix, prev, { receivedAt: fix.ts + 30 * DAY }))).toEqual([]);
    expect(qualityFlags(input(fix, prev, { receivedAt: fix.ts + 30 * DAY + 1 }))).toEqual(["outdated"]);
    const strict = { ...DEFAULT_QUALITY_THRESHOLDS, maxAgeMs: DAY };
    expect(qualityFlags(input(fix, prev, { receivedAt: fix.ts + 2 * DAY }), strict)).toEqual(["outdated"]);
  });

  it("duplicate for exactly the previous coordinates under a new time", () => {
    expect(qualityFlags(input({ ts: T0 + MIN, ...START }, prev))).toEqual(["duplicate"]);
    expect(qualityFlags(input({ ts: T0 + MIN, lat: START.lat + 1e-9, lon: START.lon }, prev))).toEqual([]);
  });

  it("impossible_speed above the species maximum, but only for steps over 100 m", () => {
    // 2 km in 2 min = 60 km/h: too fast for an elephant (40), fine for a wildebeest (80).
    const fast = near(2 * MIN, 2000);
    expect(qualityFlags(input(fast, prev, { maxSpeedKmh: 40 }))).toEqual(["impossible_speed"]);
    expect(qualityFlags(input(fast, prev, { maxSpeedKmh: 80 }))).toEqual([]);
    // GPS jitter: 90 m in 1 s is 324 km/h but under the 100 m floor.
    expect(qualityFlags(input(near(1000, 90), prev))).toEqual([]);
    expect(qualityFlags(input(near(1000, 110), prev))).toEqual(["impossible_speed"]);
  });

  it("out_of_order when older than the latest fix", () => {
    const older = near(-10 * MIN, 50);
    expect(qualityFlags(input(older, null, { latestTs: T0 }))).toEqual(["out_of_order"]);
  });

  it("flag masks round-trip and only suspect flags are suspect", () => {
    for (const flag of QUALITY_FLAGS) expect(maskToFlags(flagsToMask([flag]))).toEqual([flag]);
    expect(maskToFlags(flagsToMask(["outdated", "zero_island"]))).toEqual(["zero_island", "outdated"]);
    expect(isSuspect(flagsToMask(["duplicate", "outdated"]))).toBe(false);
    for (const flag of ["zero_island", "future", "impossible_speed", "out_of_order"] as const) {
      expect(isSuspect(flagsToMask([flag]))).toBe(true);
    }
  });
});

describe("quality flags in the actor", () => {
  const elephant: AnimalProfile = { id: "e1", name: "Tembo", species: "Loxodonta africana", herd: "h1", family: null };
  let ts = T0;
  let here = START;
  function fixAt(lat: number, lon: number, at: number): FixInput {
    return { collar: "C1", ts: at, lat, lon, battery: 80 };
  }
  /** The next fix `metres` away after `minutes`. */
  function walk(metres: number, minutes = 30, bearing = 45): FixInput {
    ts += minutes * MIN;
    here = destinationPoint(here.lat, here.lon, bearing, metres);
    return fixAt(here.lat, here.lon, ts);
  }
  function freshActor(): AnimalActor {
    ts = T0;
    here = START;
    const actor = new AnimalActor(elephant);
    actor.handleFix(fixAt(here.lat, here.lon, ts), "C1", ts);
    return actor;
  }

  it("suspect fixes are stored but neither move the position nor become the reference", () => {
    const actor = freshActor();
    const ref = actor.livePosition()!;
    const cases: Array<[FixInput, string]> = [
      [fixAt(0, 0, ts + 30 * MIN), "zero_island"],
      [fixAt(here.lat, here.lon + 0.001, ts + 60 * MIN), "future"], // received 1 h early
      [fixAt(here.lat + 0.5, here.lon, ts + 30 * MIN), "impossible_speed"], // 55 km in 30 min
      [fixAt(here.lat, here.lon + 0.001, ts - 30 * MIN), "out_of_order"],
    ];
    for (const [fix, flag] of cases) {
      const { record, position } = actor.handleFix(fix, "C1", fix.ts > ts + 40 * MIN ? ts : fix.ts + 1000);
      expect(record.quality).toContain(flag);
      expect(position).toBeNull();
      expect(actor.livePosition()).toEqual(ref);
    }
    // The next good fix is measured from the last accepted one.
    const good = walk(600);
    const { record, position } = actor.handleFix(good, "C1", good.ts);
    expect(record.quality).toEqual([]);
    expect(record.step_m).toBeCloseTo(600, 4);
    expect(record.interval_s).toBe(30 * 60);
    expect(position?.lat).toBe(good.lat);
  });

  it("duplicate and outdated fixes are accepted (flagged, position moves)", () => {
    const actor = freshActor();
    const dup = fixAt(here.lat, here.lon, ts + 10 * MIN);
    const r1 = actor.handleFix(dup, "C1", dup.ts);
    expect(r1.record.quality).toEqual(["duplicate"]);
    expect(r1.position?.ts).toBe(new Date(dup.ts).toISOString());
    ts = dup.ts;
    const old = walk(200);
    const r2 = actor.handleFix(old, "C1", old.ts + 31 * DAY);
    expect(r2.record.quality).toEqual(["outdated"]);
    expect(r2.position).not.toBeNull();
  });

  it(`${OVERRIDE_RUN_LENGTH} consecutive impossible_speed fixes, plausible among themselves, replace a bad reference`, () => {
    const actor = freshActor();
    // The animal is really 80 km away (≥ 53 km/h from the first fix): the first fix was the outlier.
    const base = destinationPoint(START.lat, START.lon, 90, 80_000);
    const track = [0, 1, 2].map((k) => ({ ...destinationPoint(base.lat, base.lon, 0, 300 * k), ts: T0 + (k + 1) * 30 * MIN }));
    const replies = track.map((p) => actor.handleFix(fixAt(p.lat, p.lon, p.ts), "C1", p.ts));
    expect(replies[0]!.record.quality).toEqual(["impossible_speed"]);
    expect(replies[1]!.record.quality).toEqual(["impossible_speed"]);
    expect(replies[0]!.position).toBeNull();
    expect(replies[1]!.position).toBeNull();
    // The third is accepted and measured along the run, not from the old reference.
    const third = replies[2]!;
    expect(third.record.quality).toEqual([]);
    expect(third.position).not.toBeNull();
    expect(third.position!.lat).toBe(track[2]!.lat);
    expect(third.record.step_m).toBeCloseTo(300, 4);
    expect(third.record.interval_s).toBe(30 * 60);
    expect(third.record.heading_deg).toBeCloseTo(0, 3);
    expect(third.record.turn_deg).toBeCloseTo(0, 3);
    // And it is now the reference.
    const next = { ...destinationPoint(track[2]!.lat, track[2]!.lon, 90, 400), ts: track[2]!.ts + 30 * MIN };
    const r = actor.handleFix(fixAt(next.lat, next.lon, next.ts), "C1", next.ts);
    expect(r.record.quality).toEqual([]);
    expect(r.record.step_m).toBeCloseTo(400, 4);
    expect(r.record.turn_deg).toBeCloseTo(90, 2);
  });

  it("impossible_speed fixes that are not plausible among themselves do not replace the reference", () => {
    const actor = freshActor();
    // Scattered outliers, each 20+ km from the others.
    const outliers = [90, 180, 270].map((b, k) => ({
      ...destinationPoint(START.lat, START.lon, b, 20_000 + k * 15_000),
      ts: T0 + (k + 1) * 10 * MIN,
    }));
    for (const p of outliers) {
      const r = actor.handleFix(fixAt(p.lat, p.lon, p.ts), "C1", p.ts);
      expect(r.record.quality).toContain("impossible_speed");
      expect(r.position).toBeNull();
    }
    expect(actor.livePosition()!.lat).toBe(START.lat);
  });

  it("a good fix breaks a pending run", () => {
    const actor = freshActor();
    const far = destinationPoint(START.lat, START.lon, 90, 20_000);
    const f = (k: number, p: { lat: number; lon: number }) => fixAt(p.lat, p.lon, T0 + k * 10 * MIN);
    const tell = (fix: FixInput) => actor.handleFix(fix, "C1", fix.ts).record.quality;
    expect(tell(f(1, far))).toEqual(["impossible_speed"]);
    expect(tell(f(2, far))).toEqual(["impossible_speed"]);
    expect(tell(f(3, START))).toEqual(["duplicate"]); // back home: accepted
    expect(tell(f(4, far))).toEqual(["impossible_speed"]); // the run starts again from one
    expect(tell(f(5, far))).toEqual(["impossible_speed"]);
    expect(tell(f(6, far))).toEqual([]); // third of the new run: now accepted
    expect(actor.livePosition()!.lon).toBe(far.lon);
  });

  it("zero_island fixes never form a run, however many", () => {
    const actor = freshActor();
    for (let k = 1; k <= 5; k++) {
      const r = actor.handleFix(fixAt(0, 0, T0 + k * MIN), "C1", T0 + k * MIN);
      expect(r.record.quality).toContain("zero_island");
      expect(r.position).toBeNull();
    }
    expect(actor.livePosition()!.lat).toBe(START.lat);
  });

  it("a resend of a fix in the window is not flagged and changes nothing", () => {
    const actor = freshActor();
    const a = walk(300);
    const first = actor.handleFix(a, "C1", a.ts);
    const b = walk(300);
    actor.handleFix(b, "C1", b.ts);
    const version = actor.version;
    const before = actor.snapshot(0);
    // Same ts again, later — would otherwise be out_of_order (and duplicate of itself).
    const again = actor.handleFix({ ...a }, "C1", b.ts + 5 * MIN);
    expect(again.position).toBeNull();
    expect(again.record.quality).toEqual([]);
    expect(again.record.ts).toBe(a.ts);
    expect(again.record.received_at).toBe(b.ts + 5 * MIN);
    expect(again.record.step_m).toBeCloseTo(first.record.step_m!, 2);
    expect(again.record.interval_s).toBe(first.record.interval_s);
    expect(again.record.distance_today_m).toBe(first.record.distance_today_m);
    expect(actor.version).toBe(version);
    expect(actor.snapshot(0)).toEqual(before);
    // A resend of the newest fix is not a duplicate either.
    expect(actor.handleFix({ ...b }, "C1", b.ts).record.quality).toEqual([]);
  });

  it("a resent flagged fix keeps its original flags", () => {
    const actor = freshActor();
    const dup = fixAt(here.lat, here.lon, ts + 10 * MIN);
    actor.handleFix(dup, "C1", dup.ts);
    expect(actor.handleFix(dup, "C1", dup.ts).record.quality).toEqual(["duplicate"]);
  });
});
