// AnalyzerSet: the per-animal bundle of analyzers, with one snapshot state and one late-fix guard.
//
// `onFix` feeds an accepted fix to every analyzer and returns their alerts in registration order
// (all at the fix's time). A fix not strictly later than the last one accepted, or flagged
// out_of_order / zero_island / future / impossible_speed, is ignored (returns [], state untouched):
// a late fix never produces an alert. `checkOffline(now)` (alias `onClock`) runs the clock-driven
// analyzers. More analyzers (behaviour_change, predicted_risk_entry) plug in through `add` or the
// `extra` factories of `createAnalyzerSet`.
import type { QualityFlag } from "../types.ts";
import { CollarOfflineAnalyzer, COLLAR_OFFLINE_DEFAULTS, type CollarOfflineConfig } from "./collar-offline.ts";
import { IMMOBILITY_DEFAULTS, ImmobilityAnalyzer, type ImmobilityConfig } from "./immobility.ts";
import { LOW_BATTERY_DEFAULTS, LowBatteryAnalyzer, type LowBatteryConfig } from "./low-battery.ts";
import { SpeedAnomalyAnalyzer, speedAnomalyDefaults, type SpeedAnomalyConfig } from "./speed-anomaly.ts";
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerAnimal, type AnalyzerFactory, type AnalyzerFix } from "./types.ts";

export * from "./types.ts";
export * from "./speed-anomaly.ts";
export * from "./immobility.ts";
export * from "./collar-offline.ts";
export * from "./low-battery.ts";

export const ANALYZER_IGNORED_FLAGS: readonly QualityFlag[] = ["out_of_order", "zero_island", "future", "impossible_speed"];

export interface AnalyzerSetConfig {
  speed_anomaly?: Partial<SpeedAnomalyConfig> | false;
  immobility?: Partial<ImmobilityConfig> | false;
  collar_offline?: Partial<CollarOfflineConfig> | false;
  low_battery?: Partial<LowBatteryConfig> | false;
  /** Further analyzers by kind (the hook for behaviour_change, predicted_risk_entry, …). */
  extra?: Record<string, AnalyzerFactory>;
}

export interface AnalyzerSetState {
  v: 1;
  lastTs: number | null;
  analyzers: Record<string, unknown>;
}

export class AnalyzerSet {
  private readonly list: Analyzer[] = [];
  private lastTs: number | null;

  constructor(analyzers: Analyzer[] = [], lastTs: number | null = null) {
    for (const a of analyzers) this.add(a);
    this.lastTs = lastTs;
  }

  /** Adds an analyzer (replacing one of the same kind). */
  add(a: Analyzer): void {
    const i = this.list.findIndex((x) => x.kind === a.kind);
    if (i >= 0) this.list[i] = a;
    else this.list.push(a);
  }

  get(kind: string): Analyzer | undefined {
    return this.list.find((a) => a.kind === kind);
  }

  get kinds(): string[] {
    return this.list.map((a) => a.kind);
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert[] {
    if (this.lastTs !== null && !(fix.ts > this.lastTs)) return [];
    if (fix.quality && fix.quality.some((q) => ANALYZER_IGNORED_FLAGS.includes(q))) return [];
    if (!Number.isFinite(fix.ts) || !Number.isFinite(fix.lat) || !Number.isFinite(fix.lon)) return [];
    this.lastTs = fix.ts;
    const out: AnalyzerAlert[] = [];
    for (const a of this.list) out.push(...a.onFix(fix));
    return out;
  }

  checkOffline(now: number): AnalyzerAlert[] {
    const out: AnalyzerAlert[] = [];
    for (const a of this.list) if (a.onClock) out.push(...a.onClock(now));
    return out;
  }

  onClock(now: number): AnalyzerAlert[] {
    return this.checkOffline(now);
  }

  toJSON(): AnalyzerSetState {
    const analyzers: Record<string, unknown> = {};
    for (const a of this.list) analyzers[a.kind] = a.toJSON();
    return { v: 1, lastTs: this.lastTs, analyzers };
  }
}

/** The standard analyzers for one animal (defaults merged with `config`), restored from `state`. */
export function createAnalyzerSet(animal: AnalyzerAnimal, config: AnalyzerSetConfig = {}, state?: unknown): AnalyzerSet {
  const st = isRecord(state) && state.v === 1 && isRecord(state.analyzers) ? state : null;
  const sub = (k: string): unknown => (st ? (st.analyzers as Record<string, unknown>)[k] : undefined);
  const list: Analyzer[] = [];
  if (config.speed_anomaly !== false) list.push(new SpeedAnomalyAnalyzer({ ...speedAnomalyDefaults(animal), ...config.speed_anomaly }, sub("speed_anomaly")));
  if (config.immobility !== false) list.push(new ImmobilityAnalyzer({ ...IMMOBILITY_DEFAULTS, ...config.immobility }, sub("immobility")));
  if (config.collar_offline !== false) list.push(new CollarOfflineAnalyzer({ ...COLLAR_OFFLINE_DEFAULTS, ...config.collar_offline }, sub("collar_offline")));
  if (config.low_battery !== false) list.push(new LowBatteryAnalyzer({ ...LOW_BATTERY_DEFAULTS, ...config.low_battery }, sub("low_battery")));
  for (const [kind, factory] of Object.entries(config.extra ?? {})) list.push(factory(animal, sub(kind)));
  return new AnalyzerSet(list, st ? num(st.lastTs) : null);
}
