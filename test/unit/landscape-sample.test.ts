import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_NAMES, featureMatrix, featureVector, sampleAt, sampleInto, sampleTrack } from "../../engine/landscape/sample.ts";
import { emptyStack, LANDCOVER, LAYERS, makeGrid, type CovariateStack } from "../../engine/landscape/stack.ts";

// 3 columns × 2 rows of 1° cells from (10°E, 5°N): cell centres at lon 10.5, 11.5, 12.5 and lat 4.5 (row 0), 3.5 (row 1).
function tinyStack(): CovariateStack {
  const s = emptyStack(makeGrid(10, 5, 1, 1, 3, 2));
  s.layers.elevation.set([0, 10, 20, 100, 110, 120]);
  s.layers.ndvi.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  s.layers.dist_water.set([0, 1000, 2000, 500, 1500, 2500]);
  s.layers.landcover.set([1, 2, 3, 4, 5, 1]);
  s.layers.dist_settlement.set([9, 8, 7, 6, 5, 4]);
  return s;
}

describe("sampling a covariate stack", () => {
  const s = tinyStack();

  it("returns a cell's own values at its centre", () => {
    expect(sampleAt(s, 10.5, 4.5)).toEqual({ elevation: 0, ndvi: expect.closeTo(0.1, 6), dist_water: 0, landcover: 1, dist_settlement: 9 });
    expect(sampleAt(s, 12.5, 3.5).elevation).toBe(120);
  });

  it("interpolates continuous layers bilinearly between centres", () => {
    expect(sampleAt(s, 11, 4).elevation).toBeCloseTo((0 + 10 + 100 + 110) / 4, 12);
    // tx = ty = 0.25 from the (0, 0) centre: 0.5625·0 + 0.1875·10 + 0.1875·100 + 0.0625·110
    expect(sampleAt(s, 10.75, 4.25).elevation).toBeCloseTo(27.5, 12);
    expect(sampleAt(s, 12, 3.5).dist_water).toBeCloseTo(2000, 9);
    expect(sampleAt(s, 11.5, 4).dist_settlement).toBeCloseTo(6.5, 12);
  });

  it("clamps to the edge cell in the outer half-cell band and includes the boundary", () => {
    expect(sampleAt(s, 10.2, 4.8).elevation).toBe(0);
    expect(sampleAt(s, 13, 3).elevation).toBe(120);
    expect(sampleAt(s, 10, 5).elevation).toBe(0);
    expect(sampleAt(s, 12.9, 4.5).elevation).toBeCloseTo(20, 12);
  });

  it("takes land cover from the cell containing the point", () => {
    expect(sampleAt(s, 11.99, 4.01).landcover).toBe(2);
    expect(sampleAt(s, 11, 4.5).landcover).toBe(2); // on the column boundary: the eastern cell
    expect(sampleAt(s, 10.01, 3.99).landcover).toBe(4);
    expect(sampleAt(s, 13, 3).landcover).toBe(1); // the south-east corner belongs to the last cell
  });

  it("is NaN everywhere outside the extent", () => {
    for (const [lon, lat] of [[9.99, 4], [13.01, 4], [11, 5.01], [11, 2.99], [NaN, 4]]) {
      const c = sampleAt(s, lon!, lat!);
      for (const name of LAYERS) expect(c[name]).toBeNaN();
    }
  });

  it("drops no-data neighbours from the interpolation", () => {
    const holes = tinyStack();
    holes.layers.elevation[1] = NaN; // (col 1, row 0)
    expect(sampleAt(holes, 11, 4).elevation).toBeCloseTo((0 + 100 + 110) / 3, 12);
    expect(sampleAt(holes, 11.5, 4.5).elevation).toBeNaN(); // exactly on the missing centre
    holes.layers.landcover[0] = NaN;
    expect(sampleAt(holes, 10.5, 4.5).landcover).toBeNaN();
  });

  it("samples a track into typed columns equal to point sampling", () => {
    const lon = Float64Array.from([10.5, 11, 10.75, 14, 12.2]);
    const lat = Float64Array.from([4.5, 4, 4.25, 4, 3.3]);
    const cols = sampleTrack(s, lon, lat);
    for (const name of LAYERS) {
      expect(cols[name]).toBeInstanceOf(Float64Array);
      expect(cols[name].length).toBe(5);
    }
    const out = new Float64Array(LAYERS.length + 2);
    for (let i = 0; i < 5; i++) {
      const one = sampleAt(s, lon[i]!, lat[i]!);
      sampleInto(s, lon[i]!, lat[i]!, out, 2);
      LAYERS.forEach((name, k) => {
        expect(Object.is(cols[name][i], one[name])).toBe(true);
        expect(Object.is(out[2 + k], one[name])).toBe(true);
      });
    }
    expect(() => sampleTrack(s, lon, lat.subarray(1))).toThrow(/5 longitudes but 4 latitudes/);
  });

  it("builds feature vectors in the documented order with one-hot land cover", () => {
    expect(FEATURE_COUNT).toBe(9);
    expect(FEATURE_NAMES.slice(4)).toEqual(["lc_grassland", "lc_woodland", "lc_water", "lc_farmland", "lc_settlement"]);
    const v = featureVector({ elevation: 1500, ndvi: 0.4, dist_water: 300, landcover: LANDCOVER.farmland, dist_settlement: 2000 });
    expect([...v]).toEqual([1500, 0.4, 300, 2000, 0, 0, 0, 1, 0]);
    const unknown = featureVector({ elevation: 1, ndvi: 0, dist_water: 0, landcover: NaN, dist_settlement: 0 });
    expect([...unknown.subarray(4)].every(Number.isNaN)).toBe(true);
    const outside = featureVector({ elevation: 1, ndvi: 0, dist_water: 0, landcover: 9, dist_settlement: 0 });
    expect([...outside.subarray(4)]).toEqual([0, 0, 0, 0, 0]);

    const cols = sampleTrack(s, Float64Array.from([10.5, 12.5]), Float64Array.from([4.5, 3.5]));
    const m = featureMatrix(cols);
    expect(m.length).toBe(2 * FEATURE_COUNT);
    expect([...m.subarray(FEATURE_COUNT)]).toEqual([...featureVector(sampleAt(s, 12.5, 3.5))]);
  });
});
