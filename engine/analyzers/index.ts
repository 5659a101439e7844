// AnalyzerSet: the per-animal bundle of analyzers, with one snapshot state and one late-fix guard.
//
// `onFix` feeds an accepted fix to every analyzer and returns their alerts in registration order
// (all at the fix's time). A fix not strictly later than the last one accepted, or flagged
// out_of_order / zero_island / future / impossible_speed, is ignored (returns [], state untouched):
// a late fix never produces an alert. The actor passes its FixWindow as the history; used on its
// own (tests, tools), the set keeps a window of its own.
// More analyzers (behaviour_change, predicted_risk_entry) plug in through `add` or the `extra`
// factories of `createAnalyzerSet`.
import { FixWindow } from "../fix-window.ts";
import { deriveMetrics } from "../movement-metrics.ts";
import type { QualityFlag } from "../types.ts";
import { IMMOBILITY_DEFAULTS, ImmobilityAnalyzer, type ImmobilityConfig } from "./immobility.ts";
import { LOW_BATTERY_DEFAULTS, LowBatteryAnalyzer, type LowBatteryConfig } from "./low-battery.ts";
import { SpeedAnomalyAnalyzer, speedAnomalyDefaults, type SpeedAnomalyConfig } from "./speed-anomaly.ts";
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerAnimal, type AnalyzerFactory, type AnalyzerFix, type RecentFixes } from "./types.ts";

export * from "./types.ts";
export * from "./speed-anomaly.ts";
export * from "./immobility.ts";
export * from "./low-battery.ts";

export const ANALYZER_IGNORED_FLAGS: readonly QualityFlag[] = ["out_of_order", "zero_island", "future", "impossible_speed"];

export interface AnalyzerSetConfig {
  speed_anomaly?: Partial<SpeedAnomalyConfig> | false;
  immobility?: Partial<ImmobilityConfig> | false;
  low_battery?: Partial<LowBatteryConfig> | false;
  /** Further analyzers by kind (the hook for behaviour_change, predicted_risk_entry, …). */
  extra?: Record<string, AnalyzerFactory>;
}

export interface AnalyzerSetState {
  v: 2;
  lastTs: number | null;
  analyzers: Record<string, unknown>;
}

const NO_ALERTS: readonly AnalyzerAlert[] = Object.freeze([]);

export class AnalyzerSet {
  private readonly list: Analyzer[] = [];
  private lastTs: number | null;
  private own: FixWindow | null = null;

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

  /**
   * `recent`: the animal's accepted fixes ending with this one (the actor's window). Without it the
   * set records the fix in a window of its own first.
   */
  onFix(fix: AnalyzerFix, recent?: RecentFixes): readonly AnalyzerAlert[] {
    if (this.lastTs !== null && !(fix.ts > this.lastTs)) return NO_ALERTS;
    if (fix.quality && fix.quality.length > 0 && fix.quality.some((q) => ANALYZER_IGNORED_FLAGS.includes(q))) return NO_ALERTS;
    if (!Number.isFinite(fix.ts) || !Number.isFinite(fix.lat) || !Number.isFinite(fix.lon)) return NO_ALERTS;
    this.lastTs = fix.ts;
    const history = recent ?? this.record(fix);
    let out: AnalyzerAlert[] | null = null;
    for (const a of this.list) {
      const alert = a.onFix(fix, history);
      if (alert !== null) (out ??= []).push(alert);
    }
    return out ?? NO_ALERTS;
  }

  private record(fix: AnalyzerFix): FixWindow {
    const w = (this.own ??= new FixWindow());
    const previous =
      w.size === 0
        ? null
        : { ts: w.tsAt(0), lat: w.latAt(0), lon: w.lonAt(0), arrivalHeadingDeg: Number.isNaN(w.headingAt(0)) ? null : w.headingAt(0), distanceTodayM: w.distanceTodayAt(0) };
    w.push(fix.ts, fix.lat, fix.lon, deriveMetrics(previous, fix), 0);
    return w;
  }

  toJSON(): AnalyzerSetState {
    const analyzers: Record<string, unknown> = {};
    for (const a of this.list) analyzers[a.kind] = a.toJSON();
    return { v: 2, lastTs: this.lastTs, analyzers };
  }
}

/** The standard analyzers for one animal (defaults merged with `config`), restored from `state`. */
export function createAnalyzerSet(animal: AnalyzerAnimal, config: AnalyzerSetConfig = {}, state?: unknown): AnalyzerSet {
  // v1 (before analyzers read the actor's window) kept per-analyzer histories; only lastTs carries over.
  const st = isRecord(state) && (state.v === 1 || state.v === 2) ? state : null;
  const subs = st && st.v === 2 && isRecord(st.analyzers) ? st.analyzers : {};
  // Defaults are shared frozen objects: a spread only when there is something to override.
  const merged = <T,>(defaults: T, over: Partial<T> | undefined): T => (over ? { ...defaults, ...over } : defaults);
  const list: Analyzer[] = [];
  if (config.speed_anomaly !== false) list.push(new SpeedAnomalyAnalyzer(merged(speedAnomalyDefaults(animal), config.speed_anomaly), subs.speed_anomaly));
  if (config.immobility !== false) list.push(new ImmobilityAnalyzer(merged(IMMOBILITY_DEFAULTS, config.immobility), subs.immobility));
  if (config.low_battery !== false) list.push(new LowBatteryAnalyzer(merged(LOW_BATTERY_DEFAULTS, config.low_battery), subs.low_battery));
  for (const [kind, factory] of Object.entries(config.extra ?? {})) list.push(factory(animal, subs[kind]));
  return new AnalyzerSet(list, st ? num(st.lastTs) : null);
}
