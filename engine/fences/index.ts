// FenceIndex: which fences cover a point. A static Flatbush over every polygon part's bbox, then an
// exact point-in-polygon test on flat Float64Array vertex buffers. Rebuild it when fences change
// (1,000 fences of 500 vertices build in a few ms).
//
// Semantics: planar lon/lat, like PostGIS `geometry` SRID 4326 (not `geography`): edges are straight
// in lon/lat. A point exactly on an edge or vertex (outer ring or hole) is covered — the engine's
// answer equals `ST_Covers(fence_geometry, point)`. Fences must be valid (validateFenceGeometry):
// antimeridian-crossing fences arrive already split at ±180° into a MultiPolygon, so no longitude
// wrapping happens here. Overlapping parts of one MultiPolygon are fine: any covering part counts.
import Flatbush from "flatbush";
import { BOUNDARY, INSIDE, locateBanded, OUTSIDE, segmentTouchesPartBorder, type Location } from "./pip.ts";
import type { Fence, FenceArea, FenceKind, PolygonCoords } from "./types.ts";

export type { Fence, FenceArea, FenceKind, FieldError, FenceRules, FenceInputGeometry, Position, PolygonCoords, MultiPolygonCoords } from "./types.ts";
export { BOUNDARY, INSIDE, OUTSIDE, type Location } from "./pip.ts";
export { orient2d, onSegment, segmentsIntersect } from "./predicates.ts";

const KIND_CORRIDOR = 0;
const KIND_RISK_ZONE = 1;

/** Result of `query`: fence ids in fence-array order (the order given to the constructor). */
export interface FenceQueryResult {
  corridors: string[];
  risk_zones: string[];
}

/** Result of `queryMany`: for point i, fence indices `fences[offsets[i] .. offsets[i+1])`, ascending. */
export interface FenceBatchResult {
  offsets: Uint32Array;
  fences: Uint32Array;
}

function polygonsOf(area: FenceArea): PolygonCoords[] {
  return area.type === "Polygon" ? [area.coordinates] : area.coordinates;
}

export class FenceIndex {
  /** Fence ids, kinds and names by fence index (the position in the constructor's array). */
  readonly ids: readonly string[];
  readonly kinds: readonly FenceKind[];
  readonly fences: readonly Fence[];
  readonly numParts: number;

  // Flat geometry (see pip.ts for the layout).
  private readonly coords: Float64Array;
  private readonly ringStart: Uint32Array;
  private readonly partRingStart: Uint32Array;
  private readonly partFence: Uint32Array;
  private readonly fencePartStart: Uint32Array;
  private readonly kindCode: Uint8Array;
  private readonly partBox: Float64Array; // minX, minY, maxX, maxY per part
  // Y-band edge lists per part (see locateBanded): bands of part p are bandOffsets[partBandBase[p] ..].
  private readonly partBandBase: Uint32Array;
  private readonly partBands: Uint32Array;
  private readonly partInvH: Float64Array;
  private readonly bandOffsets: Uint32Array;
  private readonly bandEdges: Uint32Array;

  // Flatbush internals, read directly for an allocation-free point stab.
  private readonly tree: Flatbush | null;
  private readonly boxes: Float64Array;
  private readonly treeIndices: Uint16Array | Uint32Array;
  private readonly levelBounds: number[];
  private readonly nodeSize: number;
  private readonly stack: Int32Array;

  // Per-query scratch: fences found for the current point (deduplicated by stamp).
  private readonly stamp: Uint32Array;
  private stampValue = 0;
  private readonly found: Uint32Array;
  private foundCount = 0;

