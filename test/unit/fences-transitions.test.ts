import { describe, expect, it } from "vitest";
import { FenceIndex } from "../../engine/fences/index.ts";
import { distanceToBorderM, fenceTransition } from "../../engine/fences/transitions.ts";
import type { Fence, FenceArea, Position } from "../../engine/fences/types.ts";

const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const fence = (id: string, kind: Fence["kind"], area: FenceArea): Fence => ({ id, kind, name: id, area, rules: {} });
const p = (lon: number, lat: number) => ({ lon, lat });

// 0: square with a hole; 1: multipolygon of two squares; 2: thin corridor (x in [0.5, 0.5001], ~11 m wide).
const idx = new FenceIndex([
  fence("c1", "corridor", { type: "Polygon", coordinates: [sq(0, 0, 0.1, 0.1), sq(0.04, 0.04, 0.06, 0.06)] }),
  fence("r1", "risk_zone", { type: "MultiPolygon", coordinates: [[sq(1, 0, 1.01, 0.01)], [sq(1.02, 0, 1.03, 0.01)]] }),
  fence("thin", "corridor", { type: "Polygon", coordinates: [sq(0.5, -1, 0.5001, 1)] }),
]);

describe("fenceTransition", () => {
  it("first fix (no state): inside / outside, never enter", () => {
    expect(fenceTransition(null, p(0.01, 0.01), 0, idx, null)).toBe("inside");
    expect(fenceTransition(null, p(0.2, 0.2), 0, idx, null)).toBe("outside");
    expect(fenceTransition(p(0.2, 0.2), p(0.01, 0.01), 0, idx, null)).toBe("inside");
  });

  it("enter, exit, inside, outside", () => {
    expect(fenceTransition(p(-0.01, 0.01), p(0.01, 0.01), 0, idx, false)).toBe("enter");
    expect(fenceTransition(p(0.01, 0.01), p(-0.01, 0.01), 0, idx, true)).toBe("exit");
    expect(fenceTransition(p(0.01, 0.01), p(0.02, 0.01), 0, idx, true)).toBe("inside");
    expect(fenceTransition(p(-0.01, 0.01), p(-0.02, 0.01), 0, idx, false)).toBe("outside");
  });

  it("border counts as covered (ST_Covers)", () => {
    expect(fenceTransition(p(-0.01, 0.05), p(0, 0.05), 0, idx, false)).toBe("enter");
  });

  it("holes are outside: walking into the hole is an exit, out of it an enter", () => {
    expect(fenceTransition(p(0.03, 0.05), p(0.05, 0.05), 0, idx, true)).toBe("exit");
    expect(fenceTransition(p(0.05, 0.05), p(0.07, 0.05), 0, idx, false)).toBe("enter");
    // From the hole straight out of the fence: the segment passes through the area.
    expect(fenceTransition(p(0.05, 0.05), p(0.05, 0.2), 0, idx, false)).toBe("cross");
  });

  it("multipolygon: each part counts; hopping between parts crosses nothing", () => {
    expect(fenceTransition(p(0.99, 0.005), p(1.005, 0.005), 1, idx, false)).toBe("enter");
    expect(fenceTransition(p(1.005, 0.005), p(1.025, 0.005), 1, idx, true)).toBe("inside");
    expect(fenceTransition(p(1.005, 0.005), p(1.015, 0.005), 1, idx, true)).toBe("exit");
    // Between parts to beyond the second one: crosses part 2.
    expect(fenceTransition(p(1.015, 0.005), p(1.04, 0.005), 1, idx, false)).toBe("cross");
    // Passing above both parts: outside.
    expect(fenceTransition(p(0.99, 0.02), p(1.04, 0.02), 1, idx, false)).toBe("outside");
  });

  it("cross through a thin corridor between two sparse fixes", () => {
    expect(fenceTransition(p(0.4, 0), p(0.6, 0.01), 2, idx, false)).toBe("cross");
    // No previous fix: no segment, no cross.
    expect(fenceTransition(null, p(0.6, 0.01), 2, idx, false)).toBe("outside");
    // Segment beyond the corridor's end.
    expect(fenceTransition(p(0.4, 1.5), p(0.6, 1.5), 2, idx, false)).toBe("outside");
  });

  it("hysteresis: within the margin the state does not flip; beyond it, it does", () => {
    // 0.00005° of longitude at the equator ≈ 5.6 m.
    const justOut = p(-0.00005, 0.05);
    const justIn = p(0.00005, 0.05);
    expect(fenceTransition(p(0.01, 0.05), justOut, 0, idx, true, 10)).toBe("inside");
    expect(fenceTransition(p(-0.01, 0.05), justIn, 0, idx, false, 10)).toBe("outside");
    expect(fenceTransition(p(0.01, 0.05), justOut, 0, idx, true, 0)).toBe("exit");
    expect(fenceTransition(p(0.01, 0.05), p(-0.0002, 0.05), 0, idx, true, 10)).toBe("exit"); // ~22 m out
    expect(fenceTransition(p(-0.01, 0.05), p(0.0002, 0.05), 0, idx, false, 10)).toBe("enter");
    // The hole's border is a border too.
    expect(fenceTransition(p(0.03, 0.05), p(0.04005, 0.05), 0, idx, true, 10)).toBe("inside");
  });

  it("jitter across the border with hysteresis never flaps", () => {
    let state = true;
    let prev = p(0.01, 0.05);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const cur = p((Math.sin(i * 1.7) * 8) / 111320, 0.05 + i * 1e-6); // ±8 m around x = 0
      const t = fenceTransition(prev, cur, 0, idx, state, 10);
      seen.add(t);
      state = t === "inside" || t === "enter";
      prev = cur;
    }
    expect([...seen]).toEqual(["inside"]);
  });
});

describe("distanceToBorderM", () => {
  const area: FenceArea = { type: "Polygon", coordinates: [sq(0, 0, 0.1, 0.1), sq(0.04, 0.04, 0.06, 0.06)] };
  it("metres to the nearest edge, outer ring or hole", () => {
    expect(distanceToBorderM(area, -0.001, 0.05)).toBeCloseTo(111.2, 0);
    expect(distanceToBorderM(area, 0.001, 0.05)).toBeCloseTo(111.2, 0);
    expect(distanceToBorderM(area, 0.039, 0.05)).toBeCloseTo(111.2, 0); // hole edge at x = 0.04
    expect(distanceToBorderM(area, 0.05, 0.05)).toBeCloseTo(1112, -1);
    expect(distanceToBorderM(area, 0, 0.05)).toBe(0);
  });
  it("scales longitude by cos(lat)", () => {
    const hi: FenceArea = { type: "Polygon", coordinates: [sq(10, 60, 11, 61)] };
    expect(distanceToBorderM(hi, 9.999, 60.5)).toBeCloseTo(111.2 * Math.cos((60.5 * Math.PI) / 180), 0);
  });
  it("wraps longitude at the antimeridian", () => {
    const east: FenceArea = { type: "Polygon", coordinates: [sq(179.9, 0, 180, 1)] };
    expect(distanceToBorderM(east, -179.999, 0.5)).toBeCloseTo(111.2, 0);
  });
});
