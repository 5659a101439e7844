// FenceTracker: one animal's fence state and the fence alerts its fixes raise.
//
// Pure and synchronous: no I/O, no timers; all time comes from fix timestamps (epoch ms). Feed it
// the animal's accepted fixes in time order (`update`); it returns candidate alerts for that fix,
// in a deterministic order (ascending fence index; for one fence the transition alert before
// risk_dwell). Consecutive calls therefore yield alerts in fix-time order.
//
// Late fixes: a fix whose ts is not strictly after the last fix the tracker accepted, or that
// carries a quality flag in IGNORED_FLAGS (out_of_order, zero_island, future, impossible_speed), is
// ignored: it returns [] and leaves the state untouched. So a late fix never produces an alert,
// and never one out of order.
//
// State (small, JSON; see FenceTrackerState): the last accepted fix, and one entry per fence that the
// animal is inside, or whose area covered the last fix (needed for hysteresis). A fence absent
// from the state is "outside, last fix not covered". Plus the last alert time per (fence, kind),
// only while a quiet period is running.
//
// Fence changes (the caller passes the current FenceIndex to every update; it is rebuilt when fences
// change): state is keyed by fence id. When the index differs from the previous call (or after
// fromJSON), the tracker re-baselines silently against the last accepted fix:
//   - a fence that disappeared (or no longer applies to this animal) drops its state, no alert;
//   - a fence whose geometry or kind changed gets its inside/outside state recomputed from the last
//     fix against the new geometry, no alert (moving a border is not an animal moving);
//   - a new fence that covers the last fix starts as "inside" (since = that fix), no alert.
// The current fix is then judged normally, so an animal that really walks into a new fence after
// it was drawn gets its enter alert.
//
// Rules (FenceRules):
//   - kinds: alert kinds the fence raises; empty/absent = DEFAULT_KINDS[fence.kind];
//   - species / herds: the fence only applies to animals whose species (case-insensitive, or same
//     species profile such as "elephant" ~ "Loxodonta africana") / herd is listed;
//   - dwell_s: risk_dwell fires once per stay, at the first fix at least dwell_s after entry
//     (default DEFAULT_DWELL_S); a stay starts at the enter fix (or the first fix seen inside);
//   - quiet_s: no repeat of the same (fence, kind) alert within quiet_s of the last emitted one
//     (suppressed alerts do not restart the quiet period); state transitions still happen;
//   - hysteresis_m: see transitions.ts.
// First fix: the first fix ever (or a fence seen for the first time) sets the state without an
// enter alert (Tile38's "inside"); dwell still counts from it.
import { speciesProfile } from "../species.ts";
import type { QualityFlag } from "../types.ts";
import { OUTSIDE, type FenceIndex } from "./index.ts";
import { fenceTransition, isInsideAfter, type Transition } from "./transitions.ts";
import type { Fence, FenceKind } from "./types.ts";

export type FenceAlertKind = "corridor_enter" | "corridor_exit" | "risk_enter" | "risk_exit" | "risk_dwell" | "fence_cross";
export type AlertSeverity = "info" | "warning" | "critical";

export const FENCE_ALERT_KINDS: readonly FenceAlertKind[] = ["corridor_enter", "corridor_exit", "risk_enter", "risk_exit", "risk_dwell", "fence_cross"];

/** Kinds a fence raises when its rules name none. */
export const DEFAULT_KINDS: Readonly<Record<FenceKind, readonly FenceAlertKind[]>> = {
  corridor: ["corridor_enter", "corridor_exit", "fence_cross"],
  risk_zone: ["risk_enter", "risk_exit", "risk_dwell", "fence_cross"],
};

/** risk_dwell threshold when the fence's rules have no dwell_s. */
export const DEFAULT_DWELL_S = 3600;

/** Fixes with any of these flags are not fed to fence logic. */
export const IGNORED_FLAGS: readonly QualityFlag[] = ["out_of_order", "zero_island", "future", "impossible_speed"];

export interface FenceAlert {
  kind: FenceAlertKind;
  /** Fence id. */
  fence: string;
  /** Fix time, epoch ms. */
  ts: number;
  lat: number;
  lon: number;
  severity: AlertSeverity;
  detail: Record<string, unknown>;
}

/** What the tracker needs from a fix. */
export interface TrackerFix {
  ts: number;
  lat: number;
  lon: number;
  quality?: readonly QualityFlag[];
}

/** Who the animal is, for species / herd rules. */
export interface TrackerAnimal {
  species: string;
  herd: string | null;
}

/** Per-fence entry. */
export interface FenceEntryState {
  /** Geometry signature (see fenceSignature) the state was computed against. */
  g: string;
  /** State: inside (after hysteresis). */
  in: boolean;
  /** Start of the current stay (epoch ms) when inside, else null. */
  since: number | null;
  /** risk_dwell already fired (or decided) in this stay. */
  dw: boolean;
}

