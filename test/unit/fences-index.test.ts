import { describe, expect, it } from "vitest";
import { BOUNDARY, FenceIndex, INSIDE, OUTSIDE } from "../../engine/fences/index.ts";
import type { Fence, FenceArea, Position } from "../../engine/fences/types.ts";
import { validateFenceGeometry } from "../../engine/fences/validate.ts";

const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const fence = (id: string, kind: Fence["kind"], area: FenceArea): Fence => ({ id, kind, name: id, area, rules: {} });

describe("FenceIndex", () => {
  const squareWithHole = fence("c1", "corridor", { type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(4, 4, 6, 6)] });
  const multi = fence("r1", "risk_zone", { type: "MultiPolygon", coordinates: [[sq(20, 0, 22, 2)], [sq(30, 0, 32, 2)]] });
  // Concave "U": the notch x in (2, 8), y in (2, 10) is outside.
  const u = fence("r2", "risk_zone", { type: "Polygon", coordinates: [[[0, 20], [10, 20], [10, 30], [8, 30], [8, 22], [2, 22], [2, 30], [0, 30], [0, 20]]] });
  const idx = new FenceIndex([squareWithHole, multi, u]);

  it("square with a hole: inside, in hole, outside", () => {
    expect(idx.query(1, 1)).toEqual({ corridors: ["c1"], risk_zones: [] });
    expect(idx.query(5, 5)).toEqual({ corridors: [], risk_zones: [] });
    expect(idx.query(11, 5)).toEqual({ corridors: [], risk_zones: [] });
  });

  it("border semantics = ST_Covers: vertices and edges of outer ring and holes are covered", () => {
    for (const [x, y] of [[0, 0], [10, 10], [5, 0], [0, 7.25], [4, 4], [6, 5], [5, 6], [4.5, 4]]) {
      expect(idx.locate(0, x!, y!), `${x},${y}`).toBe(BOUNDARY);
      expect(idx.containing(x!, y!)).toEqual([0]);
    }
    expect(idx.locate(0, 1, 1)).toBe(INSIDE);
    expect(idx.locate(0, 5, 5)).toBe(OUTSIDE);
    expect(idx.locate(0, -1e-300, 5)).toBe(OUTSIDE);
    expect(idx.locate(0, 10 + 2 ** -40, 5)).toBe(OUTSIDE);
  });

  it("exact on a slanted edge: on it vs one ulp off", () => {
    const tri = new FenceIndex([fence("t", "corridor", { type: "Polygon", coordinates: [[[0, 0], [3, 1], [0, 2], [0, 0]]] })]);
    expect(tri.locate(0, 1.5, 0.5)).toBe(BOUNDARY);
    expect(tri.locate(0, 1.5, 0.5 + 2 ** -53)).toBe(INSIDE);
    expect(tri.locate(0, 1.5, 0.5 - 2 ** -53)).toBe(OUTSIDE);
    // A point that is not exactly representable on the line 0.1-spaced: decide by exact arithmetic.
    const t2 = new FenceIndex([fence("t", "corridor", { type: "Polygon", coordinates: [[[0.1, 0.1], [0.3, 0.2], [0.1, 0.3], [0.1, 0.1]]] })]);
    expect([INSIDE, OUTSIDE, BOUNDARY]).toContain(t2.locate(0, 0.2, 0.15));
  });

  it("multipolygon parts and concave shapes", () => {
    expect(idx.query(21, 1).risk_zones).toEqual(["r1"]);
    expect(idx.query(31, 1).risk_zones).toEqual(["r1"]);
    expect(idx.query(26, 1).risk_zones).toEqual([]);
    expect(idx.query(5, 25).risk_zones).toEqual([]); // in the notch
    expect(idx.query(1, 25).risk_zones).toEqual(["r2"]);
    expect(idx.query(9, 29).risk_zones).toEqual(["r2"]);
    expect(idx.query(5, 21).risk_zones).toEqual(["r2"]);
    expect(idx.query(5, 22).risk_zones).toEqual(["r2"]); // on the notch bottom edge
  });

  it("overlapping fences: ids in fence-array order, queryMany = query", () => {
    const a = fence("a", "corridor", { type: "Polygon", coordinates: [sq(0, 0, 4, 4)] });
    const b = fence("b", "risk_zone", { type: "Polygon", coordinates: [sq(2, 2, 6, 6)] });
    const c = fence("c", "corridor", { type: "Polygon", coordinates: [sq(1, 1, 3, 3)] });
    const i2 = new FenceIndex([a, b, c]);
    expect(i2.query(2.5, 2.5)).toEqual({ corridors: ["a", "c"], risk_zones: ["b"] });
    expect(i2.containing(2.5, 2.5)).toEqual([0, 1, 2]);
    const pts = Float64Array.of(2.5, 2.5, 5, 5, 9, 9, 0, 0);
    const r = i2.queryMany(pts);
    expect(Array.from(r.offsets)).toEqual([0, 3, 4, 4, 5]);
    expect(Array.from(r.fences)).toEqual([0, 1, 2, 1, 0]);
    expect(Array.from(i2.countMany(pts))).toEqual([3, 1, 0, 1]);
  });

  it("empty index answers nothing", () => {
    const e = new FenceIndex([]);
    expect(e.query(0, 0)).toEqual({ corridors: [], risk_zones: [] });
    expect(Array.from(e.queryMany(Float64Array.of(1, 1)).offsets)).toEqual([0, 0]);
  });

  it("refuses unvalidated input with a message saying what to do", () => {
    expect(() => new FenceIndex([fence("x", "corridor", { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] })])).toThrow(/unclosed ring; validate/);
  });

  it("antimeridian polygon (validated → split) covers both sides", () => {
    const v = validateFenceGeometry({ type: "Polygon", coordinates: [[[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]] });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const i3 = new FenceIndex([fence("am", "corridor", v.area)]);
    expect(i3.query(175, 0).corridors).toEqual(["am"]);
    expect(i3.query(-175, 0).corridors).toEqual(["am"]);
    expect(i3.query(180, 0).corridors).toEqual(["am"]);
    expect(i3.query(-180, 5).corridors).toEqual(["am"]);
    expect(i3.query(0, 0).corridors).toEqual([]);
    expect(i3.query(160, 0).corridors).toEqual([]);
    expect(i3.query(-175, 11).corridors).toEqual([]);
  });

  it("segmentCrossesArea: a straight segment through a thin corridor with both ends outside", () => {
    const thin = new FenceIndex([fence("t", "corridor", { type: "Polygon", coordinates: [sq(0, 0, 0.001, 10)] })]);
    expect(thin.segmentCrossesArea(-1, 5, 1, 5, 0)).toBe(true);
    expect(thin.segmentCrossesArea(-1, 5, -0.5, 5, 0)).toBe(false);
    expect(thin.segmentCrossesArea(-1, 5, 0.0005, 5, 0)).toBe(false); // ends inside: that is enter, not cross
    expect(thin.segmentCrossesArea(-1, 11, 1, 11, 0)).toBe(false);
    expect(thin.segmentCrossesArea(-1, 9, 1, 11, 0)).toBe(true); // clips the top-right corner region
    expect(thin.crossedBy(-1, 5, 1, 5)).toEqual([0]);
    // Passing through the hole of a donut only (never through the area) is not a cross.
    const donut = new FenceIndex([fence("d", "corridor", { type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(2, 2, 8, 8)] })]);
    expect(donut.segmentCrossesArea(3, 5, 7, 5, 0)).toBe(false);
    expect(donut.segmentCrossesArea(-1, 5, 5, 5, 0)).toBe(true);
  });
});
