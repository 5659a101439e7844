import { describe, expect, it } from "vitest";
import type { Position } from "../../engine/fences/types.ts";
import { validateFenceGeometry } from "../../engine/fences/validate.ts";

const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const errorsOf = (g: unknown, w?: number) => {
  const r = validateFenceGeometry(g, w);
  if (r.ok) throw new Error("expected errors");
  return r.errors;
};

describe("validateFenceGeometry", () => {
  it("accepts a polygon with a hole and a multipolygon unchanged", () => {
    const p = { type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(2, 2, 4, 4)] };
    expect(validateFenceGeometry(p)).toEqual({ ok: true, area: p });
    const m = { type: "MultiPolygon", coordinates: [[sq(0, 0, 1, 1)], [sq(5, 5, 6, 6)]] };
    expect(validateFenceGeometry(m)).toEqual({ ok: true, area: m });
  });

  it("drops repeated consecutive positions", () => {
    const r = validateFenceGeometry({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 0], [1, 1], [0, 0]]] });
    expect(r).toEqual({ ok: true, area: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } });
  });

  it("lists every coordinate error with its path", () => {
    const errs = errorsOf({ type: "Polygon", coordinates: [[[0, 0], [181, 0], [1, Number.NaN], [0, -91], "x", [0, 0]]] });
    expect(errs).toEqual([
      { path: "coordinates.0.1.0", message: "longitude 181 is outside [-180, 180]" },
      { path: "coordinates.0.2.1", message: "latitude must be a finite number" },
      { path: "coordinates.0.3.1", message: "latitude -91 is outside [-90, 90]" },
      { path: "coordinates.0.4", message: "must be a position [lon, lat]" },
    ]);
    expect(errorsOf({ type: "MultiPolygon", coordinates: [[sq(0, 0, 1, 1)], [[[0, 0], [1, 0], [1, "a"], [0, 0]]]] })).toEqual([
      { path: "coordinates.1.0.2.1", message: "latitude must be a finite number" },
    ]);
  });

  it("unclosed rings, too few positions, zero area", () => {
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] })).toEqual([
      { path: "coordinates.0.3", message: "ring is not closed: the last position must equal the first" },
    ]);
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [0, 0]]] })[0]).toMatchObject({ path: "coordinates.0" });
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 0], [1, 1], [2, 2], [0, 0]]] })[0]).toEqual({ path: "coordinates.0", message: "ring has zero area" });
  });

  it("self-intersection (bow tie) and spikes", () => {
    const errs = errorsOf({ type: "Polygon", coordinates: [[[0, 0], [4, 4], [4, 0], [0, 3], [0, 0]]] });
    expect(errs[0]!.path).toBe("coordinates.0.0");
    expect(errs[0]!.message).toMatch(/self-intersects.*position 2/);
    // A ring that touches itself at a vertex is invalid too.
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 0], [4, 0], [4, 4], [2, 0], [0, 4], [0, 0]]] })[0]!.message).toMatch(/self-intersects/);
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 0], [4, 0], [6, 0], [5, 0], [4, 4], [0, 0]]] })[0]!.message).toMatch(/spike|self-intersects/);
  });

  it("holes must lie inside the outer ring, not cross it, not nest", () => {
    expect(errorsOf({ type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(20, 20, 21, 21)] })).toEqual([
      { path: "coordinates.1", message: "hole is not inside the outer ring" },
    ]);
    expect(errorsOf({ type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(8, 8, 12, 12)] })[0]!.message).toMatch(/rings cross/);
    expect(errorsOf({ type: "Polygon", coordinates: [sq(0, 0, 10, 10), sq(1, 1, 9, 9), sq(2, 2, 3, 3)] })).toEqual([
      { path: "coordinates.2", message: "hole lies inside another hole (coordinates.1)" },
    ]);
    // A hole touching the outer ring at one vertex is fine.
    expect(validateFenceGeometry({ type: "Polygon", coordinates: [sq(0, 0, 10, 10), [[0, 5], [3, 4], [3, 6], [0, 5]]] }).ok).toBe(true);
  });

  it("type and shape errors", () => {
    expect(errorsOf(null)).toEqual([{ path: "", message: "must be a GeoJSON geometry object" }]);
    expect(errorsOf({ type: "Point", coordinates: [0, 0] })).toEqual([{ path: "type", message: "must be Polygon, MultiPolygon or LineString" }]);
    expect(errorsOf({ type: "Polygon", coordinates: 3 })).toEqual([{ path: "coordinates", message: "must be an array" }]);
  });

  it("antimeridian: a crossing polygon is split at 180° into a MultiPolygon within [-180, 180]", () => {
    const r = validateFenceGeometry({ type: "Polygon", coordinates: [[[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.area.type).toBe("MultiPolygon");
    const xs = JSON.stringify(r.area.coordinates).match(/-?\d+(\.\d+)?(?=,)/g)!.map(Number);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-180);
    expect(Math.max(...xs)).toBeLessThanOrEqual(180);
    // 360° around a pole is refused.
    expect(errorsOf({ type: "Polygon", coordinates: [[[0, 80], [120, 80], [-120, 80], [0, 80]]] })[0]!.message).toMatch(/circles the globe/);
  });

  it("LineString + width_m is buffered into a polygon; width is checked", () => {
    const r = validateFenceGeometry({ type: "LineString", coordinates: [[35, -1], [35.1, -1]] }, 1000);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.area.type).toBe("Polygon");
    expect(errorsOf({ type: "LineString", coordinates: [[35, -1], [35.1, -1]] })).toEqual([{ path: "width_m", message: "is required with a LineString" }]);
    expect(errorsOf({ type: "LineString", coordinates: [[35, -1], [35.1, -1]] }, 60_000)[0]!.path).toBe("width_m");
    expect(errorsOf({ type: "LineString", coordinates: [[35, -1]] }, 10)).toEqual([{ path: "coordinates", message: "a LineString needs at least 2 positions" }]);
  });
});