/** Serialisable state (plain JSON). */
export interface FenceTrackerState {
  v: 1;
  last: { ts: number; lat: number; lon: number } | null;
  fences: Record<string, FenceEntryState>;
  /** fence id → alert kind → ts of the last emitted alert (only while within a quiet period). */
  quiet: Record<string, Partial<Record<FenceAlertKind, number>>>;
}

const SEVERITY: Record<FenceAlertKind, AlertSeverity> = {
  corridor_enter: "info",
  corridor_exit: "warning",
  risk_enter: "critical",
  risk_exit: "info",
  risk_dwell: "critical",
  fence_cross: "warning", // for risk zones; corridor crossings are "info" (see alertFor)
};

const sigCache = new WeakMap<Fence, string>();

/** Short signature of a fence's kind and geometry (FNV-1a over its JSON), cached per Fence object. */
export function fenceSignature(f: Fence): string {
  let s = sigCache.get(f);
  if (s === undefined) {
    const text = f.kind + JSON.stringify(f.area);
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    s = (h >>> 0).toString(36) + "." + text.length.toString(36);
    sigCache.set(f, s);
  }
  return s;
}

const idMaps = new WeakMap<FenceIndex, Map<string, number>>();
function idMap(index: FenceIndex): Map<string, number> {
  let m = idMaps.get(index);
  if (!m) {
    m = new Map(index.ids.map((id, i) => [id, i]));
    idMaps.set(index, m);
  }
  return m;
}

/** Whether fence rules (species / herds) apply to this animal. */
export function fenceAppliesTo(f: Fence, animal: TrackerAnimal): boolean {
  const { species, herds } = f.rules ?? {};
  if (species && species.length > 0) {
    const mine = animal.species.toLowerCase();
    const myKey = speciesProfile(animal.species).key;
    const ok = species.some((s) => s.toLowerCase() === mine || (myKey !== "unknown" && speciesProfile(s).key === myKey));
    if (!ok) return false;
  }
  if (herds && herds.length > 0) {
    if (animal.herd === null || !herds.includes(animal.herd)) return false;
  }
  return true;
}

function kindsOf(f: Fence): readonly string[] {
  const k = f.rules?.kinds;
  return k && k.length > 0 ? k : DEFAULT_KINDS[f.kind];
}

function transitionKind(t: Transition, fk: FenceKind): FenceAlertKind | null {
  switch (t) {
    case "enter":
      return fk === "corridor" ? "corridor_enter" : "risk_enter";
    case "exit":
      return fk === "corridor" ? "corridor_exit" : "risk_exit";
    case "cross":
      return "fence_cross";
    default:
      return null;
  }
}

export class FenceTracker {
  private state: FenceTrackerState;
  private lastIndex: FenceIndex | null = null;

  constructor(
    private animal: TrackerAnimal,
    state?: FenceTrackerState,
  ) {
    this.state = state ? structuredClone(state) : { v: 1, last: null, fences: {}, quiet: {} };
  }

  static fromJSON(animal: TrackerAnimal, json: unknown): FenceTracker {
    const s = json as FenceTrackerState | null | undefined;
    if (!s || s.v !== 1 || typeof s.fences !== "object" || typeof s.quiet !== "object") return new FenceTracker(animal);
    return new FenceTracker(animal, s);
  }

  toJSON(): FenceTrackerState {
    return structuredClone(this.state);
  }

  /** Species / herd changed (e.g. the animal moved herd): takes effect at the next update. */
  setAnimal(animal: TrackerAnimal): void {
    this.animal = animal;
    this.lastIndex = null;
  }

  /** Ts of the last accepted fix, or null. */
  get lastTs(): number | null {
    return this.state.last?.ts ?? null;
  }

  /** Ids of the fences the animal is currently inside (state after hysteresis), sorted. */
  insideFences(): string[] {
    return Object.entries(this.state.fences)
      .filter(([, e]) => e.in)
      .map(([id]) => id)
      .sort();
  }

