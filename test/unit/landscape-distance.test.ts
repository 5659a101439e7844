import { describe, expect, it } from "vitest";
import { distanceToMask, distanceTransform, gridSpacingMetres, METRES_PER_DEGREE } from "../../engine/landscape/distance-transform.ts";
import { makeGrid } from "../../engine/landscape/stack.ts";
import { Rng } from "../../simulator/random.ts";

function bruteForce(mask: Uint8Array, nx: number, ny: number, dx: number, dy: number): Float64Array {
  const out = new Float64Array(nx * ny).fill(Infinity);
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++)
      for (let r2 = 0; r2 < ny; r2++)
        for (let c2 = 0; c2 < nx; c2++)
          if (mask[r2 * nx + c2]) out[r * nx + c] = Math.min(out[r * nx + c]!, Math.hypot((c - c2) * dx, (r - r2) * dy));
  return out;
}

function randomMask(rng: Rng, n: number, density: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (rng.uniform() < density ? 1 : 0));
}

describe("exact Euclidean distance transform", () => {
  it("matches brute force on random masks, shapes and anisotropic spacings", () => {
    const rng = new Rng("edt");
    const shapes = [[1, 1], [1, 9], [9, 1], [5, 7], [13, 11], [24, 17]] as const;
    for (const [nx, ny] of shapes) {
      for (const density of [0.02, 0.1, 0.4]) {
        for (const [dx, dy] of [[1, 1], [555.2, 556.0], [0.3, 2.5]] as const) {
          const mask = randomMask(rng, nx * ny, density);
          const got = distanceTransform(mask, nx, ny, dx, dy);
          const want = bruteForce(mask, nx, ny, dx, dy);
          for (let i = 0; i < want.length; i++) {
            if (want[i] === Infinity) expect(got[i]).toBe(Infinity);
            else expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, want[i]!));
          }
        }
      }
    }
  });

  it("is 0 on features, Infinity with no feature, and exact for a single point", () => {
    expect([...distanceTransform(new Uint8Array(6), 3, 2, 1, 1)]).toEqual(Array(6).fill(Infinity));
    expect([...distanceTransform(new Uint8Array(6).fill(1), 3, 2, 1, 1)]).toEqual(Array(6).fill(0));
    const mask = new Uint8Array(4 * 3);
    mask[0] = 1; // north-west corner
    const d = distanceTransform(mask, 4, 3, 3, 4);
    expect(d[3 + 2 * 4]).toBe(Math.hypot(9, 8)); // south-east corner: 3 columns × 3, 2 rows × 4
    expect(d[1 + 1 * 4]).toBe(5);
  });

  it("measures a geographic grid in metres, shrinking longitude by cos(latitude)", () => {
    const grid = makeGrid(34.6, -1.2, 0.005, 0.005, 200, 200);
    const { dx, dy } = gridSpacingMetres(grid);
    expect(dy).toBeCloseTo(0.005 * METRES_PER_DEGREE, 9);
    expect(dx).toBeCloseTo(0.005 * METRES_PER_DEGREE * Math.cos((1.7 * Math.PI) / 180), 9);
    const mask = new Uint8Array(200 * 200);
    mask[100 * 200 + 100] = 1;
    const dist = distanceToMask(grid, mask);
    expect(dist).toBeInstanceOf(Float32Array);
    expect(dist[100 * 200 + 110]).toBeCloseTo(10 * dx, 0);
    expect(dist[110 * 200 + 100]).toBeCloseTo(10 * dy, 0);
  });

  it("rejects a mask of the wrong size", () => {
    expect(() => distanceTransform(new Uint8Array(5), 3, 2, 1, 1)).toThrow(/3×2/);
  });
});
