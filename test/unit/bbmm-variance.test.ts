// Static Brownian motion variance: the leave-one-out likelihood against BBMM's and adehabitatHR's
// published values, and against a simulated Brownian motion of known variance.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bridgeTrack, looLogLik, looTerms, motionVariance, maxLooLikelihood, BbmmInputError } from "../../engine/bbmm/index.ts";
import { readTrackCsv } from "../../formats/track-csv.ts";

const DATA = new URL("../../../shared/datasets/", import.meta.url);
const load = (file: string) => readTrackCsv(readFileSync(new URL(file, DATA), "utf8"), { coords: "xy-m" }).tracks[0]!;

function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

describe("static Brownian motion variance", () => {
  it("gives BBMM's 3146.85 m²/min over 12 bridges on bbmm_locations.csv with a 20 m location error", () => {
    const tr = load("bbmm_locations.csv");
    const fit = motionVariance(bridgeTrack(tr.x, tr.y, tr.t, 20));
    expect(fit.bridges).toBe(12);
    expect(fit.variance).toBeCloseTo(3146.85, 1);
  });

  it("reproduces adehabitatHR's liker() on puechcirc[1] (sig2 = 58 → sig1 = 6.23 m/√s) when every fix is left out", () => {
    const tr = load("puechcirc_boar1.csv");
    const track = bridgeTrack(tr.x, tr.y, tr.t, 58);
    const every = motionVariance(track, "every");
    // adehabitatHR works in seconds: σ²m per minute = 60 · sig1².
    expect(Math.sqrt(every.variance / 60)).toBeCloseTo(6.23, 1);
    expect(Math.abs(Math.sqrt(every.variance / 60) - 6.2342)).toBeLessThan(0.005);
    expect(every.bridges).toBe(track.x.length - 2);
    const alternate = motionVariance(track);
    expect(alternate.bridges).toBe(Math.floor((track.x.length - 1) / 2));
  });

  it("finds the maximum of the likelihood (no better value on a fine scan)", () => {
    const tr = load("bbmm_locations.csv");
    const track = bridgeTrack(tr.x, tr.y, tr.t, 20);
    const terms = looTerms(track);
    const fit = maxLooLikelihood(terms, 1, track.x.length - 2);
    expect(fit.logLik).toBeCloseTo(looLogLik(terms, 1, track.x.length - 2, fit.variance), 10);
    for (let v = 100; v < 20000; v += 7) expect(looLogLik(terms, 1, track.x.length - 2, v)).toBeLessThanOrEqual(fit.logLik + 1e-9);
  });

  it("recovers the variance of a simulated Brownian motion with location error", () => {
    const g = rng(7);
    const n = 2001;
    const sigma2 = 800; // m²/min
    const err = 15;
    const tx = new Float64Array(n);
    const ty = new Float64Array(n);
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const t = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      const lag = 20 + 40 * ((i * 7) % 5) / 4; // 20–60 min, irregular
      t[i] = t[i - 1]! + lag * 60_000;
      tx[i] = tx[i - 1]! + g() * Math.sqrt(sigma2 * lag);
      ty[i] = ty[i - 1]! + g() * Math.sqrt(sigma2 * lag);
    }
    for (let i = 0; i < n; i++) {
      x[i] = tx[i]! + g() * err;
      y[i] = ty[i]! + g() * err;
    }
    const fit = motionVariance(bridgeTrack(x, y, t, err));
    expect(fit.variance / sigma2).toBeGreaterThan(0.85);
    expect(fit.variance / sigma2).toBeLessThan(1.15);
  });

  it("returns 0 when the fixes scatter less than their location error", () => {
    const x = Float64Array.from({ length: 9 }, (_, i) => i * 100);
    const y = new Float64Array(9);
    const t = Float64Array.from({ length: 9 }, (_, i) => i * 3_600_000);
    expect(motionVariance(bridgeTrack(x, y, t, 10)).variance).toBe(0);
  });

  it("refuses duplicate timestamps, too few fixes and a non-positive location error", () => {
    const t = [0, 60_000, 60_000, 120_000];
    expect(() => bridgeTrack([0, 1, 2, 3], [0, 0, 0, 0], t, 5)).toThrow(/share the timestamp/);
    expect(() => bridgeTrack([0, 1], [0, 0], [0, 1], 5)).toThrow(BbmmInputError);
    expect(() => bridgeTrack([0, 1, 2], [0, 0, 0], [0, 1, 2], 0)).toThrow(/location error/);
  });

  it("sorts fixes into time order", () => {
    const tr = bridgeTrack([2, 0, 1], [0, 0, 0], [120_000, 0, 60_000], 5);
    expect([...tr.x]).toEqual([0, 1, 2]);
    expect([...tr.t]).toEqual([0, 1, 2]);
  });
});
