// The last N accepted fixes of one animal, in one ArrayBuffer so a live actor costs a few
// kilobytes and no per-fix objects. Columns (struct-of-arrays, N = capacity):
//   Float64: ts, lat, lon, distance_today_m   (need full precision: epoch ms, ~1 cm coordinates,
//                                              a running sum that must not drift)
//   Float32: step_m, heading_deg, speed_kmh, interval_s, turn_deg   (derived; 7 digits is plenty)
//   Uint8:   quality flag bitmask
// Unknown derived values (null in MovementMetrics) are stored as NaN.
// Index i counts back from the newest fix: 0 is the newest, size - 1 the oldest.

import type { MovementMetrics } from "./types.ts";

export const DEFAULT_WINDOW_CAPACITY = 64;
export const MIN_WINDOW_CAPACITY = 64;

const F64_COLUMNS = 4;
const F32_COLUMNS = 5;
const BYTES_PER_ROW = F64_COLUMNS * 8 + F32_COLUMNS * 4 + 1;

// Column offsets in units of `capacity` within each view.
const TS = 0;
const LAT = 1;
const LON = 2;
const DAY_DISTANCE = 3;
const STEP = 0;
const HEADING = 1;
const SPEED = 2;
const INTERVAL = 3;
const TURN = 4;

/** A window in JSON form: `size` rows, oldest first, in the column layout above, base64-encoded (little-endian). */
export interface SerializedFixWindow {
  size: number;
  data: string;
}

interface Columns {
  f64: Float64Array;
  f32: Float32Array;
  u8: Uint8Array;
}

function viewColumns(buffer: ArrayBuffer, rows: number): Columns {
  return {
    f64: new Float64Array(buffer, 0, F64_COLUMNS * rows),
    f32: new Float32Array(buffer, F64_COLUMNS * 8 * rows, F32_COLUMNS * rows),
    u8: new Uint8Array(buffer, (F64_COLUMNS * 8 + F32_COLUMNS * 4) * rows, rows),
  };
}

function orNaN(v: number | null): number {
  return v === null ? NaN : v;
}

function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

export class FixWindow {
  readonly capacity: number;
  private readonly f64: Float64Array;
  private readonly f32: Float32Array;
  private readonly flagBytes: Uint8Array;
  /** Slot the next push writes to. */
  private head = 0;
  private count = 0;