  /** Indexes `fences` (already validated); fence index i is fences[i]. */
  constructor(fences: readonly Fence[]) {
    this.fences = fences;
    this.ids = fences.map((f) => f.id);
    this.kinds = fences.map((f) => f.kind);
    this.kindCode = Uint8Array.from(fences, (f) => (f.kind === "risk_zone" ? KIND_RISK_ZONE : KIND_CORRIDOR));

    let parts = 0;
    let rings = 0;
    let vertices = 0;
    for (const [fi, f] of fences.entries()) {
      if (!f.area || (f.area.type !== "Polygon" && f.area.type !== "MultiPolygon")) {
        throw new TypeError(`fences[${fi}].area must be a Polygon or MultiPolygon; validate it with validateFenceGeometry first`);
      }
      for (const poly of polygonsOf(f.area)) {
        parts++;
        for (const ring of poly) {
          if (ring.length < 4) throw new TypeError(`fences[${fi}] (${f.id}) has a ring with fewer than 4 positions; validate it with validateFenceGeometry first`);
          const first = ring[0]!;
          const last = ring[ring.length - 1]!;
          if (first[0] !== last[0] || first[1] !== last[1]) throw new TypeError(`fences[${fi}] (${f.id}) has an unclosed ring; validate it with validateFenceGeometry first`);
          rings++;
          vertices += ring.length;
        }
      }
    }
    this.numParts = parts;
    this.coords = new Float64Array(vertices * 2);
    this.ringStart = new Uint32Array(rings + 1);
    this.partRingStart = new Uint32Array(parts + 1);
    this.partFence = new Uint32Array(parts);
    this.fencePartStart = new Uint32Array(fences.length + 1);
    this.partBox = new Float64Array(parts * 4);

    let p = 0;
    let r = 0;
    let v = 0;
    for (const [fi, f] of fences.entries()) {
      this.fencePartStart[fi] = p;
      for (const poly of polygonsOf(f.area)) {
        this.partFence[p] = fi;
        this.partRingStart[p] = r;
        let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
        for (const ring of poly) {
          this.ringStart[r++] = v;
          for (const pos of ring) {
            const x = pos[0];
            const y = pos[1];
            this.coords[2 * v] = x;
            this.coords[2 * v + 1] = y;
            v++;
            if (x < minX) minX = x;
            if (x > maxX) maxX = x;
            if (y < minY) minY = y;
            if (y > maxY) maxY = y;
          }
        }
        this.partBox.set([minX, minY, maxX, maxY], p * 4);
        p++;
      }
    }
    this.ringStart[r] = v;
    this.partRingStart[p] = r;
    this.fencePartStart[fences.length] = p;

    // Y bands: about one band per 2 edges of the part.
    this.partBandBase = new Uint32Array(parts);
    this.partBands = new Uint32Array(parts);
    this.partInvH = new Float64Array(parts);
    let totalBands = 0;
    for (let q = 0; q < parts; q++) {
      const edges = this.ringStart[this.partRingStart[q + 1]!]! - this.ringStart[this.partRingStart[q]!]! - (this.partRingStart[q + 1]! - this.partRingStart[q]!);
      const k = Math.max(1, Math.ceil(edges / 2));
      const h = this.partBox[4 * q + 3]! - this.partBox[4 * q + 1]!;
      this.partBandBase[q] = totalBands + q; // k + 1 offsets per part
      this.partBands[q] = k;
      this.partInvH[q] = h > 0 ? k / h : 0;
      totalBands += k;
    }
    this.bandOffsets = new Uint32Array(totalBands + parts);
    const bandRange = (q: number, v: number): [number, number] => {
      const y0 = this.coords[2 * v + 1]!, y1 = this.coords[2 * v + 3]!;
      const k = this.partBands[q]!, minY = this.partBox[4 * q + 1]!, inv = this.partInvH[q]!;
      const clamp = (b: number) => (b < 0 ? 0 : b >= k ? k - 1 : b);
      return [clamp(Math.floor((Math.min(y0, y1) - minY) * inv)), clamp(Math.floor((Math.max(y0, y1) - minY) * inv))];
    };
    const forEachEdge = (q: number, fn: (v: number) => void) => {
      for (let rr = this.partRingStart[q]!; rr < this.partRingStart[q + 1]!; rr++) for (let vv = this.ringStart[rr]!; vv < this.ringStart[rr + 1]! - 1; vv++) fn(vv);
    };
    // Two passes: count per band, then fill (CSR).
    const counts = new Uint32Array(totalBands + parts);
    for (let q = 0; q < parts; q++) {
      forEachEdge(q, (vv) => {
        const [b0, b1] = bandRange(q, vv);
        for (let b = b0; b <= b1; b++) counts[this.partBandBase[q]! + b]!++;
      });
    }
    let acc = 0;
    for (let q = 0; q < parts; q++) {
      const base = this.partBandBase[q]!;
      for (let b = 0; b <= this.partBands[q]!; b++) {
        this.bandOffsets[base + b] = acc;
        if (b < this.partBands[q]!) acc += counts[base + b]!;
      }
    }
    this.bandEdges = new Uint32Array(acc);
    const fill = this.bandOffsets.slice();
    for (let q = 0; q < parts; q++) {
      forEachEdge(q, (vv) => {
        const [b0, b1] = bandRange(q, vv);
        for (let b = b0; b <= b1; b++) this.bandEdges[fill[this.partBandBase[q]! + b]!++] = vv;
      });
    }

    if (parts > 0) {
      const tree = new Flatbush(parts);
      for (let i = 0; i < parts; i++) tree.add(this.partBox[4 * i]!, this.partBox[4 * i + 1]!, this.partBox[4 * i + 2]!, this.partBox[4 * i + 3]!);
      tree.finish();
      this.tree = tree;
      this.boxes = tree._boxes as Float64Array;
      this.treeIndices = tree._indices;
      this.levelBounds = tree._levelBounds;
      this.nodeSize = tree.nodeSize;
    } else {
      this.tree = null;
      this.boxes = new Float64Array(0);
      this.treeIndices = new Uint32Array(0);
      this.levelBounds = [];
      this.nodeSize = 16;
    }
    // A depth-first stab pushes at most nodeSize children per level.
    this.stack = new Int32Array(2 * (this.nodeSize * (this.levelBounds.length + 1) + 2));
    this.stamp = new Uint32Array(fences.length);
    this.found = new Uint32Array(fences.length);
  }

