// Brownian bridge UD: normalisation, shape, agreement with a slow direct integration, convergence.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bridgeTrack,
  bridgeUD,
  constantSegmentVariance,
  defaultTimeStep,
  gridAround,
  homeRange,
  motionVariance,
  trackGrid,
  type BridgeTrack,
  type Grid,
} from "../../engine/bbmm/index.ts";
import { readTrackCsv } from "../../formats/track-csv.ts";

const DATA = new URL("../../../shared/datasets/", import.meta.url);
const locations = readTrackCsv(readFileSync(new URL("bbmm_locations.csv", DATA), "utf8"), { coords: "xy-m" }).tracks[0]!;

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

/** Direct numerical integration of the bridge density over time: fine midpoint rule, every cell, no truncation. */
function referenceUD(track: BridgeTrack, variance: number, grid: Grid, substeps: number): Float64Array {
  const { x, y, t, error } = track;
  const ud = new Float64Array(grid.nx * grid.ny);
  for (let k = 0; k + 1 < x.length; k++) {
    const T = t[k + 1]! - t[k]!;
    for (let s = 0; s < substeps; s++) {
      const a = (s + 0.5) / substeps;
      const mx = x[k]! + a * (x[k + 1]! - x[k]!);
      const my = y[k]! + a * (y[k + 1]! - y[k]!);
      const s2 = T * a * (1 - a) * variance + (1 - a) ** 2 * error[k]! ** 2 + a ** 2 * error[k + 1]! ** 2;
      const w = T / substeps; // time weight
      for (let j = 0; j < grid.ny; j++)
        for (let i = 0; i < grid.nx; i++) {
          const dx = grid.x0 + i * grid.cell - mx;
          const dy = grid.y0 + j * grid.cell - my;
          ud[j * grid.nx + i]! += (w / (2 * Math.PI * s2)) * Math.exp(-(dx * dx + dy * dy) / (2 * s2));
        }
    }
  }
  const total = sum(ud);
  return ud.map((v) => v / total);
}