  constructor(capacity: number = DEFAULT_WINDOW_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < MIN_WINDOW_CAPACITY) {
      throw new RangeError(`FixWindow capacity must be an integer ≥ ${MIN_WINDOW_CAPACITY}, got ${capacity}`);
    }
    this.capacity = capacity;
    const columns = viewColumns(new ArrayBuffer(BYTES_PER_ROW * capacity), capacity);
    this.f64 = columns.f64;
    this.f32 = columns.f32;
    this.flagBytes = columns.u8;
  }

  /** Bytes of the backing buffer (for memory accounting). */
  static bytesFor(capacity: number): number {
    return BYTES_PER_ROW * capacity;
  }

  get size(): number {
    return this.count;
  }

  /** ts of the newest fix, or null when empty. */
  get newestTs(): number | null {
    return this.count === 0 ? null : this.tsAt(0);
  }

  /**
   * Appends a fix newer than every fix in the window (the caller guarantees order), evicting
   * the oldest when full.
   */
  push(ts: number, lat: number, lon: number, metrics: MovementMetrics, flagMask: number): void {
    const n = this.capacity;
    const slot = this.head;
    const f64 = this.f64;
    const f32 = this.f32;
    f64[TS * n + slot] = ts;
    f64[LAT * n + slot] = lat;
    f64[LON * n + slot] = lon;
    f64[DAY_DISTANCE * n + slot] = metrics.distance_today_m;
    f32[STEP * n + slot] = orNaN(metrics.step_m);
    f32[HEADING * n + slot] = orNaN(metrics.heading_deg);
    f32[SPEED * n + slot] = orNaN(metrics.speed_kmh);
    f32[INTERVAL * n + slot] = orNaN(metrics.interval_s);
    f32[TURN * n + slot] = orNaN(metrics.turn_deg);
    this.flagBytes[slot] = flagMask;
    this.head = slot + 1 === n ? 0 : slot + 1;
    if (this.count < n) this.count++;
  }

  /** Physical slot of the i-th newest fix. */
  private slot(i: number): number {
    const s = this.head - 1 - i;
    return s < 0 ? s + this.capacity : s;
  }

  private f64At(column: number, i: number): number {
    return this.f64[column * this.capacity + this.slot(i)]!;
  }

  private f32At(column: number, i: number): number {
    return this.f32[column * this.capacity + this.slot(i)]!;
  }

  tsAt(i: number): number {
    return this.f64At(TS, i);
  }
  latAt(i: number): number {
    return this.f64At(LAT, i);
  }
  lonAt(i: number): number {
    return this.f64At(LON, i);
  }
  distanceTodayAt(i: number): number {
    return this.f64At(DAY_DISTANCE, i);
  }
  /** NaN when unknown (first fix). */
  stepAt(i: number): number {
    return this.f32At(STEP, i);
  }
  /** NaN when unknown or undefined (zero-length step). */
  headingAt(i: number): number {
    return this.f32At(HEADING, i);
  }
  speedAt(i: number): number {
    return this.f32At(SPEED, i);
  }
  intervalAt(i: number): number {
    return this.f32At(INTERVAL, i);
  }
  turnAt(i: number): number {
    return this.f32At(TURN, i);
  }
  flagMaskAt(i: number): number {
    return this.flagBytes[this.slot(i)]!;
  }

  /** The metrics stored with the i-th newest fix (Float32 precision). */
  metricsAt(i: number): MovementMetrics {
    return {
      step_m: orNull(this.stepAt(i)),
      turn_deg: orNull(this.turnAt(i)),
      speed_kmh: orNull(this.speedAt(i)),
      heading_deg: orNull(this.headingAt(i)),
      interval_s: orNull(this.intervalAt(i)),
      distance_today_m: this.distanceTodayAt(i),
    };
  }

  /** Index of the fix with exactly this ts, or -1. */
  findTs(ts: number): number {
    // Newest first: resends are almost always of recent fixes. ts descends with i, so stop early.
    for (let i = 0; i < this.count; i++) {
      const t = this.tsAt(i);
      if (t === ts) return i;
      if (t < ts) return -1;
    }
    return -1;
  }

  /** Index of the newest fix strictly older than ts, or -1 (ts predates the whole window). */
  latestBefore(ts: number): number {
    for (let i = 0; i < this.count; i++) {
      if (this.tsAt(i) < ts) return i;
    }
    return -1;
  }

  /** Compact JSON form: only the occupied rows, oldest first. */
  serialize(): SerializedFixWindow {
    const rows = this.count;
    const out = new ArrayBuffer(BYTES_PER_ROW * rows);
    const dst = viewColumns(out, rows);
    const n = this.capacity;
    for (let r = 0; r < rows; r++) {
      const src = this.slot(rows - 1 - r);
      for (let c = 0; c < F64_COLUMNS; c++) dst.f64[c * rows + r] = this.f64[c * n + src]!;
      for (let c = 0; c < F32_COLUMNS; c++) dst.f32[c * rows + r] = this.f32[c * n + src]!;
      dst.u8[r] = this.flagBytes[src]!;
    }
    return { size: rows, data: Buffer.from(out).toString("base64") };
  }

  /**
   * Rebuilds a window from `serialize()` output. With a smaller capacity than the serialized
   * size, keeps the newest rows. Throws on malformed input (snapshots come from storage).
   */
  static restore(serialized: SerializedFixWindow, capacity: number = DEFAULT_WINDOW_CAPACITY): FixWindow {
    const rows = serialized.size;
    if (!Number.isInteger(rows) || rows < 0 || typeof serialized.data !== "string") {
      throw new TypeError("malformed serialized FixWindow");
    }
    // Copy into a fresh ArrayBuffer: Buffer.from may hand back an unaligned slice of its pool.
    const bytes = new Uint8Array(Buffer.from(serialized.data, "base64"));
    if (bytes.byteLength !== BYTES_PER_ROW * rows) {
      throw new TypeError(`serialized FixWindow has ${bytes.byteLength} bytes, expected ${BYTES_PER_ROW * rows}`);
    }
    const src = viewColumns(bytes.buffer, rows);
    const window = new FixWindow(capacity);
    const n = window.capacity;
    const first = Math.max(0, rows - n);
    for (let r = first; r < rows; r++) {
      const dst = r - first;
      for (let c = 0; c < F64_COLUMNS; c++) window.f64[c * n + dst] = src.f64[c * rows + r]!;
      for (let c = 0; c < F32_COLUMNS; c++) window.f32[c * n + dst] = src.f32[c * rows + r]!;
      window.flagBytes[dst] = src.u8[r]!;
    }
    window.count = rows - first;
    window.head = window.count === n ? 0 : window.count;
    return window;
  }
}