  /** Number of fences. */
  get size(): number {
    return this.ids.length;
  }

  /** The Flatbush buffer over part bboxes (for transfer to another thread with Flatbush.from). */
  get treeData(): ArrayBufferLike | null {
    return this.tree ? this.tree.data : null;
  }

  /**
   * Fills this.found with the indices of fences covering (x, y), in tree order (unsorted).
   * Hot path: no allocation, no checks.
   */
  private collect(x: number, y: number): number {
    this.foundCount = 0;
    if (this.tree === null) return 0;
    if (++this.stampValue === 0xffffffff) {
      this.stamp.fill(0);
      this.stampValue = 1;
    }
    const stampValue = this.stampValue;
    const { boxes, treeIndices, levelBounds, nodeSize, stack, coords, partFence, stamp, found, bandOffsets, bandEdges, partBandBase, partBands, partInvH } = this;
    const numItems4 = this.numParts * 4;
    let sp = 0;
    let nodeIndex = boxes.length - 4;
    let level = levelBounds.length - 1;
    for (;;) {
      const end = Math.min(nodeIndex + nodeSize * 4, levelBounds[level]!);
      const isNode = nodeIndex >= numItems4;
      for (let pos = nodeIndex; pos < end; pos += 4) {
        if (x < boxes[pos]! || y < boxes[pos + 1]! || x > boxes[pos + 2]! || y > boxes[pos + 3]!) continue;
        const index = treeIndices[pos >> 2]! | 0;
        if (isNode) {
          stack[sp++] = index;
          stack[sp++] = level - 1;
        } else {
          const fence = partFence[index]!;
          if (stamp[fence] === stampValue) continue; // another part of this fence already covers it
          if (locateBanded(coords, bandOffsets, bandEdges, partBandBase[index]!, partBands[index]!, boxes[pos + 1]!, partInvH[index]!, x, y) !== OUTSIDE) {
            stamp[fence] = stampValue;
            found[this.foundCount++] = fence;
          }
        }
      }
      if (sp === 0) break;
      level = stack[--sp]!;
      nodeIndex = stack[--sp]!;
    }
    return this.foundCount;
  }

  /** Indices of the fences covering (lon, lat), ascending. */
  containing(lon: number, lat: number): number[] {
    const n = this.collect(lon, lat);
    const out = Array.from(this.found.subarray(0, n));
    return out.sort((a, b) => a - b);
  }

  /** Ids of the corridors and risk zones covering (lon, lat), each list in fence-array order. */
  query(lon: number, lat: number): FenceQueryResult {
    const corridors: string[] = [];
    const risk_zones: string[] = [];
    for (const fi of this.containing(lon, lat)) {
      (this.kindCode[fi] === KIND_RISK_ZONE ? risk_zones : corridors).push(this.ids[fi]!);
    }
    return { corridors, risk_zones };
  }

