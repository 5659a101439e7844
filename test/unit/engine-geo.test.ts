import { describe, expect, it } from "vitest";
import {
  EARTH_RADIUS_M,
  destinationPoint,
  haversineDistance,
  initialBearing,
  normalizeBearing,
  turningAngle,
} from "../../engine/geo.ts";

const RAD = Math.PI / 180;

// Independent formula (spherical law of cosines) to check haversine against.
function lawOfCosines(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const c =
    Math.sin(lat1 * RAD) * Math.sin(lat2 * RAD) + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon2 - lon1) * RAD);
  return EARTH_RADIUS_M * Math.acos(Math.min(1, c));
}

describe("haversineDistance", () => {
  it("one degree of latitude is 2πR/360 ≈ 111,195.08 m", () => {
    const expected = (2 * Math.PI * 6371008.8) / 360;
    expect(expected).toBeCloseTo(111195.08, 1);
    expect(haversineDistance(0, 0, 1, 0)).toBeCloseTo(expected, 3);
    expect(haversineDistance(-3, 35, -2, 35)).toBeCloseTo(expected, 3);
  });

  it("one degree of longitude shrinks with cos(latitude)", () => {
    expect(haversineDistance(0, 10, 0, 11)).toBeCloseTo(111195.08, 1);
    // At 60° the parallel is half as long (great circle is a hair shorter than the parallel).
    const d = haversineDistance(60, 0, 60, 1);
    expect(d).toBeLessThan(111195.08 / 2);
    expect(d).toBeGreaterThan(111195.08 / 2 - 5);
  });

  it("Nairobi–Mombasa ≈ 440 km, matching an independent formula", () => {
    const nairobi = [-1.286389, 36.817222] as const;
    const mombasa = [-4.05, 39.666667] as const;
    const d = haversineDistance(nairobi[0], nairobi[1], mombasa[0], mombasa[1]);
    expect(d).toBeCloseTo(lawOfCosines(nairobi[0], nairobi[1], mombasa[0], mombasa[1]), 0);
    expect(d).toBeGreaterThan(435_000);
    expect(d).toBeLessThan(445_000);
  });

  it("is zero for identical points and symmetric", () => {
    expect(haversineDistance(-2.33, 34.83, -2.33, 34.83)).toBe(0);
    expect(haversineDistance(1, 2, 3, 4)).toBeCloseTo(haversineDistance(3, 4, 1, 2), 9);
  });

  it("handles antipodes (half the circumference)", () => {
    expect(haversineDistance(0, 0, 0, 180)).toBeCloseTo(Math.PI * EARTH_RADIUS_M, 3);
  });
});

describe("initialBearing", () => {
  it("points N/E/S/W", () => {
    expect(initialBearing(0, 0, 1, 0)).toBeCloseTo(0, 9);
    expect(initialBearing(0, 0, 0, 1)).toBeCloseTo(90, 9);
    expect(initialBearing(0, 0, -1, 0)).toBeCloseTo(180, 9);
    expect(initialBearing(0, 0, 0, -1)).toBeCloseTo(270, 9);
  });

  it("stays in [0, 360)", () => {
    const b = initialBearing(0, 0, 1, -1e-12);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(360);
    expect(normalizeBearing(-1e-15)).toBe(0);
    expect(normalizeBearing(360)).toBe(0);
    expect(normalizeBearing(-90)).toBe(270);
    expect(normalizeBearing(725)).toBe(5);
  });
});

describe("turningAngle", () => {
  it("is positive for right turns and negative for left turns", () => {
    expect(turningAngle(0, 90)).toBe(90);
    expect(turningAngle(90, 0)).toBe(-90);
  });

  it("wraps across north", () => {
    expect(turningAngle(350, 10)).toBeCloseTo(20, 9);
    expect(turningAngle(10, 350)).toBeCloseTo(-20, 9);
    expect(turningAngle(0, 181)).toBe(-179);
    expect(turningAngle(181, 0)).toBe(179);
  });

  it("reports a reversal as +180, never -180", () => {
    expect(turningAngle(0, 180)).toBe(180);
    expect(turningAngle(180, 0)).toBe(180);
    expect(turningAngle(90, 270)).toBe(180);
    expect(turningAngle(270, 90)).toBe(180);
  });

  it("is zero for the same bearing", () => {
    expect(turningAngle(123, 123)).toBe(0);
  });
});

describe("destinationPoint", () => {
  it("round-trips with distance and bearing", () => {
    const start = { lat: -2.3333, lon: 34.8333 };
    for (const bearing of [0, 45, 90, 135, 200, 315]) {
      const p = destinationPoint(start.lat, start.lon, bearing, 12_345);
      expect(haversineDistance(start.lat, start.lon, p.lat, p.lon)).toBeCloseTo(12_345, 4);
      expect(initialBearing(start.lat, start.lon, p.lat, p.lon)).toBeCloseTo(bearing, 6);
    }
  });

  it("moves 111,195 m north by one degree", () => {
    const p = destinationPoint(0, 0, 0, (2 * Math.PI * EARTH_RADIUS_M) / 360);
    expect(p.lat).toBeCloseTo(1, 9);
    expect(p.lon).toBeCloseTo(0, 9);
  });

  it("wraps longitude across the antimeridian", () => {
    const p = destinationPoint(0, 179.9, 90, 50_000);
    expect(p.lon).toBeLessThan(-179);
  });
});
