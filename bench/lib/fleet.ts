// The benchmark fleet: N collars, each worn by one animal, with deterministic, replayable tracks.
// Position of collar i at its k-th fix is a pure function of (seed, i, k): a slow circle around a
// seeded home point plus seeded GPS jitter, so a phase can be replayed exactly (the naive baseline
// gets the very fixes the engine got) and runs are comparable.
import { hash01, mulberry32 } from "./stats.ts";

export const BENCH_SPECIES = "elephant";

export function collarId(i: number): string {
  return `BC${String(i).padStart(6, "0")}`;
}

export function animalId(i: number): string {
  return `ani_bench_${String(i).padStart(6, "0")}`;
}

export interface GeneratedFix {
  collarIndex: number;
  /** The fix as JSON text without seq (`"collar":…,"ts":…`), ready to be framed. */
  body: string;
  /** ISO ts as the server will echo it in live positions. */
  ts: string;
}

export class Fleet {
  readonly size: number;
  readonly seed: number;
  readonly t0: number;
  readonly stepMs: number;
  private readonly lat0: Float64Array;
  private readonly lon0: Float64Array;
  private readonly phase: Float64Array;
  private readonly battery: Uint8Array;
  private next: Uint32Array;
  readonly collarIds: string[];
  readonly animalIds: string[];

  /** t0: epoch ms of every collar's fix 0; fixes are stepMs apart per collar. */
  constructor(size: number, seed: number, t0: number, stepMs = 10_000) {
    this.size = size;
    this.seed = seed;
    this.t0 = t0;
    this.stepMs = stepMs;
    const rnd = mulberry32(seed);
    this.lat0 = new Float64Array(size);
    this.lon0 = new Float64Array(size);
    this.phase = new Float64Array(size);
    this.battery = new Uint8Array(size);
    this.next = new Uint32Array(size);
    this.collarIds = [];
    this.animalIds = [];
    for (let i = 0; i < size; i++) {
      // Maasai Mara-ish box.
      this.lat0[i] = -1.2 - rnd() * 0.8;
      this.lon0[i] = 34.8 + rnd() * 0.8;
      this.phase[i] = rnd() * 2 * Math.PI;
      this.battery[i] = 40 + Math.floor(rnd() * 60);
      this.collarIds.push(collarId(i));
      this.animalIds.push(animalId(i));
    }
  }

  /** How many fixes each collar has produced (the index of its next fix). */
  state(): Uint32Array {
    return this.next.slice();
  }

  /** Fixes collar i has produced so far. */
  produced(i: number): number {
    return this.next[i]!;
  }

  restore(state: Uint32Array): void {
    this.next = state.slice();
  }

  /** The next fix of collar i. ~15 m per 10 s step (5 km/h), well inside an elephant's limits. */
  nextFix(i: number): GeneratedFix {
    const k = this.next[i]!++;
    const a = this.phase[i]! + k * 0.0135;
    const jLat = (hash01(this.seed, i, k) - 0.5) * 2e-5;
    const jLon = (hash01(this.seed ^ 0x5bd1e995, i, k) - 0.5) * 2e-5;
    const lat = Math.round((this.lat0[i]! + 0.01 * Math.sin(a) + jLat) * 1e7) / 1e7;
    const lon = Math.round((this.lon0[i]! + 0.01 * Math.cos(a) + jLon) * 1e7) / 1e7;
    const ts = new Date(this.t0 + k * this.stepMs).toISOString();
    const body = `"collar":"${this.collarIds[i]}","ts":"${ts}","lat":${lat},"lon":${lon},"battery":${this.battery[i]},"hdop":1.2,"sats":9`;
    return { collarIndex: i, body, ts };
  }
}
