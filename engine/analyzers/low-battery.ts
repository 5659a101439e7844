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
  private fired = false;

  constructor(config: LowBatteryConfig = LOW_BATTERY_DEFAULTS, state?: unknown) {
    this.config = config;
    this.fired = state === true || (isRecord(state) && state.fired === true);
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert | null {
    const b = num(fix.battery);
    if (b === null) return null;
    if (this.fired) {
      if (b >= this.config.rearmPct) this.fired = false;
      return null;
    }
    if (!(b < this.config.thresholdPct)) return null;
    this.fired = true;
    return { kind: "low_battery", ts: fix.ts, lat: fix.lat, lon: fix.lon, severity: "warning", detail: { battery: b, threshold: this.config.thresholdPct } };
  }

  toJSON(): unknown {
    return this.fired;
  }
}
