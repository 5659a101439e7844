// immobility: the animal (or its collar) has not moved — possibly dead, snared, or a dropped collar.
// EarthRanger's defaults: every fix within 13 m for 5 hours.
//
// An episode is a run of consecutive fixes each within `radiusM` of the running centroid of the
// episode's earlier fixes (equirectangular, metres). A fix further away ends the episode and starts
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

interface State {
  lastTs: number | null;
  start: number; // ts of the episode's first fix
  n: number;
  sumLat: number;
  sumLon: number;
  fired: boolean;
}

export class ImmobilityAnalyzer implements Analyzer {
  readonly kind = "immobility";
  readonly config: ImmobilityConfig;
  private s: State;

  constructor(config: ImmobilityConfig = IMMOBILITY_DEFAULTS, state?: unknown) {
    this.config = config;
    this.s = { lastTs: null, start: 0, n: 0, sumLat: 0, sumLon: 0, fired: false };
    if (isRecord(state)) {
      this.s = {
        lastTs: num(state.lastTs),
        start: num(state.start) ?? 0,
        n: num(state.n) ?? 0,
        sumLat: num(state.sumLat) ?? 0,
        sumLon: num(state.sumLon) ?? 0,
        fired: state.fired === true,
      };
    }
  }

  onFix(fix: AnalyzerFix): AnalyzerAlert[] {
    const s = this.s;
    if (s.lastTs !== null && !(fix.ts > s.lastTs)) return [];
    s.lastTs = fix.ts;
    if (s.n > 0) {
      const cLat = s.sumLat / s.n;
      const cLon = s.sumLon / s.n;
      if (haversineDistance(cLat, cLon, fix.lat, fix.lon) > this.config.radiusM) s.n = 0;
    }
    if (s.n === 0) {
      Object.assign(s, { start: fix.ts, n: 1, sumLat: fix.lat, sumLon: fix.lon, fired: false });
    } else {
      s.n++;
      s.sumLat += fix.lat;
      s.sumLon += fix.lon;
    }
    if (s.fired || s.n < this.config.minFixes || fix.ts - s.start < this.config.durationS * 1000) return [];
    s.fired = true;
    return [
      {
        kind: "immobility",
        ts: fix.ts,
        lat: s.sumLat / s.n,
        lon: s.sumLon / s.n,
        severity: "critical",
        detail: { since: s.start, duration_s: (fix.ts - s.start) / 1000, fixes: s.n, radius_m: this.config.radiusM },
      },
    ];
  }

  toJSON(): unknown {
    return { ...this.s };
  }
}
