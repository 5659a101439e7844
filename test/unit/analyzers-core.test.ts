import { describe, expect, it } from "vitest";
import {
  AnalyzerSet,
  createAnalyzerSet,
  IMMOBILITY_DEFAULTS,
  ImmobilityAnalyzer,
  LowBatteryAnalyzer,
  LOW_BATTERY_DEFAULTS,
  median,
  SpeedAnomalyAnalyzer,
  speedAnomalyDefaults,
  type Analyzer,
  type AnalyzerAlert,
  type AnalyzerFix,
} from "../../engine/analyzers/index.ts";
import { FixWindow } from "../../engine/fix-window.ts";
import { deriveMetrics } from "../../engine/movement-metrics.ts";
import { destinationPoint } from "../../engine/geo.ts";

const T0 = Date.UTC(2026, 10, 21, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const ELEPHANT = { species: "African elephant", herd: null };

/** A track: each step `stepsM[i]` metres north-east after `intervalMs`. */
function track(stepsM: number[], intervalMs: number, start = { lat: -1.4, lon: 35 }): AnalyzerFix[] {
  const out: AnalyzerFix[] = [{ ts: T0, ...start }];
  let pos = start;
  stepsM.forEach((m, i) => {
    pos = destinationPoint(pos.lat, pos.lon, 45, m);
    out.push({ ts: T0 + (i + 1) * intervalMs, lat: pos.lat, lon: pos.lon });
  });
  return out;
}
/** Feeds fixes in order; a lone analyzer gets them through a set of its own (which keeps the history window). */
const feed = (a: Analyzer | AnalyzerSet, fixes: AnalyzerFix[]): AnalyzerAlert[] => {
  const set = a instanceof AnalyzerSet ? a : (sets.get(a) ?? sets.set(a, new AnalyzerSet([a])).get(a)!);
  return fixes.flatMap((f) => [...set.onFix(f)]);
};
const sets = new WeakMap<Analyzer, AnalyzerSet>();

describe("speed_anomaly", () => {
  const cfg = speedAnomalyDefaults(ELEPHANT);
  it("defaults: elephant floor 12 km/h, 3× median", () => {
    expect(cfg).toMatchObject({ factor: 3, thresholdKmh: 12, minStepM: 100 });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it("fires on a chase after steady walking, once per episode, and re-arms", () => {
    // 30 min fixes, ~3 km/h (1500 m), then a chase at 16 km/h for two steps, then walking, then again.
    const steps = [...Array(10).fill(1500), 8000, 8000, 1500, 1500, 8000];
    const out = feed(new SpeedAnomalyAnalyzer(cfg), track(steps, 30 * MIN));
    expect(out.map((a) => (a.ts - T0) / (30 * MIN))).toEqual([11, 15]);
    expect(out[0]).toMatchObject({ kind: "speed_anomaly", severity: "warning" });
    expect(out[0]!.detail.speed_kmh).toBeCloseTo(16, 1);
    expect(out[0]!.detail.limit_kmh).toBe(12);
  });

  it("uses 3× the median when that is above the floor (a fast species stays quiet at its normal pace)", () => {
    const fast = { ...cfg, thresholdKmh: 10 };
    // Normal pace 8 km/h: median 8, limit 24. 20 km/h is fine; 30 km/h is an anomaly.
    const steps = [...Array(8).fill(4000), 10000, 15000];
    const out = feed(new SpeedAnomalyAnalyzer(fast), track(steps, 30 * MIN));
    expect(out.length).toBe(1);
    expect(out[0]!.ts).toBe(T0 + 10 * 30 * MIN);
    expect(out[0]!.detail.limit_kmh).toBeCloseTo(24, 1);
  });

  it("negative: steady walking, and a fast-looking but tiny step (GPS jitter), do not fire", () => {
    expect(feed(new SpeedAnomalyAnalyzer(cfg), track(Array(30).fill(1500), 30 * MIN))).toEqual([]);
    // 60 m in 10 s = 21.6 km/h but below the minimum step.
    expect(feed(new SpeedAnomalyAnalyzer(cfg), track([60, 60, 60], 10_000))).toEqual([]);
  });

  it("reads its history from the caller's window; its own state is one flag (fires once per episode across a restore)", () => {
    const fixes = track([...Array(10).fill(1500), 8000, 8000, 8000], 30 * MIN);
    const window = new FixWindow();
    const set = new AnalyzerSet([new SpeedAnomalyAnalyzer(cfg)]);
    const out: AnalyzerAlert[] = [];
    const step = (s: AnalyzerSet, f: AnalyzerFix) => {
      const prev = window.size ? { ts: window.tsAt(0), lat: window.latAt(0), lon: window.lonAt(0), arrivalHeadingDeg: null, distanceTodayM: 0 } : null;
      window.push(f.ts, f.lat, f.lon, deriveMetrics(prev, f), 0);
      out.push(...s.onFix(f, window));
    };
    fixes.slice(0, 12).forEach((f) => step(set, f));
    expect(out.map((a) => a.ts)).toEqual([fixes[11]!.ts]);
    const state = JSON.parse(JSON.stringify(set.toJSON()));
    expect(JSON.stringify(state.analyzers)).toBe('{"speed_anomaly":true}');
    const restored = new AnalyzerSet([new SpeedAnomalyAnalyzer(cfg, state.analyzers.speed_anomaly)], state.lastTs);
    step(restored, fixes[12]!); // still the same chase: no second alert
    expect(out).toHaveLength(1);
  });
});

describe("immobility", () => {
  it("EarthRanger defaults: 13 m, 5 h", () => {
    expect(IMMOBILITY_DEFAULTS).toEqual({ radiusM: 13, durationS: 18000, minFixes: 3 });
  });

  it("fires once after 5 h within 13 m, and re-arms after movement", () => {
    const a = new ImmobilityAnalyzer();
    const still = (h0: number, lat: number) =>
      Array.from({ length: 12 }, (_, i) => ({ ts: T0 + h0 * HOUR + i * 30 * MIN, lat: lat + ((i % 3) - 1) * 3e-5, lon: 35 })); // ±3.3 m jitter over 5.5 h
    const out1 = feed(a, still(0, -1.4));
    expect(out1.length).toBe(1);
    expect(out1[0]).toMatchObject({ kind: "immobility", severity: "critical", ts: T0 + 10 * 30 * MIN });
    expect(out1[0]!.detail).toMatchObject({ since: T0, duration_s: 18000 });
    // Moves 1 km, then lies still again: a second episode.
    const out2 = feed(a, still(6, -1.39));
    expect(out2.length).toBe(1);
  });

  it("negative: slow drift beyond 13 m, or still for less than 5 h", () => {
    const drift = Array.from({ length: 24 }, (_, i) => ({ ts: T0 + i * 30 * MIN, lat: -1.4 + i * 1e-4, lon: 35 })); // 11 m per step
    expect(feed(new ImmobilityAnalyzer(), drift)).toEqual([]);
    const short = Array.from({ length: 9 }, (_, i) => ({ ts: T0 + i * 30 * MIN, lat: -1.4, lon: 35 })); // 4 h
    expect(feed(new ImmobilityAnalyzer(), short)).toEqual([]);
  });

  it("configurable", () => {
    const a = new ImmobilityAnalyzer({ radiusM: 50, durationS: 3600, minFixes: 2 });
    const fixes = [0, 1, 2].map((i) => ({ ts: T0 + i * 40 * MIN, lat: -1.4 + i * 2e-4, lon: 35 })); // 22 m steps
    expect(feed(a, fixes).length).toBe(1);
  });
});

describe("low_battery", () => {
  it("fires once below the threshold, re-arms only at rearmPct", () => {
    const a = new LowBatteryAnalyzer();
    expect(LOW_BATTERY_DEFAULTS).toEqual({ thresholdPct: 15, rearmPct: 20 });
    const levels = [30, 20, 16, 14, 15, 13, 16, 14, 19, 21, 12, null, 10];
    const out = feed(a, levels.map((b, i) => ({ ts: T0 + i * HOUR, lat: 0, lon: 0, battery: b })));
    expect(out.map((x) => x.detail.battery)).toEqual([14, 12]);
    expect(out[0]).toMatchObject({ kind: "low_battery", ts: T0 + 3 * HOUR });
  });
  it("negative: above the threshold, or no battery value", () => {
    expect(feed(new LowBatteryAnalyzer(), [50, 40, 15, null].map((b, i) => ({ ts: T0 + i, lat: 0, lon: 0, battery: b })))).toEqual([]);
  });
});

describe("AnalyzerSet", () => {
  it("late and flagged fixes produce nothing", () => {
    const set = createAnalyzerSet(ELEPHANT);
    expect(set.kinds).toEqual(["speed_anomaly", "immobility", "low_battery"]);
    set.onFix({ ts: T0 + HOUR, lat: 0, lon: 0, battery: 50 });
    expect(set.onFix({ ts: T0, lat: 0, lon: 0, battery: 5 })).toEqual([]);
    expect(set.onFix({ ts: T0 + HOUR, lat: 0, lon: 0, battery: 5 })).toEqual([]);
    expect(set.onFix({ ts: T0 + 2 * HOUR, lat: 0, lon: 0, battery: 5, quality: ["out_of_order"] })).toEqual([]);
    expect(set.onFix({ ts: T0 + 3 * HOUR, lat: 0, lon: 0, battery: 5 }).map((a) => a.kind)).toEqual(["low_battery"]);
  });

  it("state round trip through JSON, config and the extra-analyzer hook", () => {
    let seen = 0;
    const hook = (_animal: unknown, state: unknown): Analyzer => {
      let n = typeof state === "number" ? state : 0;
      return {
        kind: "behaviour_change",
        onFix: (f) => (++n === 3 ? { kind: "behaviour_change", ts: f.ts, lat: f.lat, lon: f.lon, severity: "info", detail: { n, seen: ++seen } } : null),
        toJSON: () => n,
      };
    };
    const config = { immobility: { durationS: 3600 }, low_battery: false as const, extra: { behaviour_change: hook } };
    const a = createAnalyzerSet(ELEPHANT, config);
    expect(a.kinds).toEqual(["speed_anomaly", "immobility", "behaviour_change"]);
    a.onFix({ ts: T0, lat: 0, lon: 0 });
    a.onFix({ ts: T0 + 30 * MIN, lat: 0, lon: 0 });
    const b = createAnalyzerSet(ELEPHANT, config, JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.onFix({ ts: T0 + 30 * MIN, lat: 0, lon: 0 })).toEqual([]); // late after restore
    expect(b.onFix({ ts: T0 + 60 * MIN, lat: 0, lon: 0 }).map((x) => x.kind)).toEqual(["immobility", "behaviour_change"]);
  });
});
