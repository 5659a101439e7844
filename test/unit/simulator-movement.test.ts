import { describe, expect, it } from "vitest";
import { haversineDistance as distance } from "../../engine/geo.ts";
import { rescaleTransition } from "../../simulator/markov.ts";
import {
  BEHAVIOURS,
  SPECIES,
  SPECIES_PARAMS,
  STUDY_AREA,
  inStudyArea,
  initialState,
  scaledParams,
  stationaryBehaviour,
  step,
  type AnimalState,
} from "../../simulator/movement.ts";
import { Rng } from "../../simulator/random.ts";

function matPow(p: number[][], n: number): number[][] {
  let out: number[][] = p.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
  for (let k = 0; k < n; k++) out = out.map((row) => p[0]!.map((_, j) => row.reduce((s, v, m) => s + v * p[m]![j]!, 0)));
  return out;
}

describe("movement model", () => {
  it.each(SPECIES.flatMap((s) => [60, 1800, 4 * 3600].map((dt) => [s, dt] as const)))(
    "%s with dt %d s stays inside the study area over 10k steps",
    (species, dt) => {
      const rng = new Rng(`${species}-${dt}`);
      // Start right at the south-west corner heading out, the worst case for the soft boundary.
      let s: AnimalState = { species, lat: STUDY_AREA.south + 0.001, lon: STUDY_AREA.west + 0.001, heading: 225, behaviour: "travelling" };
      let minLat = Infinity;
      let maxLat = -Infinity;
      let outside = 0;
      for (let i = 0; i < 10_000; i++) {
        s = step(s, dt, rng);
        if (!inStudyArea(s.lat, s.lon)) outside++;
        minLat = Math.min(minLat, s.lat);
        maxLat = Math.max(maxLat, s.lat);
      }
      expect(outside).toBe(0);
      // The boundary keeps animals in without pinning them to a corner.
      if (dt >= 1800) expect(maxLat - minLat).toBeGreaterThan(0.3);
    },
  );

  it.each(SPECIES)("%s behaviour frequencies match the stationary distribution", (species) => {
    const rng = new Rng(`freq-${species}`);
    let s = initialState(species, rng);
    const counts = [0, 0, 0];
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      s = step(s, 1800, rng);
      counts[BEHAVIOURS.indexOf(s.behaviour)]!++;
    }
    const pi = stationaryBehaviour(species);
    // Autocorrelated chain: ~6x the iid variance; 0.025 is about 4.5 standard errors.
    pi.forEach((p, i) => expect(Math.abs(counts[i]! / n - p)).toBeLessThan(0.025));
  });

  it.each(SPECIES)("%s one-minute transition matrix compounds to the 30-minute one", (species) => {
    const p1 = rescaleTransition(SPECIES_PARAMS[species].transition, 1 / 30);
    const p30 = matPow(p1, 30);
    p30.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(SPECIES_PARAMS[species].transition[i]![j]!, 6)));
    const pi = stationaryBehaviour(species);
    // The stationary law does not depend on the interval.
    pi.forEach((_, j) => expect(pi.reduce((s, v, i) => s + v * p1[i]![j]!, 0)).toBeCloseTo(pi[j]!, 9));
  });

  it("step lengths have realistic per-behaviour magnitudes and scale with the interval", () => {
    const meanStep = (species: "elephant" | "wildebeest", dt: number) => {
      const rng = new Rng(`steps-${species}-${dt}`);
      let s = initialState(species, rng);
      const sums: Record<string, [number, number]> = {};
      for (let i = 0; i < 40_000; i++) {
        const next = step({ ...s, lat: -1.7, lon: 35.1 }, dt, rng); // from the centre: no boundary effects
        const acc = (sums[next.behaviour] ??= [0, 0]);
        acc[0] += distance(-1.7, 35.1, next.lat, next.lon);
        acc[1]++;
        s = next;
      }
      return Object.fromEntries(Object.entries(sums).map(([b, [sum, n]]) => [b, sum / n]));
    };
    const e = meanStep("elephant", 1800);
    expect(e.travelling).toBeGreaterThan(1500);
    expect(e.travelling).toBeLessThan(3000);
    expect(e.foraging).toBeGreaterThan(200);
    expect(e.foraging).toBeLessThan(450);
    expect(e.resting).toBeGreaterThan(15);
    expect(e.resting).toBeLessThan(60);
    const w = meanStep("wildebeest", 1800);
    expect(w.travelling).toBeGreaterThan(e.travelling!);
    const e60 = meanStep("elephant", 60);
    expect(e60.travelling! * 30).toBeCloseTo(2000, -2); // ∝ dt for the ballistic state
    // Turning gets more concentrated at short intervals (heading persistence per 30 min is kept).
    expect(scaledParams("elephant", 60).steps[2]!.kappa).toBeGreaterThan(scaledParams("elephant", 1800).steps[2]!.kappa * 10);
  });

  it("step is pure: same state and seed give the same result, the input is not mutated", () => {
    const s0: AnimalState = { species: "elephant", lat: -1.5, lon: 35, heading: 10, behaviour: "foraging" };
    const frozen = Object.freeze({ ...s0 });
    const a = step(frozen, 900, new Rng(3));
    const b = step(frozen, 900, new Rng(3));
    expect(a).toEqual(b);
    expect(frozen).toEqual(s0);
    expect(step(s0, 0, new Rng(3))).toEqual(s0);
  });

  it("initial states near a herd centre stay within the radius", () => {
    const rng = new Rng(11);
    for (let i = 0; i < 200; i++) {
      const s = initialState("wildebeest", rng, { lat: -1.6, lon: 35.2, radiusM: 1500 });
      expect(distance(-1.6, 35.2, s.lat, s.lon)).toBeLessThanOrEqual(1500.001);
    }
  });
});
