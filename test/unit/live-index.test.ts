// The live spatial index against a brute-force haversine scan on seeded random positions, through
// rebuilds, moves, removals and late updates.
import { describe, expect, it } from "vitest";
import { LiveIndex, sphericalCentroid } from "../../engine/live-index.ts";
import type { LivePosition } from "../../engine/types.ts";

const R = 6371008.8; // independent haversine, mean Earth radius
function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pos(animal: string, lat: number, lon: number, ms: number, family: string | null = null): LivePosition {
  return {
    animal, collar: `C-${animal}`, herd: null, family, species: "elephant", name: animal, ts: new Date(ms).toISOString(), lat, lon,
    speed: null, heading: null, state: null, state_probs: null, habitat: null, step_m: null, turn_deg: null, interval_s: null, distance_today_m: 0, battery: null, quality: [],
  };
}

function brute(points: Map<string, LivePosition>, lat: number, lon: number, radius: number) {
  return [...points.values()]
    .map((p) => ({ animal: p.animal, d: haversine(lat, lon, p.lat, p.lon) }))
    .filter((x) => x.d <= radius)
    .sort((a, b) => a.d - b.d || (a.animal < b.animal ? -1 : 1));
}

describe("LiveIndex", () => {
  it("matches brute force exactly, through moves, removals, late updates and rebuilds", () => {
    const rand = rng(42);
    const index = new LiveIndex({ autoRebuild: false });
    const truth = new Map<string, LivePosition>();
    const T = Date.UTC(2026, 10, 20);
    // Clustered like herds in East Africa, plus points around the antimeridian and the poles.
    const point = () => {
      const k = rand();
      if (k < 0.05) return { lat: -89 + rand() * 2, lon: -180 + rand() * 360 };
      if (k < 0.1) return { lat: -20 + rand() * 40, lon: rand() < 0.5 ? 179 + rand() : -180 + rand() };
      return { lat: -3 + rand() * 4, lon: 34 + rand() * 4 };
    };
    for (let i = 0; i < 6_000; i++) {
      const { lat, lon } = point();
      const p = pos(`a${i}`, lat, lon, T);
      index.update(p);
      truth.set(p.animal, p);
    }
    const check = (round: number) => {
      for (let q = 0; q < 40; q++) {
        const { lat, lon } = point();
        const radius = [500, 5_000, 50_000, 300_000, 2_000_000][q % 5]!;
        const expected = brute(truth, lat, lon, radius);
        const got = index.nearby(lat, lon, radius);
        expect(got.map((h) => h.position.animal), `round ${round} query ${q}`).toEqual(expected.map((e) => e.animal));
        let worst = 0;
        got.forEach((h, i) => (worst = Math.max(worst, Math.abs(h.distance_m - expected[i]!.d))));
        expect(worst).toBeLessThan(1e-6);
        const limited = index.nearby(lat, lon, radius, 7, 3);
        expect(limited.map((h) => h.position.animal)).toEqual(expected.slice(3, 10).map((e) => e.animal));
      }
    };
    check(0); // no tree yet: everything fresh
    index.rebuild();
    check(1);
    for (let round = 2; round < 6; round++) {
      for (let i = 0; i < 1000; i++) {
        const animal = `a${Math.floor(rand() * 7_000)}`; // some new animals too
        const late = rand() < 0.1;
        const { lat, lon } = point();
        const ms = T + round * 60_000 + (late ? -3_600_000 : 0);
        const p = pos(animal, lat, lon, ms);
        const current = truth.get(animal);
        if (!current || Date.parse(current.ts) <= ms) truth.set(animal, p); // late fixes never move it
        index.update(p);
      }
      for (let i = 0; i < 100; i++) {
        const animal = `a${Math.floor(rand() * 7_000)}`;
        truth.delete(animal);
        index.remove(animal);
      }
      expect(index.size).toBe(truth.size);
      check(round);
      if (round % 2 === 0) index.rebuild();
    }
  });

  it("tracks family members and computes spherical centroids", () => {
    const index = new LiveIndex({ autoRebuild: false });
    index.update(pos("a", 0, 179, 1, "F1"));
    index.update(pos("b", 0, -179, 1, "F1"));
    index.update(pos("c", 1, 1, 1, "F2"));
    index.update(pos("c", 1, 2, 2, "F1")); // moved family
    expect(index.familyMembers("F1").map((p) => p.animal).sort()).toEqual(["a", "b", "c"]);
    expect(index.families()).toEqual(["F1"]);
    const c = sphericalCentroid([{ lat: 0, lon: 179 }, { lat: 0, lon: -179 }])!;
    expect(Math.abs(Math.abs(c.lon) - 180)).toBeLessThan(1e-9);
    expect(c.lat).toBeCloseTo(0, 9);
  });
});
