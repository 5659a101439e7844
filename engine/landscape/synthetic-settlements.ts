// Villages and roads of the synthetic landscape, in cell coordinates (see raster-draw.ts). As around
// the Mara, people live at the edges of the protected core: villages sit in a band along the grid's
// edges (mostly north and east, where the farmland is) and roads link neighbouring villages around
// the ring, so the centre stays roadless.
import type { Rng } from "../../simulator/random.ts";
import { markDisc, markSegment } from "./raster-draw.ts";
import type { CellPoint } from "./synthetic-water.ts";

export interface SettlementLayout {
  /** 1 on village cells. */
  villages: Uint8Array;
  /** 1 on village or road cells: what dist_settlement measures to. */
  network: Uint8Array;
  villagePoints: CellPoint[];
  roads: CellPoint[][];
}

const EDGE_WEIGHTS = [0.35, 0.3, 0.15, 0.2]; // north, east, south, west

function placeVillage(rng: Rng, nx: number, ny: number): CellPoint {
  const edge = rng.categorical(EDGE_WEIGHTS);
  const along = 0.05 + 0.9 * rng.uniform();
  const depth = 0.01 + 0.07 * rng.uniform(); // fraction of the grid in from the edge: ~0.5–8 km at 200 cells
  switch (edge) {
    case 0:
      return [along * nx, depth * ny];
    case 1:
      return [(1 - depth) * nx, along * ny];
    case 2:
      return [along * nx, (1 - depth) * ny];
    default:
      return [depth * nx, along * ny];
  }
}

/** Lays out 6–9 villages and the ring of roads between neighbouring ones. */
export function layOutSettlements(rng: Rng, nx: number, ny: number): SettlementLayout {
  const villages = new Uint8Array(nx * ny);
  const villagePoints: CellPoint[] = [];
  const minGap = 0.12 * Math.min(nx, ny);
  const target = 6 + rng.int(4);
  for (let attempt = 0; attempt < 40 * target && villagePoints.length < target; attempt++) {
    const p = placeVillage(rng, nx, ny);
    if (villagePoints.some((q) => Math.hypot(p[0] - q[0], p[1] - q[1]) < minGap)) continue;
    villagePoints.push(p);
    markDisc(villages, nx, ny, p[0], p[1], 0.8 + 0.8 * rng.uniform());
  }
  const network = villages.slice();
  const roads: CellPoint[][] = [];
  const cx = nx / 2;
  const cy = ny / 2;
  const ring = [...villagePoints].sort((a, b) => Math.atan2(a[1] - cy, a[0] - cx) - Math.atan2(b[1] - cy, b[0] - cx));
  const maxLength = 0.6 * Math.max(nx, ny); // longer links would cut through the core: left out
  const links = ring.length < 3 ? ring.length - 1 : ring.length; // a closed ring needs three villages
  for (let i = 0; i < links; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (length > maxLength) continue;
    // One gentle bend: a sine arch of random height across the straight line.
    const bend = rng.normal(0, 0.08 * length);
    const px = -(b[1] - a[1]) / length;
    const py = (b[0] - a[0]) / length;
    const n = Math.max(2, Math.ceil(length / 2));
    const road: CellPoint[] = [];
    for (let k = 0; k <= n; k++) {
      const t = k / n;
      const off = bend * Math.sin(Math.PI * t);
      road.push([a[0] + (b[0] - a[0]) * t + px * off, a[1] + (b[1] - a[1]) * t + py * off]);
    }
    for (let k = 1; k < road.length; k++) markSegment(network, nx, ny, road[k - 1]![0], road[k - 1]![1], road[k]![0], road[k]![1]);
    roads.push(road);
  }
  return { villages, network, villagePoints, roads };
}
