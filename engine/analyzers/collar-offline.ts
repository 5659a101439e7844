// collar_offline: no fix for `factor` × the collar's usual interval.
//
// The usual interval is the median of the last `window` intervals between accepted fixes (or
// `defaultIntervalS` until `minSamples` intervals are known; with neither, nothing fires). The
// analyzer needs a clock: the caller runs `onClock(now)` / `checkOffline(now)` periodically. It
// fires once per silence (when now - lastFix > max(factor × usual, minSilenceS)); the next fix
// re-arms it. The alert carries ts = now and the last known position.
import { median } from "./speed-anomaly.ts";
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerFix } from "./types.ts";

export interface CollarOfflineConfig {
  factor: number;
  window: number;
  minSamples: number;
  defaultIntervalS: number | null;
  minSilenceS: number;
}

export const COLLAR_OFFLINE_DEFAULTS: CollarOfflineConfig = Object.freeze({ factor: 3, window: 20, minSamples: 3, defaultIntervalS: null, minSilenceS: 600 });

interface State {
  last: { ts: number; lat: number; lon: number } | null;
  intervals: number[]; // seconds
  fired: boolean;
}

export class CollarOfflineAnalyzer implements Analyzer {
  readonly kind = "collar_offline";
  readonly config: CollarOfflineConfig;
  private s: State;

  constructor(config: CollarOfflineConfig = COLLAR_OFFLINE_DEFAULTS, state?: unknown) {
    this.config = config;
    this.s = { last: null, intervals: [], fired: false };
    if (isRecord(state)) {
      const l = isRecord(state.last) ? state.last : null;
      const ts = num(l?.ts), lat = num(l?.lat), lon = num(l?.lon);
      this.s.last = ts !== null && lat !== null && lon !== null ? { ts, lat, lon } : null;
      this.s.intervals = Array.isArray(state.intervals) ? state.intervals.filter((x): x is number => num(x) !== null).slice(-config.window) : [];
      this.s.fired = state.fired === true;
    }
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert[] {
    const last = this.s.last;
    if (last !== null && !(fix.ts > last.ts)) return [];
    if (last !== null) {
      this.s.intervals.push((fix.ts - last.ts) / 1000);
      if (this.s.intervals.length > this.config.window) this.s.intervals.splice(0, this.s.intervals.length - this.config.window);
    }
    this.s.last = { ts: fix.ts, lat: fix.lat, lon: fix.lon };
    this.s.fired = false;
    return [];
  }

  /** The collar's usual interval in seconds, or null when unknown. */
  usualIntervalS(): number | null {
    if (this.s.intervals.length >= this.config.minSamples) return median(this.s.intervals);
    return this.config.defaultIntervalS;
  }

  onClock(now: number): AnalyzerAlert[] {
    return this.checkOffline(now);
  }

  checkOffline(now: number): AnalyzerAlert[] {
    const last = this.s.last;
    if (last === null || this.s.fired) return [];
    const usual = this.usualIntervalS();
    if (usual === null) return [];
    const limitS = Math.max(this.config.factor * usual, this.config.minSilenceS);
    const silentS = (now - last.ts) / 1000;
    if (!(silentS > limitS)) return [];
    this.s.fired = true;
    return [
      {
        kind: "collar_offline",
        ts: now,
        lat: last.lat,
        lon: last.lon,
        severity: "warning",
        detail: { last_fix_ts: last.ts, silent_s: silentS, usual_interval_s: usual, limit_s: limitS },
      },
    ];
  }

  toJSON(): unknown {
    return { last: this.s.last, intervals: this.s.intervals, fired: this.s.fired };
  }
}
