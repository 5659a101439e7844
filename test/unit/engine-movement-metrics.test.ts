import { describe, expect, it } from "vitest";
import { destinationPoint, haversineDistance } from "../../engine/geo.ts";
import { deriveMetrics, utcDay, type PreviousFix, type TrackPoint } from "../../engine/movement-metrics.ts";
import type { MovementMetrics } from "../../engine/types.ts";

function asPrevious(p: TrackPoint, m: MovementMetrics): PreviousFix {
  return { ...p, arrivalHeadingDeg: m.heading_deg, distanceTodayM: m.distance_today_m };
}

describe("deriveMetrics", () => {
  // A hand-made walk in the Serengeti: 500 m north, then (after midnight UTC) 300 m east, then
  // 400 m north again, then standing still.
  const t0 = Date.parse("2024-03-10T23:00:00Z");
  const p1: TrackPoint = { ts: t0, lat: -2.3333, lon: 34.8333 };
  const n = destinationPoint(p1.lat, p1.lon, 0, 500);
  const p2: TrackPoint = { ts: t0 + 30 * 60_000, ...n }; // 23:30
  const e = destinationPoint(p2.lat, p2.lon, 90, 300);
  const p3: TrackPoint = { ts: t0 + 75 * 60_000, ...e }; // 00:15 next day
  const n2 = destinationPoint(p3.lat, p3.lon, 0, 400);
  const p4: TrackPoint = { ts: t0 + 105 * 60_000, ...n2 }; // 00:45
  const p5: TrackPoint = { ts: t0 + 135 * 60_000, lat: p4.lat, lon: p4.lon }; // 01:15, no move
  const p6: TrackPoint = { ts: t0 + 165 * 60_000, ...destinationPoint(p4.lat, p4.lon, 180, 50) };

  const m1 = deriveMetrics(null, p1);
  const m2 = deriveMetrics(asPrevious(p1, m1), p2);
  const m3 = deriveMetrics(asPrevious(p2, m2), p3);
  const m4 = deriveMetrics(asPrevious(p3, m3), p4);
  const m5 = deriveMetrics(asPrevious(p4, m4), p5);
  const m6 = deriveMetrics(asPrevious(p5, m5), p6);

  it("the first fix has no step and no distance", () => {
    expect(m1).toEqual({ step_m: null, turn_deg: null, speed_kmh: null, heading_deg: null, interval_s: null, distance_today_m: 0 });
  });

  it("one previous fix gives step, interval, speed and heading but no turn", () => {
    expect(m2.step_m).toBeCloseTo(500, 6);
    expect(m2.interval_s).toBe(1800);
    expect(m2.speed_kmh).toBeCloseTo(1, 6); // 500 m in 30 min
    expect(m2.heading_deg).toBeCloseTo(0, 6);
    expect(m2.turn_deg).toBeNull();
    expect(m2.distance_today_m).toBeCloseTo(500, 6);
  });

  it("two previous fixes give a turning angle (right turn positive)", () => {
    expect(m3.step_m).toBeCloseTo(300, 6);
    expect(m3.interval_s).toBe(2700);
    expect(m3.speed_kmh).toBeCloseTo(0.4, 6); // 300 m in 45 min
    expect(m3.heading_deg).toBeCloseTo(90, 6);
    expect(m3.turn_deg).toBeCloseTo(90, 4);
    expect(m4.heading_deg).toBeCloseTo(0, 4);
    expect(m4.turn_deg).toBeCloseTo(-90, 4);
  });

  it("distance today restarts at 00:00 UTC and credits a step to the day it ends in", () => {
    expect(utcDay(p2.ts)).toBe(utcDay(p1.ts));
    expect(utcDay(p3.ts)).toBe(utcDay(p1.ts) + 1);
    expect(m3.distance_today_m).toBeCloseTo(300, 6); // 500 m of yesterday dropped
    expect(m4.distance_today_m).toBeCloseTo(700, 6);
  });

  it("a zero-length step has no heading, and no turn at either end", () => {
    expect(m5.step_m).toBe(0);
    expect(m5.speed_kmh).toBe(0);
    expect(m5.heading_deg).toBeNull();
    expect(m5.turn_deg).toBeNull();
    expect(m5.distance_today_m).toBeCloseTo(700, 6);
    expect(m6.heading_deg).toBeCloseTo(180, 4);
    expect(m6.turn_deg).toBeNull(); // arrival heading unknown
    expect(m6.distance_today_m).toBeCloseTo(750, 6);
  });

  it("uses the same distance as haversineDistance", () => {
    expect(m4.step_m).toBe(haversineDistance(p3.lat, p3.lon, p4.lat, p4.lon));
  });

  it("wraps turns across north", () => {
    const a: TrackPoint = { ts: 0, lat: 0, lon: 0 };
    const b = { ts: 60_000, ...destinationPoint(0, 0, 350, 100) };
    const c = { ts: 120_000, ...destinationPoint(b.lat, b.lon, 10, 100) };
    const mb = deriveMetrics({ ...a, arrivalHeadingDeg: null, distanceTodayM: 0 }, b);
    const mc = deriveMetrics(asPrevious(b, mb), c);
    expect(mc.turn_deg).toBeCloseTo(20, 3);
  });
});
