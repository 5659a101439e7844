// Analyzers: pure, per-animal detectors fed the same accepted in-order fixes as the fence tracker.
// No I/O and no timers: time comes from fix timestamps. (Silence — collar_offline — needs a clock
// and must also cover animals whose actor is passivated, so it lives in engine/offline-watch.ts.)
//
// An analyzer reads the animal's recent history from the actor's FixWindow (`RecentFixes`) instead
// of keeping its own copy, so its state is a few scalars and a snapshot of it a few bytes.
//
// The `Analyzer` interface is the hook for detectors that arrive later (behaviour_change from the
// behaviour model, predicted_risk_entry from the movement predictor): implement it, give it a
// serialisable state, and add it to an AnalyzerSet (or pass a factory in `extra`).
import type { QualityFlag } from "../types.ts";

export type AnalyzerAlertKind = "speed_anomaly" | "immobility" | "collar_offline" | "low_battery" | "behaviour_change" | "predicted_risk_entry";
export type AnalyzerSeverity = "info" | "warning" | "critical";

/** The fields analyzers read from a fix (a FixRecord satisfies it). */
export interface AnalyzerFix {
  ts: number; // epoch ms
  lat: number;
  lon: number;
  battery?: number | null; // percent
  quality?: readonly QualityFlag[];
}

/**
 * The animal's accepted fixes, newest first: index 0 is the fix being analysed, 1 the one before,
 * up to size - 1. Derived values are NaN when unknown. FixWindow implements it.
 */
export interface RecentFixes {
  readonly size: number;
  tsAt(i: number): number;
  latAt(i: number): number;
  lonAt(i: number): number;
  /** Metres from fix i + 1 to fix i. */
  stepAt(i: number): number;
  /** km/h over that step. */
  speedAt(i: number): number;
  /** Seconds from fix i + 1 to fix i. */
  intervalAt(i: number): number;
}

/** A candidate alert (the caller adds id, animal, collar, herd). `fence` is always null here. */
export interface AnalyzerAlert {
  kind: AnalyzerAlertKind | (string & {});
  ts: number; // epoch ms: the fix time
  lat: number | null;
  lon: number | null;
  severity: AnalyzerSeverity;
  detail: Record<string, unknown>;
}

/** Who the animal is (analyzers may use species for thresholds). */
export interface AnalyzerAnimal {
  species: string;
  herd: string | null;
}

export interface Analyzer {
  /** The alert kind (also the key of its state in AnalyzerSet snapshots). */
  readonly kind: string;
  /**
   * One accepted fix, strictly later than the previous one (AnalyzerSet guarantees this), with the
   * history it ends (`recent.tsAt(0) === fix.ts`). Returns at most one alert: null on the hot path
   * allocates nothing.
   */
  onFix(fix: AnalyzerFix, recent: RecentFixes): AnalyzerAlert | null;
  /** Small plain-JSON state for the actor snapshot. */
  toJSON(): unknown;
}

/** Builds an analyzer for one animal, from its snapshot state when there is one. */
export type AnalyzerFactory = (animal: AnalyzerAnimal, state: unknown) => Analyzer;

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function num(x: unknown): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/**
 * Median of `from(i)` for i in [start, end), skipping NaN; NaN when fewer than `minCount` values
 * are known. Sorts into a shared scratch buffer: the
 * engine is single-threaded and callers never hold the result across calls, so no allocation.
 */
const scratch = new Float64Array(256);
export function medianOf(from: (i: number) => number, start: number, end: number, minCount = 1): number {
  let n = 0;
  for (let i = start; i < end && n < scratch.length; i++) {
    const v = from(i);
    if (!Number.isNaN(v)) scratch[n++] = v;
  }
  if (n === 0 || n < minCount) return NaN;
  const s = scratch.subarray(0, n).sort();
  const m = n >> 1;
  return n % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function median(xs: readonly number[]): number {
  return medianOf((i) => xs[i]!, 0, xs.length);
}
