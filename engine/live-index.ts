// In-memory spatial index of live positions (GET /nearby/animals, /nearby/families).
//
// Exact and fast at once: a static kdbush tree over the positions as of the last rebuild, queried with
// geokdbush (great-circle nearest-first search), plus the small set of positions that changed since
// then ("fresh"), checked by brute force. A fresh animal's entry in the static tree is stale: it is
// masked by the search predicate, so every animal is found exactly once, at its latest position.
// The tree is rebuilt (off the query path, on setImmediate) once the fresh set grows past a fraction
// of the index; a query never sees more than `maxFresh` positions to scan by brute force, because past
// that it rebuilds synchronously first.
//
// Distances are haversine on the mean Earth radius (engine/geo.ts), the same everywhere in the engine;
// geokdbush (radius 6371 km) only proposes candidates, with a search radius widened to cover the
// difference, and every candidate is measured and filtered again exactly.
import KDBush from "kdbush";
import { around } from "geokdbush";
import { EARTH_RADIUS_M, haversineDistance } from "./geo.ts";
import type { LivePosition } from "./types.ts";

export interface NearbyHit {
  position: LivePosition;
  distance_m: number;
}

export interface LiveIndexOptions {
  /** Rebuild (on the next turn of the event loop) once this many positions changed; default max(1024, size/32). */
  rebuildAt?: number;
  /** Never scan more than this many fresh positions in a query: rebuild first; default max(8192, size/8). */
  maxFresh?: number;
  /** Schedule rebuilds by itself (default true); false for tests that call rebuild(). */
  autoRebuild?: boolean;
}

interface Entry {
  position: LivePosition;
  ms: number; // ts in epoch ms
  slot: number; // index in the static tree, -1 when not in it
}

const GEOKDBUSH_RADIUS_KM = 6371;

