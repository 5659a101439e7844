// Dynamic BBMM: break detection on a simulated two-phase track, move's window bookkeeping, and runs on
// the buffalo and wild boar data.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bridgeTrack, dynamicMotionVariance, homeRange, motionVariance } from "../../engine/bbmm/index.ts";
import { readTrackCsv } from "../../formats/track-csv.ts";

const DATA = new URL("../../../shared/datasets/", import.meta.url);
const load = (file: string) => readTrackCsv(readFileSync(new URL(file, DATA), "utf8"), { coords: "xy-m" });

function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Brownian motion with σ²m = v1 for the first `switchAt` fixes and v2 after, 30-min fixes, 5 m error. */
function twoPhase(n: number, switchAt: number, v1: number, v2: number) {
  const g = rng(11);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  let px = 0;
  let py = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const v = i <= switchAt ? v1 : v2;
      px += g() * Math.sqrt(v * 30);
      py += g() * Math.sqrt(v * 30);
      t[i] = t[i - 1]! + 30 * 60_000;
    }
    x[i] = px + g() * 5;
    y[i] = py + g() * 5;
  }
  return bridgeTrack(x, y, t, 5);
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;

describe("dynamic Brownian motion variance", () => {
  it("recovers the break and both variances of a two-phase track", () => {
    const track = twoPhase(300, 150, 20, 2000);
    const dyn = dynamicMotionVariance(track);
    const used = (from: number, to: number) => Array.from(dyn.variance.slice(from, to)).filter((_, k) => dyn.interest[from + k]);
    expect(median(used(30, 135)) / 20).toBeGreaterThan(0.6);
    expect(median(used(30, 135)) / 20).toBeLessThan(1.6);
    expect(median(used(165, 270)) / 2000).toBeGreaterThan(0.6);
    expect(median(used(165, 270)) / 2000).toBeLessThan(1.6);
    // Most windows that straddle the switch put the break within a few fixes of it.
    const near = dyn.breaks.filter((b) => Math.abs(b - 150) <= 4).length;
    expect(near).toBeGreaterThanOrEqual(10);
    // A single variance for the track would sit in between.
    const whole = motionVariance(track).variance;
    expect(whole).toBeGreaterThan(100);
    expect(whole).toBeLessThan(2000);
  });

  it("keeps move's bookkeeping: 10 windows per middle segment, NaN at the ends, interest where covered most", () => {
    const track = twoPhase(80, 40, 100, 100);
    const dyn = dynamicMotionVariance(track, { windowSize: 31, margin: 11 });
    expect(dyn.variance).toHaveLength(79);
    // Segment s (fix s → s+1) is estimated by the windows starting at s-19 … s-10.
    expect(Number.isNaN(dyn.variance[9]!)).toBe(true);
    expect(dyn.windows[10]).toBe(1);
    expect(dyn.windows[19]).toBe(10);
    expect(dyn.windows[59]).toBe(10);
    expect(dyn.windows[60]).toBe(9);
    expect(Number.isNaN(dyn.variance[69]!)).toBe(true);
    expect(Array.from(dyn.interest).reduce((s, v) => s + v, 0)).toBe(41);
  });

  it("refuses even or oversized windows and tracks shorter than the window", () => {
    const track = twoPhase(40, 20, 100, 100);
    expect(() => dynamicMotionVariance(track, { windowSize: 30 })).toThrow(/odd/);
    expect(() => dynamicMotionVariance(track, { windowSize: 21, margin: 11 })).toThrow(/margin/);
    expect(() => dynamicMotionVariance(twoPhase(20, 10, 1, 1))).toThrow(/at least window-size/);
  });

  it("runs on the buffalo track (1,309 fixes) with plausible results", () => {
    const tr = load("buffalo.csv").tracks[0]!;
    const hr = homeRange({ ...tr, coords: "xy-m" }, { locationError: 20, cell: 50, dynamic: true });
    const used = Array.from(hr.segmentVariance).filter((_, s) => hr.dynamic!.interest[s]);
    expect(used.length).toBe(1309 - 39); // segments 19 … n-21, covered by all 10 windows
    expect(used.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    expect(hr.motionVariance).toBeGreaterThan(100);
    expect(hr.motionVariance).toBeLessThan(5000);
    expect(hr.ud.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
    const [a50, a95] = hr.contours.map((c) => c.areaKm2);
    expect(a95!).toBeGreaterThan(a50!);
    expect(a95!).toBeGreaterThan(2);
    expect(a95!).toBeLessThan(60); // the track spans 7.3 × 7.3 km
  });

  it("runs on puechcirc_boar1.csv, whose NA rows are skipped", () => {
    const csv = load("puechcirc_boar1.csv");
    expect(csv.skipped).toBe(16);
    const tr = csv.tracks[0]!;
    const hr = homeRange({ ...tr, coords: "xy-m" }, { locationError: 20, cell: 10, dynamic: true });
    expect(hr.track.x.length).toBe(64);
    expect(hr.nBridges).toBe(64 - 39);
    expect(hr.motionVariance).toBeGreaterThan(200);
    expect(hr.motionVariance).toBeLessThan(10000);
    const [a50, a95] = hr.contours.map((c) => c.areaKm2);
    expect(a95!).toBeGreaterThan(a50!);
    expect(a95!).toBeLessThan(3); // the night's track spans 1.1 × 1.9 km
  });
});
