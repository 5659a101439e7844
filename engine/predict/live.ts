// Live next-position forecasts: a small read model of each animal's latest fixes (fed with every
// accepted position, like the offline watch), a forecast per animal at most every `minIntervalMs`
// (rate limit), sent through the micro-batcher so many animals share one inference call in the pool,
// and `predicted_risk_entry` when a forecast puts the animal inside a risk zone it is not in now.
//
// Risk probability: the share of 64 fixed quantile points of the forecast's radial Laplace
// distribution (8 radii × 8 directions) that fall inside the zone — deterministic, and exact enough
// for a threshold decision. Hysteresis: a (animal, zone) fires once, and re-arms only when a later
// forecast gives it under half the threshold.
import { aeqdAround, aeqdInverse } from "../bbmm/project.ts";
import type { FenceIndex } from "../fences/index.ts";
import type { LivePosition } from "../types.ts";
import type { MicroBatcher } from "./batcher.ts";
import { forecastFromLastFix } from "./batcher.ts";
import { WINDOW, type PositionForecast } from "./features.ts";
import { prepareTrack, type CovariateSampler } from "./track.ts";

export interface PredictedPoint {
  horizon: string; // "1h", "6h", "24h"
  ts: string;
  lat: number;
  lon: number;
  /** Standard deviation of the position (metres, the larger axis). */
  sd_m: number;
}

export interface LivePrediction {
  animal: string;
  collar: string;
  origin: { ts: string; lat: number; lon: number };
  path: PredictedPoint[];
  made_at: string;
}

export interface RiskEntry {
  fence: string;
  horizon: string;
  probability: number;
  lat: number;
  lon: number;
  ts: string;
}

export interface LivePredictionsOptions {
  batcher: MicroBatcher;
  sampler?: CovariateSampler;
  /** At most one forecast per animal this often (default 5 min). */
  minIntervalMs?: number;
  /** The fence index in force (for predicted_risk_entry) and the probability that raises it (default 0.5). */
  fences?: () => FenceIndex;
  riskThreshold?: number;
  onPrediction(prediction: LivePrediction, entries: RiskEntry[]): void;
  onError?(animal: string, err: unknown): void;
  clock?: () => number;
}

interface Recent {
  t: number[];
  lon: number[];
  lat: number[];
  collar: string;
  lastAt: number;
  busy: boolean;
  /** Per risk zone a forecast has touched: may it fire? Created on first need (most animals never need it). */
  armed: Map<string, boolean> | null;
}

const KEEP = WINDOW + 1;
// Shared label strings: one per horizon, not one per forecast.
const HORIZON_LABEL: Record<number, string> = { 1: "1h", 6: "6h", 24: "24h" };
const HOUR = 3_600_000;

/** Quantiles of r ~ Gamma(2, 1) (the radial Laplace's radius) at (i + ½)/8. */
const RADII = Array.from({ length: 8 }, (_, i) => gamma2Quantile((i + 0.5) / 8));

function gamma2Quantile(p: number): number {
  let lo = 0;
  let hi = 50;
  for (let k = 0; k < 80; k++) {
    const r = (lo + hi) / 2;
    if (1 - Math.exp(-r) * (1 + r) < p) lo = r;
    else hi = r;
  }
  return (lo + hi) / 2;
}

export class LivePredictions {
  private readonly recent = new Map<string, Recent>();
  private readonly latestByAnimal = new Map<string, LivePrediction>();
  private readonly minIntervalMs: number;
  private readonly threshold: number;
  private readonly clock: () => number;
  made = 0;

  constructor(private readonly o: LivePredictionsOptions) {
    this.minIntervalMs = o.minIntervalMs ?? 5 * 60_000;
    this.threshold = o.riskThreshold ?? 0.5;
    this.clock = o.clock ?? Date.now;
  }

  latest(animal: string): LivePrediction | null {
    return this.latestByAnimal.get(animal) ?? null;
  }

  all(): LivePrediction[] {
    return [...this.latestByAnimal.values()];
  }

