import { describe, expect, it } from "vitest";
import { FixWindow } from "../../engine/fix-window.ts";
import type { MovementMetrics } from "../../engine/types.ts";

function metrics(i: number): MovementMetrics {
  return {
    step_m: i === 0 ? null : i * 10,
    turn_deg: i < 2 ? null : (i % 2 ? 15 : -15),
    speed_kmh: i === 0 ? null : i * 0.5,
    heading_deg: i === 0 ? null : (i * 7) % 360,
    interval_s: i === 0 ? null : 60,
    distance_today_m: i * 1000.123456789,
  };
}

function filled(count: number, capacity = 64): FixWindow {
  const w = new FixWindow(capacity);
  for (let i = 0; i < count; i++) w.push(i * 1000, -2 - i * 1e-5, 34 + i * 1e-5, metrics(i), i & 0b111111);
  return w;
}

describe("FixWindow", () => {
  it("defaults to 64 slots and refuses fewer", () => {
    expect(new FixWindow().capacity).toBe(64);
    expect(() => new FixWindow(32)).toThrow(RangeError);
    expect(() => new FixWindow(64.5)).toThrow(RangeError);
    expect(new FixWindow(128).capacity).toBe(128);
  });

  it("keeps everything until full, newest at index 0", () => {
    const w = filled(10);
    expect(w.size).toBe(10);
    expect(w.newestTs).toBe(9000);
    expect(w.tsAt(0)).toBe(9000);
    expect(w.tsAt(9)).toBe(0);
    expect(w.latAt(0)).toBe(-2 - 9e-5);
    expect(w.lonAt(0)).toBe(34 + 9e-5);
  });

  it("wraps around, evicting the oldest", () => {
    const w = filled(100);
    expect(w.size).toBe(64);
    expect(w.tsAt(0)).toBe(99_000);
    expect(w.tsAt(63)).toBe(36_000);
    for (let i = 0; i < 64; i++) expect(w.tsAt(i)).toBe((99 - i) * 1000);
    // Float64 columns keep full precision; Float32 ones are close.
    expect(w.latAt(5)).toBe(-2 - 94 * 1e-5);
    expect(w.distanceTodayAt(5)).toBe(94 * 1000.123456789);
    expect(w.stepAt(5)).toBeCloseTo(940, 3);
    expect(w.headingAt(5)).toBeCloseTo((94 * 7) % 360, 4);
    expect(w.flagMaskAt(5)).toBe(94 & 0b111111);
  });

  it("stores unknown metrics as NaN and gives them back as null", () => {
    const w = filled(2);
    expect(Number.isNaN(w.stepAt(1))).toBe(true);
    expect(w.metricsAt(1)).toEqual({ step_m: null, turn_deg: null, speed_kmh: null, heading_deg: null, interval_s: null, distance_today_m: 0 });
    expect(w.metricsAt(0).step_m).toBeCloseTo(10, 5);
    expect(w.metricsAt(0).interval_s).toBe(60);
  });

  it("findTs finds only timestamps still in the window", () => {
    const w = filled(100);
    expect(w.findTs(99_000)).toBe(0);
    expect(w.findTs(50_000)).toBe(49);
    expect(w.findTs(36_000)).toBe(63);
    expect(w.findTs(35_000)).toBe(-1); // evicted
    expect(w.findTs(50_500)).toBe(-1);
    expect(w.findTs(1e12)).toBe(-1);
    expect(new FixWindow().findTs(0)).toBe(-1);
  });

  it("latestBefore gives the newest strictly older fix", () => {
    const w = filled(100);
    expect(w.latestBefore(1e12)).toBe(0);
    expect(w.latestBefore(99_000)).toBe(1);
    expect(w.latestBefore(50_500)).toBe(49);
    expect(w.latestBefore(36_001)).toBe(63);
    expect(w.latestBefore(36_000)).toBe(-1);
    expect(new FixWindow().latestBefore(5)).toBe(-1);
  });

  it("serializes to JSON and restores the same contents, after wrap-around", () => {
    const w = filled(100);
    const json = JSON.parse(JSON.stringify(w.serialize()));
    const r = FixWindow.restore(json);
    expect(r.size).toBe(64);
    for (let i = 0; i < 64; i++) {
      expect(r.tsAt(i)).toBe(w.tsAt(i));
      expect(r.latAt(i)).toBe(w.latAt(i));
      expect(r.lonAt(i)).toBe(w.lonAt(i));
      expect(r.metricsAt(i)).toEqual(w.metricsAt(i));
      expect(r.flagMaskAt(i)).toBe(w.flagMaskAt(i));
    }
    // It keeps working as a ring after restore.
    r.push(100_000, 0, 0, metrics(1), 0);
    expect(r.tsAt(0)).toBe(100_000);
    expect(r.tsAt(63)).toBe(37_000);
    expect(r.findTs(36_000)).toBe(-1);
  });

  it("serializes only occupied rows", () => {
    const small = filled(3).serialize();
    const full = filled(64).serialize();
    expect(small.size).toBe(3);
    expect(Buffer.from(small.data, "base64").byteLength * 64).toBe(Buffer.from(full.data, "base64").byteLength * 3);
    const empty = FixWindow.restore(new FixWindow().serialize());
    expect(empty.size).toBe(0);
    expect(empty.newestTs).toBeNull();
  });

  it("restores into a different capacity, keeping the newest rows", () => {
    const big = filled(100, 128);
    const r = FixWindow.restore(big.serialize(), 64);
    expect(r.size).toBe(64);
    expect(r.tsAt(0)).toBe(99_000);
    expect(r.tsAt(63)).toBe(36_000);
    const grown = FixWindow.restore(filled(70).serialize(), 128);
    expect(grown.size).toBe(64);
    grown.push(70_000, 0, 0, metrics(3), 0);
    expect(grown.size).toBe(65);
    expect(grown.tsAt(64)).toBe(6000);
  });

  it("rejects malformed serialized data", () => {
    expect(() => FixWindow.restore({ size: 2, data: "AAAA" })).toThrow(TypeError);
    expect(() => FixWindow.restore({ size: -1, data: "" })).toThrow(TypeError);
  });

  it("fits a 64-fix window in under 4 KB", () => {
    expect(FixWindow.bytesFor(64)).toBeLessThanOrEqual(4096);
  });
});
