// immobility: the animal (or its collar) has not moved — possibly dead, snared, or a dropped collar.
// EarthRanger's defaults: every fix within 13 m for 5 hours.
//
// An episode is a run of consecutive fixes each within `radiusM` of the running centroid of the
// episode's earlier fixes (great-circle metres). A fix further away ends the episode and starts
// a new one at that fix (re-arm after movement). The alert fires once per episode, at the first fix
// for which the episode spans at least `durationS` and holds at least `minFixes` fixes. Running
// sums keep the state constant-size (no list of fixes), at the price of judging each fix against
// the centroid so far rather than re-checking every earlier fix against the final centroid.
import { haversineDistance } from "../geo.ts";
import { isRecord, num, type Analyzer, type AnalyzerAlert, type AnalyzerFix } from "./types.ts";

export interface ImmobilityConfig {
  radiusM: number;
  durationS: number;
  minFixes: number;
}

export const IMMOBILITY_DEFAULTS: ImmobilityConfig = Object.freeze({ radiusM: 13, durationS: 5 * 3600, minFixes: 3 });

export class ImmobilityAnalyzer implements Analyzer {
  readonly kind = "immobility";
  readonly config: ImmobilityConfig;
  // The current episode: first fix time, fix count, coordinate sums (centroid = sum / n).
  private start = 0;
  private n = 0;
  private sumLat = 0;
  private sumLon = 0;
  private fired = false;

  constructor(config: ImmobilityConfig = IMMOBILITY_DEFAULTS, state?: unknown) {
    this.config = config;
    // Snapshot form: [start, n, sumLat, sumLon, fired (0/1)]; the older object form is read too.
    const a = Array.isArray(state) ? state : isRecord(state) ? [state.start, state.n, state.sumLat, state.sumLon, state.fired === true ? 1 : 0] : null;
    if (a && a.length === 5 && a.every((x) => num(x) !== null)) {
      const [start, n, sumLat, sumLon, fired] = a as [number, number, number, number, number];
      this.start = start;
      this.n = n;
      this.sumLat = sumLat;
      this.sumLon = sumLon;
      this.fired = fired === 1;
    }
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert | null {
    if (this.n > 0 && haversineDistance(this.sumLat / this.n, this.sumLon / this.n, fix.lat, fix.lon) > this.config.radiusM) this.n = 0;
    if (this.n === 0) {
      this.start = fix.ts;
      this.n = 1;
      this.sumLat = fix.lat;
      this.sumLon = fix.lon;
      this.fired = false;
    } else {
      this.n++;
      this.sumLat += fix.lat;
      this.sumLon += fix.lon;
    }
    if (this.fired || this.n < this.config.minFixes || fix.ts - this.start < this.config.durationS * 1000) return null;
    this.fired = true;
    return {
      kind: "immobility",
      ts: fix.ts,
      lat: this.sumLat / this.n,
      lon: this.sumLon / this.n,
      severity: "critical",
      detail: { since: this.start, duration_s: (fix.ts - this.start) / 1000, fixes: this.n, radius_m: this.config.radiusM },
    };
  }

  toJSON(): unknown {
    return [this.start, this.n, this.sumLat, this.sumLon, this.fired ? 1 : 0];
  }
}
