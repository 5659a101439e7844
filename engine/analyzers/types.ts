// Analyzers: pure, per-animal detectors fed the same accepted in-order fixes as the fence tracker.
// No I/O and no timers: time comes from fix timestamps, except for clock-driven analyzers
// (collar_offline), whose `onClock(now)` the caller runs periodically.
//
// The `Analyzer` interface is the hook for detectors that arrive later (behaviour_change from the
// behaviour model, predicted_risk_entry from the movement predictor): implement it, give it a
// serialisable state, and add it to an AnalyzerSet.
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

/** A candidate alert (the caller adds id, animal, collar, herd). `fence` is always null here. */
export interface AnalyzerAlert {
  kind: AnalyzerAlertKind | (string & {});
  ts: number; // epoch ms: the fix time, or `now` for clock-driven alerts
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
  /** One accepted fix, strictly later than the previous one (AnalyzerSet guarantees this). */
  onFix(fix: AnalyzerFix): AnalyzerAlert[];
  /** Clock tick (epoch ms) for analyzers that fire on the absence of fixes. */
  onClock?(now: number): AnalyzerAlert[];
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
