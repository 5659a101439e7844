// speed_anomaly: a step much faster than the animal's own recent movement (e.g. a chased animal).
//
// For each accepted fix with a previous fix, speed = great-circle step / interval (km/h). The step
// is anomalous when
//     step_m >= minStepM  and  interval >= minIntervalS  and
//     speed > max(factor × median(last `window` speeds), thresholdKmh)
// where thresholdKmh is the species floor (defaultSpeedThresholdKmh). Until `minSamples` speeds are
// known the median term is skipped and only the floor applies. The minimum step and interval keep
// GPS jitter over short steps from looking fast. Every speed (anomalous or not) enters the window.
// One alert per episode: after firing, nothing more until a step is not anomalous (re-arm).
import { haversineDistance } from "../geo.ts";
import { speciesProfile } from "../species.ts";
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerAnimal, type AnalyzerFix } from "./types.ts";

export interface SpeedAnomalyConfig {
  window: number;
  factor: number;
  minSamples: number;
  minStepM: number;
  minIntervalS: number;
  thresholdKmh: number;
}

/** Species floor for speed_anomaly, km/h: well above normal travel, below a flat-out run. */
export function defaultSpeedThresholdKmh(species: string): number {
  switch (speciesProfile(species).key) {
    case "elephant":
      return 12; // walking 2–6 km/h, charging ~25
    case "wildebeest":
      return 25; // migrating ~5–10 km/h, galloping 65–80
    default:
      return 20;
  }
}

export function speedAnomalyDefaults(animal: AnalyzerAnimal): SpeedAnomalyConfig {
  return { window: 20, factor: 3, minSamples: 5, minStepM: 100, minIntervalS: 30, thresholdKmh: defaultSpeedThresholdKmh(animal.species) };
}

interface State {
  last: { ts: number; lat: number; lon: number } | null;
  speeds: number[];
  firing: boolean;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export class SpeedAnomalyAnalyzer implements Analyzer {
  readonly kind = "speed_anomaly";
  readonly config: SpeedAnomalyConfig;
  private s: State;

  constructor(config: SpeedAnomalyConfig, state?: unknown) {
    this.config = config;
    this.s = { last: null, speeds: [], firing: false };
    if (isRecord(state)) {
      const l = isRecord(state.last) ? state.last : null;
      const ts = num(l?.ts), lat = num(l?.lat), lon = num(l?.lon);
      this.s.last = ts !== null && lat !== null && lon !== null ? { ts, lat, lon } : null;
      this.s.speeds = Array.isArray(state.speeds) ? state.speeds.filter((x): x is number => num(x) !== null).slice(-config.window) : [];
      this.s.firing = state.firing === true;
    }
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert[] {
    const last = this.s.last;
    if (last !== null && !(fix.ts > last.ts)) return [];
    this.s.last = { ts: fix.ts, lat: fix.lat, lon: fix.lon };
    if (last === null) return [];
    const c = this.config;
    const intervalS = (fix.ts - last.ts) / 1000;
    const stepM = haversineDistance(last.lat, last.lon, fix.lat, fix.lon);
    const speed = (stepM / intervalS) * 3.6;
    // The limit is at least the floor, so the median (a sort) is only needed above it: most fixes skip it.
    const med = speed > c.thresholdKmh && this.s.speeds.length >= c.minSamples ? median(this.s.speeds) : null;
    const limit = Math.max(med === null ? 0 : c.factor * med, c.thresholdKmh);
    this.s.speeds.push(speed);
    if (this.s.speeds.length > c.window) this.s.speeds.splice(0, this.s.speeds.length - c.window);
    const anomalous = stepM >= c.minStepM && intervalS >= c.minIntervalS && speed > limit;
    if (!anomalous) {
      this.s.firing = false;
      return [];
    }
    if (this.s.firing) return [];
    this.s.firing = true;
    return [
      {
        kind: "speed_anomaly",
        ts: fix.ts,
        lat: fix.lat,
        lon: fix.lon,
        severity: "warning",
        detail: { speed_kmh: round(speed), limit_kmh: round(limit), median_kmh: med === null ? null : round(med), step_m: round(stepM), interval_s: intervalS },
      },
    ];
  }

  toJSON(): unknown {
    return { last: this.s.last, speeds: this.s.speeds.map(round), firing: this.s.firing };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
