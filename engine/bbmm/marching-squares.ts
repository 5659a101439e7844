// Polygons of the region {value ≤ level} of a raster, by marching squares over cell centres with
// linear interpolation along cell edges. The raster is padded with `outside` (a value above level) so
// every ring closes; each boundary segment is oriented with the region on its left, so outer rings come
// out counter-clockwise and holes clockwise — RFC 7946's winding — and holes are attached to the
// smallest outer ring that contains them. Saddles are resolved by the mean of the four corners.
import type { Grid } from "./grid.ts";

export type Ring = number[][];
/** GeoJSON MultiPolygon coordinates: polygons of rings (outer first, then holes) of [x, y]. */
export type MultiPolygonCoords = Ring[][];

/** The polygons of {value ≤ level} in grid coordinates (cell centres at x0 + i·cell, y0 + j·cell). */
export function isoPolygons(values: Float64Array, grid: Grid, level: number, outside: number): MultiPolygonCoords {
  const { nx, ny } = grid;
  const NX = nx + 2; // padded sample grid: sample (I, J) is cell (I-1, J-1)
  const NY = ny + 2;
  const at = (I: number, J: number) => (I <= 0 || J <= 0 || I > nx || J > ny ? outside : values[(J - 1) * nx + (I - 1)]!);

  // A crossing lives on a sample edge: horizontal edge (I,J)-(I+1,J) has id 2(J·NX+I), vertical
  // (I,J)-(I,J+1) has id 2(J·NX+I)+1. next[id] is the crossing the boundary runs to from crossing id.
  const next = new Int32Array(2 * NX * NY).fill(-1);
  const px = new Float64Array(2 * NX * NY);
  const py = new Float64Array(2 * NX * NY);
  const point = (id: number, I: number, J: number, horizontal: boolean) => {
    const a = at(I, J);
    const b = horizontal ? at(I + 1, J) : at(I, J + 1);
    const f = (level - a) / (b - a);
    px[id] = horizontal ? I + f : I;
    py[id] = horizontal ? J : J + f;
  };

  // Cell corners counter-clockwise: 0 (I,J), 1 (I+1,J), 2 (I+1,J+1), 3 (I,J+1); edge k joins corner k
  // to corner k+1. Walking the cell counter-clockwise, a boundary leaves at an "exit" edge (inside →
  // outside) and comes back at an "entry" edge; the segment exit → entry has the region on its left.
  const inside = [false, false, false, false];
  const edge = [0, 0, 0, 0];
  for (let J = 0; J < NY - 1; J++) {
    for (let I = 0; I < NX - 1; I++) {
      const v0 = at(I, J);
      const v1 = at(I + 1, J);
      const v2 = at(I + 1, J + 1);
      const v3 = at(I, J + 1);
      inside[0] = v0 <= level;
      inside[1] = v1 <= level;
      inside[2] = v2 <= level;
      inside[3] = v3 <= level;
      const count = +inside[0] + +inside[1] + +inside[2] + +inside[3];
      if (count === 0 || count === 4) continue;
      edge[0] = 2 * (J * NX + I);
      edge[1] = 2 * (J * NX + I + 1) + 1;
      edge[2] = 2 * ((J + 1) * NX + I);
      edge[3] = 2 * (J * NX + I) + 1;
      const saddle = count === 2 && inside[0] === inside[2];
      const centreInside = (v0 + v1 + v2 + v3) / 4 <= level;
      for (let k = 0; k < 4; k++) {
        if (!(inside[k] && !inside[(k + 1) % 4])) continue; // not an exit edge
        // The entry this exit joins: the next entry counter-clockwise, except at a saddle whose centre
        // is outside, where each inside corner is cut off on its own (the entry just before it).
        const entry = saddle && !centreInside ? (k + 3) % 4 : nextEntry(inside, k);
        const from = edge[k]!;
        const to = edge[entry]!;
        next[from] = to;
        pointOnEdge(point, from, I, J, k);
        pointOnEdge(point, to, I, J, entry);
      }
    }
  }

  // Chain crossings into rings.
  const rings: Ring[] = [];
  const { x0, y0, cell } = grid;
  for (let id = 0; id < next.length; id++) {
    if (next[id]! < 0) continue;
    const ring: Ring = [];
    let cur = id;
    while (next[cur]! >= 0) {
      ring.push([x0 + (px[cur]! - 1) * cell, y0 + (py[cur]! - 1) * cell]);
      const nxt = next[cur]!;
      next[cur] = -1;
      cur = nxt;
    }
    if (ring.length >= 3) {
      ring.push([ring[0]![0]!, ring[0]![1]!]);
      rings.push(ring);
    }
  }
  return assemble(rings);
}

function nextEntry(inside: boolean[], exit: number): number {
  for (let s = 1; s < 4; s++) {
    const k = (exit + s) % 4;
    if (!inside[k] && inside[(k + 1) % 4]) return k;
  }
  return exit; // unreachable: a cell with an exit has an entry
}

function pointOnEdge(point: (id: number, I: number, J: number, h: boolean) => void, id: number, I: number, J: number, k: number) {
  if (k === 0) point(id, I, J, true);
  else if (k === 1) point(id, I + 1, J, false);
  else if (k === 2) point(id, I, J + 1, true);
  else point(id, I, J, false);
}

/** Signed area (shoelace): positive for counter-clockwise rings. */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return s / 2;
}

function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Outer (counter-clockwise) rings become polygons; each hole joins the smallest outer ring around it. */
function assemble(rings: Ring[]): MultiPolygonCoords {
  const outers: { ring: Ring; area: number; holes: Ring[] }[] = [];
  const holes: Ring[] = [];
  for (const r of rings) {
    const a = ringArea(r);
    if (a > 0) outers.push({ ring: r, area: a, holes: [] });
    else if (a < 0) holes.push(r);
  }
  outers.sort((a, b) => a.area - b.area);
  for (const h of holes) {
    // A hole's vertices lie on cell edges, never on its outer ring, so any vertex decides.
    const [hx, hy] = h[0] as [number, number];
    const owner = outers.find((o) => pointInRing(hx, hy, o.ring));
    owner?.holes.push(h);
  }
  outers.sort((a, b) => b.area - a.area);
  return outers.map((o) => [o.ring, ...o.holes]);
}
