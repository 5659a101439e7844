// collar_offline: no fix for `factor` × the collar's usual interval.
//
// Silence has to be noticed for every deployed collar, including animals whose actor has been
// passivated (an hourly collar is idle between fixes), so this is not an actor analyzer but a
// small read model beside the live index: fed with every accepted fix (the actors' positions) and
// seeded at start from storage, checked on a clock. Per collar it keeps the last fix and a ring of
// the last `window` intervals; the usual interval is their median (or `defaultIntervalS` until
// `minSamples` are known; with neither, nothing fires).
//
// It fires once per silence (when now - lastFix > max(factor × usual, minSilenceS)); the next fix
// re-arms it. The alert is identified by the silent fix (`key`), so a restart or a second node
// checking the same collar stores it once.
import { medianOf } from "./analyzers/types.ts";

export interface OfflineConfig {
  factor: number;
  window: number;
  minSamples: number;
  defaultIntervalS: number | null;
  minSilenceS: number;
}

export const OFFLINE_DEFAULTS: OfflineConfig = Object.freeze({ factor: 3, window: 20, minSamples: 3, defaultIntervalS: null, minSilenceS: 600 });

export interface OfflineAlert {
  kind: "collar_offline";
  animal: string;
  collar: string;
  ts: number; // when the silence was noticed
  lat: number;
  lon: number;
  severity: "warning";
  detail: { last_fix_ts: string; silent_s: number; usual_interval_s: number; limit_s: number };
  /** Identity for storing the alert once: animal and the last fix before the silence. */
  key: string;
  /** The last fix before the silence (epoch ms), for `rearm`. */
  lastFixTs: number;
}

class Watched {
  readonly intervals: Float32Array;
  head = 0;
  count = 0;
  firedFor = NaN; // ts of the last fix whose silence was alerted
  constructor(
    public collar: string,
    public ts: number,
    public lat: number,
    public lon: number,
    window: number,
  ) {
    this.intervals = new Float32Array(window);
  }
  addInterval(s: number): void {
    this.intervals[this.head] = s;
    this.head = (this.head + 1) % this.intervals.length;
    if (this.count < this.intervals.length) this.count++;
  }
}

export class OfflineWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(readonly config: OfflineConfig = OFFLINE_DEFAULTS) {}

  get size(): number {
    return this.watched.size;
  }

  /**
   * An accepted in-order fix. `intervalS` is the gap to the animal's previous accepted fix (null for
   * its first). Older fixes than the one held are ignored: a late fix does not end a silence.
   */
  observe(animal: string, collar: string, ts: number, lat: number, lon: number, intervalS: number | null): void {
    const w = this.watched.get(animal);
    if (w === undefined) {
      const fresh = new Watched(collar, ts, lat, lon, this.config.window);
      if (intervalS !== null && intervalS > 0) fresh.addInterval(intervalS);
      this.watched.set(animal, fresh);
      return;
    }
    if (!(ts > w.ts)) return;
    if (collar !== w.collar) {
      // A new collar on the animal: its rhythm starts over.
      w.collar = collar;
      w.count = 0;
      w.head = 0;
    } else if (intervalS !== null && intervalS > 0) {
      w.addInterval(intervalS);
    }
    w.ts = ts;
    w.lat = lat;
    w.lon = lon;
  }

  /** Seeds an animal from storage: its newest fix and the intervals before it (newest first). Live fixes win. */
  seed(animal: string, collar: string, ts: number, lat: number, lon: number, intervalsNewestFirst: readonly number[]): void {
    const known = this.watched.get(animal);
    if (known !== undefined && known.ts >= ts) return;
    const w = new Watched(collar, ts, lat, lon, this.config.window);
    for (let i = Math.min(intervalsNewestFirst.length, this.config.window) - 1; i >= 0; i--) {
      const s = intervalsNewestFirst[i]!;
      if (Number.isFinite(s) && s > 0) w.addInterval(s);
    }
    this.watched.set(animal, w);
  }

  /** Arms the alert for a silence again (its publication failed): the next check retries it. */
  rearm(animal: string, lastFixTs: number): void {
    const w = this.watched.get(animal);
    if (w !== undefined && w.ts === lastFixTs && w.firedFor === lastFixTs) w.firedFor = NaN;
  }

  /** Stops watching (the collar was recovered, the deployment ended, the animal was deleted). */
  forget(animal: string): void {
    this.watched.delete(animal);
  }

  /** The animal's usual fix interval in seconds, or null when unknown. */
  usualIntervalS(animal: string): number | null {
    const w = this.watched.get(animal);
    return w ? this.usual(w) : null;
  }

  private usual(w: Watched): number | null {
    const m = medianOf((i) => w.intervals[i]!, 0, w.count, this.config.minSamples);
    return Number.isNaN(m) ? this.config.defaultIntervalS : m;
  }

  /**
   * Alerts for collars silent too long at `now`, once per silence. `stillDeployed(animal, collar)`
   * drops collars no longer on their animal (they are forgotten, not alerted).
   */
  check(now: number, stillDeployed: (animal: string, collar: string) => boolean = () => true): OfflineAlert[] {
    const out: OfflineAlert[] = [];
    const { factor, minSilenceS } = this.config;
    for (const [animal, w] of this.watched) {
      if (w.firedFor === w.ts) continue;
      const silentS = (now - w.ts) / 1000;
      if (!(silentS > minSilenceS)) continue; // cheap pre-check before the median
      const usual = this.usual(w);
      if (usual === null) continue;
      const limitS = Math.max(factor * usual, minSilenceS);
      if (!(silentS > limitS)) continue;
      if (!stillDeployed(animal, w.collar)) {
        this.watched.delete(animal);
        continue;
      }
      w.firedFor = w.ts;
      out.push({
        kind: "collar_offline",
        animal,
        collar: w.collar,
        ts: now,
        lat: w.lat,
        lon: w.lon,
        severity: "warning",
        detail: { last_fix_ts: new Date(w.ts).toISOString(), silent_s: Math.round(silentS), usual_interval_s: usual, limit_s: limitS },
        key: `${animal}:collar_offline::${w.ts}`,
        lastFixTs: w.ts,
      });
    }
    return out;
  }
}