describe("Brownian bridge UD", () => {
  const track = bridgeTrack(locations.x, locations.y, locations.t, 20);
  const variance = motionVariance(track).variance;
  const seg = constantSegmentVariance(track, variance);

  it("sums to 1 and puts its mass around the fixes", () => {
    const grid = trackGrid(track, 100, seg);
    const ud = bridgeUD(track, seg, grid);
    expect(sum(ud)).toBeCloseTo(1, 12);
    expect(ud.every((v) => v >= 0)).toBe(true);
    // The densest cell is within a cell of some fix (the bridges are narrowest at the fixes).
    let best = 0;
    for (let c = 1; c < ud.length; c++) if (ud[c]! > ud[best]!) best = c;
    const bx = grid.x0 + (best % grid.nx) * grid.cell;
    const by = grid.y0 + Math.floor(best / grid.nx) * grid.cell;
    const nearest = Math.min(...Array.from(track.x, (x, i) => Math.hypot(x - bx, track.y[i]! - by)));
    expect(nearest).toBeLessThan(grid.cell);
  });

  it("uses move's default time step: the shortest time lag / 15", () => {
    expect(defaultTimeStep(track)).toBe(120 / 15);
  });

  it("agrees with a slow direct integration on a tiny case", () => {
    const tiny = bridgeTrack([0, 400, 500, 300], [0, 100, 450, 600], [0, 30, 75, 100].map((m) => m * 60_000), [15, 25, 10, 20]);
    const v = 300;
    const grid = gridAround(0, 500, 0, 600, 25, 400);
    const fast = bridgeUD(tiny, constantSegmentVariance(tiny, v), grid, { timeStep: 0.05 });
    const slow = referenceUD(tiny, v, grid, 2000);
    let l1 = 0;
    let max = 0;
    for (let c = 0; c < fast.length; c++) {
      l1 += Math.abs(fast[c]! - slow[c]!);
      max = Math.max(max, slow[c]!);
    }
    expect(l1).toBeLessThan(2e-3);
    for (let c = 0; c < fast.length; c++) expect(Math.abs(fast[c]! - slow[c]!)).toBeLessThan(max * 2e-3);
  });

  it("is elongated along a straight-line track", () => {
    const n = 25;
    const line = bridgeTrack(
      Float64Array.from({ length: n }, (_, i) => i * 500),
      new Float64Array(n),
      Float64Array.from({ length: n }, (_, i) => i * 3_600_000),
      10,
    );
    const s = constantSegmentVariance(line, 200);
    const ud = bridgeUD(line, s, trackGrid(line, 50, s));
    const grid = trackGrid(line, 50, s);
    let mx = 0;
    let my = 0;
    for (let c = 0; c < ud.length; c++) {
      mx += ud[c]! * (grid.x0 + (c % grid.nx) * grid.cell);
      my += ud[c]! * (grid.y0 + Math.floor(c / grid.nx) * grid.cell);
    }
    let vx = 0;
    let vy = 0;
    for (let c = 0; c < ud.length; c++) {
      vx += ud[c]! * (grid.x0 + (c % grid.nx) * grid.cell - mx) ** 2;
      vy += ud[c]! * (grid.y0 + Math.floor(c / grid.nx) * grid.cell - my) ** 2;
    }
    expect(my).toBeCloseTo(0, 3);
    expect(Math.sqrt(vx / vy)).toBeGreaterThan(20);
  });

  it("converges as the cell gets finer", () => {
    const areas = [100, 50, 25].map((cell) => homeRange({ ...locations, coords: "xy-m" }, { locationError: 20, cell }).contours.map((c) => c.areaKm2));
    for (const level of [0, 1]) {
      const [a100, a50, a25] = areas.map((a) => a[level]!);
      expect(Math.abs(a25! - a50!)).toBeLessThan(Math.abs(a50! - a100!) + 1e-9);
      expect(Math.abs(a25! - a50!) / a25!).toBeLessThan(0.02);
    }
  });

  it("converges as the time step gets shorter", () => {
    // move's default (8 min here) divides the 120 min lags, so steps land on the fixes, where the
    // bridge is only the location error wide: a few % of the mass moves to the fix cells. Shorter
    // steps converge to the time integral.
    const grid = trackGrid(track, 100, seg);
    const ref = bridgeUD(track, seg, grid, { timeStep: 0.1 });
    const dist = (dt: number) => bridgeUD(track, seg, grid, { timeStep: dt }).reduce((s, v, i) => s + Math.abs(v - ref[i]!), 0);
    const [d30, d8, d1, d025] = [30, 8, 1, 0.25].map(dist);
    expect(d8!).toBeLessThan(d30!);
    expect(d1!).toBeLessThan(d8!);
    expect(d025!).toBeLessThan(d1!);
    expect(d1!).toBeLessThan(0.02);
  });

  it("reuses an output buffer and skips segments not of interest", () => {
    const grid = trackGrid(track, 200, seg);
    const out = new Float64Array(grid.nx * grid.ny).fill(7);
    const interest = new Uint8Array(seg.length);
    interest[0] = 1;
    const ud = bridgeUD(track, seg, grid, { interest }, out);
    expect(ud).toBe(out);
    expect(sum(ud)).toBeCloseTo(1, 12);
    // Only the first segment: nothing beyond the first two fixes' neighbourhood.
    const far = Math.max(Math.abs(track.x[1]! - track.x[0]!), Math.abs(track.y[1]! - track.y[0]!)) + 3000;
    for (let c = 0; c < ud.length; c++) {
      const cx = grid.x0 + (c % grid.nx) * grid.cell;
      if (Math.abs(cx - track.x[0]!) > far) expect(ud[c]).toBe(0);
    }
  });
});
