// Rivers and water points of the synthetic landscape, burnt into a water mask in cell coordinates
// (see raster-draw.ts). Main rivers enter on the east or north edge and leave on the west, as the Mara
// drains west to Lake Victoria; each is a walk whose heading is the bearing to its outlet plus a sine
// meander plus a bounded random wander, so it meanders but always arrives. Tributaries start away from
// the main rivers and walk to a point on one until they meet its water.
import type { Rng } from "../../simulator/random.ts";
import { markPoint, markSegment } from "./raster-draw.ts";

export type CellPoint = [x: number, y: number];

export interface WaterLayout {
  /** 1 where a river or water point is. Row-major nx × ny. */
  mask: Uint8Array;
  /** River centre lines (main rivers first), vertices every ~1 cell. */
  rivers: CellPoint[][];
  waterPoints: CellPoint[];
}

const STEP_CELLS = 0.35; // < ½ cell, so consecutive vertices never skip a cell diagonally

function walkRiver(
  rng: Rng,
  nx: number,
  ny: number,
  start: CellPoint,
  target: CellPoint,
  draw: Uint8Array,
  stopAt: Uint8Array | null,
): CellPoint[] {
  const path: CellPoint[] = [start];
  let [x, y] = start;
  const wavelength = 8 + 8 * rng.uniform(); // cells per meander
  const amplitude = 0.45 + 0.35 * rng.uniform(); // radians
  const phase = 2 * Math.PI * rng.uniform();
  let wander = 0;
  let travelled = 0;
  const maxSteps = Math.ceil((8 * (nx + ny)) / STEP_CELLS);
  for (let i = 0; i < maxSteps; i++) {
    const [tx, ty] = target;
    if (Math.hypot(tx - x, ty - y) < 0.5) break;
    wander = Math.max(-0.7, Math.min(0.7, wander + rng.normal(0, 0.06)));
    const heading = Math.atan2(ty - y, tx - x) + amplitude * Math.sin(phase + (2 * Math.PI * travelled) / wavelength) + wander;
    const x1 = x + STEP_CELLS * Math.cos(heading);
    const y1 = y + STEP_CELLS * Math.sin(heading);
    markSegment(draw, nx, ny, x, y, x1, y1);
    x = x1;
    y = y1;
    travelled += STEP_CELLS;
    if (i % 3 === 2) path.push([x, y]);
    if (x < 0 || y < 0 || x >= nx || y >= ny) break;
    if (stopAt && stopAt[Math.floor(y) * nx + Math.floor(x)]) break; // joined the main river
  }
  path.push([x, y]);
  return path;
}

/** Lays out 2–3 main rivers, 3–6 tributaries and 8–13 water points. */
export function layOutWater(rng: Rng, nx: number, ny: number): WaterLayout {
  const main = new Uint8Array(nx * ny);
  const rivers: CellPoint[][] = [];
  const nMain = 2 + rng.int(2);
  for (let r = 0; r < nMain; r++) {
    // Sources spread over the east/north edges, outlets beyond the west edge so the walk leaves the grid.
    const fromEast = rng.uniform() < 0.6;
    const start: CellPoint = fromEast ? [nx - 0.01, ny * (0.15 + 0.7 * rng.uniform())] : [nx * (0.45 + 0.5 * rng.uniform()), 0.01];
    const target: CellPoint = [-0.1 * nx, ny * (0.2 + 0.6 * rng.uniform())];
    rivers.push(walkRiver(rng, nx, ny, start, target, main, null));
  }
  const mask = main.slice();
  const nTrib = 3 + rng.int(4);
  for (let t = 0; t < nTrib; t++) {
    const host = rivers[rng.int(rivers.length)]!;
    const target = host[Math.floor(host.length * (0.2 + 0.6 * rng.uniform()))]!;
    // Start 20–40% of the grid away, north or south of the junction, inside the grid.
    const away = (0.2 + 0.2 * rng.uniform()) * ny * (rng.uniform() < 0.5 ? -1 : 1);
    const start: CellPoint = [
      Math.min(nx - 1, Math.max(1, target[0] + (rng.uniform() - 0.5) * 0.3 * nx)),
      Math.min(ny - 1, Math.max(1, target[1] + away)),
    ];
    const own = new Uint8Array(nx * ny);
    rivers.push(walkRiver(rng, nx, ny, start, target, own, main));
    for (let i = 0; i < own.length; i++) mask[i] = mask[i]! | own[i]!;
  }
  const waterPoints: CellPoint[] = [];
  const nPoints = 8 + rng.int(6);
  for (let p = 0; p < nPoints; p++) {
    const pt: CellPoint = [nx * (0.1 + 0.8 * rng.uniform()), ny * (0.1 + 0.8 * rng.uniform())];
    markPoint(mask, nx, ny, pt[0], pt[1]);
    waterPoints.push(pt);
  }
  return { mask, rivers, waterPoints };
}