export class LiveIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly fresh = new Set<Entry>(); // changed or added since the last rebuild
  private readonly byFamily = new Map<string, Set<string>>();
  private tree: KDBush | null = null;
  private slots: Entry[] = []; // static tree id → entry
  private stale = new Uint8Array(0); // static tree id → 1 when masked (moved or removed since)
  private rebuildScheduled = false;
  private readonly autoRebuild: boolean;

  rebuilds = 0;

  constructor(private readonly opts: LiveIndexOptions = {}) {
    this.autoRebuild = opts.autoRebuild ?? true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Positions changed since the last rebuild (scanned by brute force in each query). */
  get freshCount(): number {
    return this.fresh.size;
  }

  get(animal: string): LivePosition | undefined {
    return this.entries.get(animal)?.position;
  }

  /** Records an accepted live position; an older one than what the index holds is ignored. */
  update(position: LivePosition): void {
    const ms = Date.parse(position.ts);
    const old = this.entries.get(position.animal);
    if (old && ms < old.ms) return;
    if (old) {
      if (old.slot >= 0) this.stale[old.slot] = 1;
      this.fresh.delete(old);
      if (old.position.family !== position.family) this.unlinkFamily(old.position);
    }
    const entry: Entry = { position, ms, slot: -1 };
    this.entries.set(position.animal, entry);
    this.fresh.add(entry);
    if (position.family !== null) {
      let members = this.byFamily.get(position.family);
      if (!members) this.byFamily.set(position.family, (members = new Set()));
      members.add(position.animal);
    }
    this.maybeScheduleRebuild();
  }

  remove(animal: string): void {
    const old = this.entries.get(animal);
    if (!old) return;
    if (old.slot >= 0) this.stale[old.slot] = 1;
    this.fresh.delete(old);
    this.entries.delete(animal);
    this.unlinkFamily(old.position);
    this.maybeScheduleRebuild();
  }

  /** Latest live positions of a family's members. */
  familyMembers(family: string): LivePosition[] {
    const out: LivePosition[] = [];
    for (const animal of this.byFamily.get(family) ?? []) {
      const e = this.entries.get(animal);
      if (e) out.push(e.position);
    }
    return out;
  }

  /** Families with at least one live member. */
  families(): string[] {
    return [...this.byFamily.keys()];
  }

  /**
   * Live positions within radiusM metres (great circle) of (lat, lon), nearest first (ties by animal
   * id), skipping the first `offset`, at most `limit`.
   */
  nearby(lat: number, lon: number, radiusM: number, limit = Infinity, offset = 0): NearbyHit[] {
    if (this.fresh.size > this.maxFresh()) this.rebuild();
    const want = limit === Infinity ? Infinity : offset + limit;
    const hits: NearbyHit[] = [];
    if (this.tree && this.slots.length > 0) {
      // geokdbush measures on a 6371 km sphere: widen its radius so nothing within ours is missed.
      const km = (radiusM / 1000) * (GEOKDBUSH_RADIUS_KM * 1000 / EARTH_RADIUS_M) * (1 + 1e-9) + 1e-6;
      const stale = this.stale;
      // A few extra candidates absorb ordering differences between the two distance formulas at ties.
      const ids = around(this.tree, lon, lat, want === Infinity ? Infinity : want + 16, km, (id) => stale[id] === 0);
      for (const id of ids) {
        const e = this.slots[id]!;
        const d = haversineDistance(lat, lon, e.position.lat, e.position.lon);
        if (d <= radiusM) hits.push({ position: e.position, distance_m: d });
      }
    }
    for (const e of this.fresh) {
      const d = haversineDistance(lat, lon, e.position.lat, e.position.lon);
      if (d <= radiusM) hits.push({ position: e.position, distance_m: d });
    }
    hits.sort((a, b) => a.distance_m - b.distance_m || (a.position.animal < b.position.animal ? -1 : a.position.animal > b.position.animal ? 1 : 0));
    return hits.slice(offset, want === Infinity ? undefined : want);
  }

  /** Rebuilds the static tree from every current position; the fresh set becomes empty. */
  rebuild(): void {
    const n = this.entries.size;
    this.slots = new Array<Entry>(n);
    this.stale = new Uint8Array(n);
    if (n === 0) {
      this.tree = null;
    } else {
      const tree = new KDBush(n);
      let i = 0;
      for (const e of this.entries.values()) {
        e.slot = tree.add(e.position.lon, e.position.lat);
        this.slots[i++] = e;
      }
      tree.finish();
      this.tree = tree;
    }
    this.fresh.clear();
    this.rebuilds++;
  }

  private maxFresh(): number {
    return this.opts.maxFresh ?? Math.max(8192, this.entries.size >> 3);
  }

  private maybeScheduleRebuild(): void {
    if (!this.autoRebuild || this.rebuildScheduled) return;
    const at = this.opts.rebuildAt ?? Math.max(1024, this.entries.size >> 5);
    // Removals leave masked slots behind: count them too.
    if (this.fresh.size < at && this.slots.length - this.entries.size < at) return;
    this.rebuildScheduled = true;
    setImmediate(() => {
      this.rebuildScheduled = false;
      this.rebuild();
    });
  }

  private unlinkFamily(p: LivePosition): void {
    if (p.family === null) return;
    const members = this.byFamily.get(p.family);
    if (!members) return;
    members.delete(p.animal);
    if (members.size === 0) this.byFamily.delete(p.family);
  }
}

/** Centroid of points on the sphere (mean of unit vectors), so families across the antimeridian work. */
export function sphericalCentroid(points: ReadonlyArray<{ lat: number; lon: number }>): { lat: number; lon: number } | null {
  if (points.length === 0) return null;
  const RAD = Math.PI / 180;
  let x = 0;
  let y = 0;
  let z = 0;
  for (const p of points) {
    const la = p.lat * RAD;
    const lo = p.lon * RAD;
    x += Math.cos(la) * Math.cos(lo);
    y += Math.cos(la) * Math.sin(lo);
    z += Math.sin(la);
  }
  const h = Math.hypot(x, y);
  if (h === 0 && z === 0) return null; // antipodal points: no meaningful centre
  return { lat: Math.atan2(z, h) / RAD, lon: h === 0 ? 0 : Math.atan2(y, x) / RAD };
}