  /** Processes one fix; returns its candidate alerts ([] for a late or ignored fix). */
  update(fix: TrackerFix, index: FenceIndex): FenceAlert[] {
    const last = this.state.last;
    if (last !== null && !(fix.ts > last.ts)) return [];
    if (fix.quality && fix.quality.some((q) => IGNORED_FLAGS.includes(q))) return [];
    if (!Number.isFinite(fix.ts) || !Number.isFinite(fix.lat) || !Number.isFinite(fix.lon)) return [];
    if (index !== this.lastIndex) {
      this.rebaseline(index);
      this.lastIndex = index;
    }
    const ids = idMap(index);
    const cand = new Set<number>(index.containing(fix.lon, fix.lat));
    for (const id of Object.keys(this.state.fences)) {
      const fi = ids.get(id);
      if (fi !== undefined) cand.add(fi);
    }
    if (last) for (const fi of index.crossedBy(last.lon, last.lat, fix.lon, fix.lat)) cand.add(fi);

    const alerts: FenceAlert[] = [];
    for (const fi of [...cand].sort((a, b) => a - b)) {
      const f = index.fences[fi]!;
      if (!fenceAppliesTo(f, this.animal)) continue;
      const entry = this.state.fences[f.id];
      const wasInside = entry ? entry.in : last ? false : null;
      const t = fenceTransition(last, fix, fi, index, wasInside, f.rules?.hysteresis_m ?? 0);
      const inside = isInsideAfter(t);
      const covered = index.locate(fi, fix.lon, fix.lat) !== OUTSIDE;
      const since = inside ? (entry?.in && entry.since !== null ? entry.since : fix.ts) : null;
      const next: FenceEntryState = { g: fenceSignature(f), in: inside, since, dw: inside && entry?.in === true ? entry.dw : false };
      const kinds = kindsOf(f);

      const tk = transitionKind(t, f.kind);
      if (tk && kinds.includes(tk)) {
        this.emit(alerts, f, tk, fix, t === "cross" && last ? { from: { ts: last.ts, lat: last.lat, lon: last.lon } } : {});
      }
      if (f.kind === "risk_zone" && inside && !next.dw && since !== null) {
        const dwellS = f.rules?.dwell_s ?? DEFAULT_DWELL_S;
        if (fix.ts - since >= dwellS * 1000) {
          next.dw = true;
          if (kinds.includes("risk_dwell")) this.emit(alerts, f, "risk_dwell", fix, { since: since, dwell_s: (fix.ts - since) / 1000, threshold_s: dwellS });
        }
      }
      if (inside || covered) this.state.fences[f.id] = next;
      else delete this.state.fences[f.id];
    }
    this.pruneQuiet(index, fix.ts);
    this.state.last = { ts: fix.ts, lat: fix.lat, lon: fix.lon };
    return alerts;
  }

  private emit(out: FenceAlert[], f: Fence, kind: FenceAlertKind, fix: TrackerFix, extra: Record<string, unknown>): void {
    const quietS = f.rules?.quiet_s ?? 0;
    if (quietS > 0) {
      const q = (this.state.quiet[f.id] ??= {});
      const prev = q[kind];
      if (prev !== undefined && fix.ts - prev < quietS * 1000) return;
      q[kind] = fix.ts;
    }
    const severity: AlertSeverity = kind === "fence_cross" && f.kind === "corridor" ? "info" : SEVERITY[kind];
    out.push({
      kind,
      fence: f.id,
      ts: fix.ts,
      lat: fix.lat,
      lon: fix.lon,
      severity,
      detail: { fence_name: f.name, fence_kind: f.kind, ...extra },
    });
  }

  private pruneQuiet(index: FenceIndex, now: number): void {
    const ids = idMap(index);
    for (const [id, kinds] of Object.entries(this.state.quiet)) {
      const fi = ids.get(id);
      const quietMs = fi === undefined ? 0 : (index.fences[fi]!.rules?.quiet_s ?? 0) * 1000;
      for (const [k, ts] of Object.entries(kinds) as [FenceAlertKind, number][]) {
        if (now - ts >= quietMs) delete kinds[k];
      }
      if (Object.keys(kinds).length === 0) delete this.state.quiet[id];
    }
  }

  /** Aligns the state with a (possibly) new set of fences, silently (see the header). */
  private rebaseline(index: FenceIndex): void {
    const ids = idMap(index);
    const last = this.state.last;
    for (const [id, e] of Object.entries(this.state.fences)) {
      const fi = ids.get(id);
      const f = fi === undefined ? undefined : index.fences[fi];
      if (fi === undefined || !f || !fenceAppliesTo(f, this.animal)) {
        delete this.state.fences[id];
        continue;
      }
      const g = fenceSignature(f);
      if (e.g === g) continue;
      const covered = last !== null && index.locate(fi, last.lon, last.lat) !== OUTSIDE;
      if (covered) this.state.fences[id] = { g, in: true, since: e.in ? e.since : last.ts, dw: e.in ? e.dw : false };
      else delete this.state.fences[id];
    }
    for (const id of Object.keys(this.state.quiet)) if (!ids.has(id)) delete this.state.quiet[id];
    if (last === null) return;
    for (const fi of index.containing(last.lon, last.lat)) {
      const f = index.fences[fi]!;
      if (this.state.fences[f.id] || !fenceAppliesTo(f, this.animal)) continue;
      this.state.fences[f.id] = { g: fenceSignature(f), in: true, since: last.ts, dw: false };
    }
  }
}
