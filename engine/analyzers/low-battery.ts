// low_battery: the collar reports a battery level below `thresholdPct`. Fires once, then stays
// quiet until a fix reports at least `rearmPct` (hysteresis: a level hovering around the threshold,
// or a battery swap, does not repeat the alert). Fixes without a battery value are ignored.
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerFix } from "./types.ts";

export interface LowBatteryConfig {
  thresholdPct: number;
  rearmPct: number;
}

export const LOW_BATTERY_DEFAULTS: LowBatteryConfig = Object.freeze({ thresholdPct: 15, rearmPct: 20 });

export class LowBatteryAnalyzer implements Analyzer {
  readonly kind = "low_battery";
  readonly config: LowBatteryConfig;
  private lastTs: number | null = null;
  private fired = false;

  constructor(config: LowBatteryConfig = LOW_BATTERY_DEFAULTS, state?: unknown) {
    this.config = config;
    if (isRecord(state)) {
      this.lastTs = num(state.lastTs);
      this.fired = state.fired === true;
    }
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert[] {
    if (this.lastTs !== null && !(fix.ts > this.lastTs)) return [];
    this.lastTs = fix.ts;
    const b = num(fix.battery);
    if (b === null) return [];
    if (this.fired) {
      if (b >= this.config.rearmPct) this.fired = false;
      return [];
    }
    if (!(b < this.config.thresholdPct)) return [];
    this.fired = true;
    return [{ kind: "low_battery", ts: fix.ts, lat: fix.lat, lon: fix.lon, severity: "warning", detail: { battery: b, threshold: this.config.thresholdPct } }];
  }

  toJSON(): unknown {
    return { lastTs: this.lastTs, fired: this.fired };
  }
}
