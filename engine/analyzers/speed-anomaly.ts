// speed_anomaly: a step much faster than the animal's own recent movement (e.g. a chased animal).
//
// For each accepted fix with a previous fix, speed = great-circle step / interval (km/h), as the
// actor already measured it (RecentFixes index 0). The step is anomalous when
//     step_m >= minStepM  and  interval >= minIntervalS  and
//     speed > max(factor × median(the `window` speeds before it), thresholdKmh)
// where thresholdKmh is the species floor (defaultSpeedThresholdKmh). Until `minSamples` earlier
// speeds are known the median term is skipped and only the floor applies. The minimum step and
// interval keep GPS jitter over short steps from looking fast.
// One alert per episode: after firing, nothing more until a step is not anomalous (re-arm).
import { speciesProfile } from "../species.ts";
import { isRecord, medianOf, type Analyzer, type AnalyzerAlert, type AnalyzerAnimal, type AnalyzerFix, type RecentFixes } from "./types.ts";

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

// One frozen config per species: 100,000 actors share a handful of objects.
const defaultsBySpecies = new Map<string, SpeedAnomalyConfig>();
export function speedAnomalyDefaults(animal: AnalyzerAnimal): SpeedAnomalyConfig {
  const key = speciesProfile(animal.species).key;
  let c = defaultsBySpecies.get(key);
  if (c === undefined) {
    c = Object.freeze({ window: 20, factor: 3, minSamples: 5, minStepM: 100, minIntervalS: 30, thresholdKmh: defaultSpeedThresholdKmh(animal.species) });
    defaultsBySpecies.set(key, c);
  }
  return c;
}

export class SpeedAnomalyAnalyzer implements Analyzer {
  readonly kind = "speed_anomaly";
  readonly config: SpeedAnomalyConfig;
  private firing = false;

  constructor(config: SpeedAnomalyConfig, state?: unknown) {
    this.config = config;
    if (state === true || (isRecord(state) && state.firing === true)) this.firing = true;
  }

  onFix(fix: AnalyzerFix, recent: RecentFixes): AnalyzerAlert | null {
    const c = this.config;
    const speed = recent.speedAt(0);
    const stepM = recent.stepAt(0);
    const intervalS = recent.intervalAt(0);
    // NaN (first fix, zero interval) compares false: not anomalous.
    if (!(speed > c.thresholdKmh && stepM >= c.minStepM && intervalS >= c.minIntervalS)) {
      this.firing = false;
      return null;
    }
    // The limit is at least the floor, so the median (a sort) is only needed above it: most fixes skip it.
    const m = medianOf((i) => recent.speedAt(i), 1, Math.min(recent.size, c.window + 1), c.minSamples);
    const med = Number.isNaN(m) ? null : m;
    const limit = Math.max(med === null ? 0 : c.factor * med, c.thresholdKmh);
    if (!(speed > limit)) {
      this.firing = false;
      return null;
    }
    if (this.firing) return null;
    this.firing = true;
    return {
      kind: "speed_anomaly",
      ts: fix.ts,
      lat: fix.lat,
      lon: fix.lon,
      severity: "warning",
      detail: { speed_kmh: round(speed), limit_kmh: round(limit), median_kmh: med === null ? null : round(med), step_m: round(stepM), interval_s: intervalS },
    };
  }

  toJSON(): unknown {
    return this.firing;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