  /** Batch query over lon,lat pairs; see FenceBatchResult. */
  queryMany(points: Float64Array): FenceBatchResult {
    if (points.length % 2 !== 0) throw new RangeError("points must hold lon,lat pairs (even length)");
    const n = points.length / 2;
    const offsets = new Uint32Array(n + 1);
    let out = new Uint32Array(Math.max(16, n));
    let m = 0;
    for (let i = 0; i < n; i++) {
      offsets[i] = m;
      const k = this.collect(points[2 * i]!, points[2 * i + 1]!);
      if (k === 0) continue;
      if (m + k > out.length) {
        const bigger = new Uint32Array(Math.max(out.length * 2, m + k));
        bigger.set(out);
        out = bigger;
      }
      const found = this.found;
      if (k === 1) {
        out[m++] = found[0]!;
      } else {
        const s = found.subarray(0, k).sort();
        out.set(s, m);
        m += k;
      }
    }
    offsets[n] = m;
    return { offsets, fences: out.slice(0, m) };
  }

  /** Counts, for each lon,lat pair, how many fences cover it (the benchmark's cheapest full check). */
  countMany(points: Float64Array, out: Uint32Array = new Uint32Array(points.length >> 1)): Uint32Array {
    const n = points.length >> 1;
    for (let i = 0; i < n; i++) out[i] = this.collect(points[2 * i]!, points[2 * i + 1]!);
    return out;
  }

  /** Where (lon, lat) lies relative to fence `fence`: OUTSIDE, INSIDE or BOUNDARY (exact). */
  locate(fence: number, lon: number, lat: number): Location {
    const p1 = this.fencePartStart[fence + 1]!;
    let result: Location = OUTSIDE;
    for (let p = this.fencePartStart[fence]!; p < p1; p++) {
      const b = 4 * p;
      if (lon < this.partBox[b]! || lat < this.partBox[b + 1]! || lon > this.partBox[b + 2]! || lat > this.partBox[b + 3]!) continue;
      const loc = locateBanded(this.coords, this.bandOffsets, this.bandEdges, this.partBandBase[p]!, this.partBands[p]!, this.partBox[b + 1]!, this.partInvH[p]!, lon, lat);
      if (loc === INSIDE) return INSIDE;
      if (loc === BOUNDARY) result = BOUNDARY;
    }
    return result;
  }

  /** True when fence `fence` covers (lon, lat) (inside or on its border). */
  covers(fence: number, lon: number, lat: number): boolean {
    return this.locate(fence, lon, lat) !== OUTSIDE;
  }

  /**
   * The `cross` test: true when neither endpoint is covered by fence `fence` but the straight
   * lon/lat segment between them meets the fence's closed area (touching the border counts).
   */
  segmentCrossesArea(lon1: number, lat1: number, lon2: number, lat2: number, fence: number): boolean {
    if (this.covers(fence, lon1, lat1) || this.covers(fence, lon2, lat2)) return false;
    const minX = Math.min(lon1, lon2), maxX = Math.max(lon1, lon2);
    const minY = Math.min(lat1, lat2), maxY = Math.max(lat1, lat2);
    const p1 = this.fencePartStart[fence + 1]!;
    for (let p = this.fencePartStart[fence]!; p < p1; p++) {
      const b = 4 * p;
      if (maxX < this.partBox[b]! || maxY < this.partBox[b + 1]! || minX > this.partBox[b + 2]! || minY > this.partBox[b + 3]!) continue;
      if (segmentTouchesPartBorder(this.coords, this.ringStart, this.partRingStart, p, lon1, lat1, lon2, lat2)) return true;
    }
    return false;
  }

  /** Indices of the fences the segment crosses (see segmentCrossesArea), ascending. */
  crossedBy(lon1: number, lat1: number, lon2: number, lat2: number): number[] {
    if (this.tree === null) return [];
    const parts = this.tree.search(Math.min(lon1, lon2), Math.min(lat1, lat2), Math.max(lon1, lon2), Math.max(lat1, lat2));
    const fences = [...new Set(parts.map((p) => this.partFence[p]!))].sort((a, b) => a - b);
    return fences.filter((f) => this.segmentCrossesArea(lon1, lat1, lon2, lat2, f));
  }
}