  /** An accepted in-order position: remembered, and a forecast started when one is due. */
  observe(p: LivePosition): void {
    let r = this.recent.get(p.animal);
    if (!r) this.recent.set(p.animal, (r = { t: [], lon: [], lat: [], collar: p.collar, lastAt: -Infinity, busy: false, armed: null }));
    const ts = Date.parse(p.ts);
    if (r.t.length && ts <= r.t[r.t.length - 1]!) return;
    r.t.push(ts);
    r.lon.push(p.lon);
    r.lat.push(p.lat);
    r.collar = p.collar;
    if (r.t.length > KEEP) (r.t.shift(), r.lon.shift(), r.lat.shift());
    const now = this.clock();
    if (r.busy || r.t.length < 2 || now - r.lastAt < this.minIntervalMs) return;
    r.busy = true;
    r.lastAt = now;
    void this.forecast(p.animal, r).finally(() => (r!.busy = false));
  }

  private async forecast(animal: string, r: Recent): Promise<void> {
    const t = Float64Array.from(r.t);
    const lon = Float64Array.from(r.lon);
    const lat = Float64Array.from(r.lat);
    try {
      const track = prepareTrack({ id: animal, x: lon, y: lat, t }, { coords: "lonlat", sampler: this.o.sampler });
      const forecasts = await forecastFromLastFix(track, this.o.batcher);
      // The same projection prepareTrack used (centred on these fixes), inverted for the forecasts.
      const proj = aeqdAround(lon, lat);
      const originTs = t[t.length - 1]!;
      const path = forecasts.map((f) => {
        const [plon, plat] = aeqdInverse(proj, f.x, f.y);
        return { horizon: HORIZON_LABEL[f.horizonH] ?? `${f.horizonH}h`, ts: new Date(originTs + f.horizonH * HOUR).toISOString(), lat: plat, lon: plon, sd_m: Math.round(Math.max(f.sdAlong, f.sdAcross)) };
      });
      const prediction: LivePrediction = {
        animal,
        collar: r.collar,
        origin: { ts: new Date(originTs).toISOString(), lat: lat[lat.length - 1]!, lon: lon[lon.length - 1]! },
        path,
        made_at: new Date(this.clock()).toISOString(),
      };
      this.latestByAnimal.set(animal, prediction);
      this.made++;
      this.o.onPrediction(prediction, this.riskEntries(r, forecasts, path, proj));
    } catch (err) {
      this.o.onError?.(animal, err);
    }
  }

  private riskEntries(r: Recent, forecasts: PositionForecast[], path: PredictedPoint[], proj: ReturnType<typeof aeqdAround>): RiskEntry[] {
    const index = this.o.fences?.();
    if (!index || index.size === 0) return [];
    const here = new Set(index.query(r.lon[r.lon.length - 1]!, r.lat[r.lat.length - 1]!).risk_zones);
    const best = new Map<string, { p: number; k: number }>();
    forecasts.forEach((f, k) => {
      const counts = new Map<string, number>();
      const c = Math.cos(f.heading);
      const s = Math.sin(f.heading);
      const bx = f.sdAlong / Math.sqrt(3);
      const by = f.sdAcross / Math.sqrt(3);
      for (const rad of RADII) {
        for (let a = 0; a < 8; a++) {
          const th = ((a + 0.5) * Math.PI) / 4;
          const u = bx * rad * Math.cos(th);
          const v = by * rad * Math.sin(th);
          const [plon, plat] = aeqdInverse(proj, f.x + c * u - s * v, f.y + s * u + c * v);
          for (const z of index.query(plon, plat).risk_zones) counts.set(z, (counts.get(z) ?? 0) + 1);
        }
      }
      for (const [z, n] of counts) {
        const p = n / (RADII.length * 8);
        if (p > (best.get(z)?.p ?? -1)) best.set(z, { p, k });
      }
    });
    const out: RiskEntry[] = [];
    const flags = best.size > 0 ? (r.armed ??= new Map()) : r.armed;
    for (const [z, { p, k }] of best) {
      if (here.has(z)) continue; // already inside: the fence alerts speak for it
      const armed = flags!.get(z) ?? true;
      if (p >= this.threshold && armed) {
        flags!.set(z, false);
        const pt = path[k]!;
        out.push({ fence: z, horizon: pt.horizon, probability: Math.round(p * 1000) / 1000, lat: pt.lat, lon: pt.lon, ts: pt.ts });
      } else if (p < this.threshold / 2) flags!.set(z, true);
    }
    // Zones no forecast touches any more re-arm: forget them (absent means armed).
    if (flags) for (const z of [...flags.keys()]) if (!best.has(z)) flags.delete(z);
    if (flags && flags.size === 0) r.armed = null;
    return out;
  }
}
