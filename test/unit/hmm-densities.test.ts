// Densities, CDFs and special functions of the movement HMM, and step/angle preparation as
// moveHMM's prepData; spot values from ../shared/datasets/README.md.
import { describe, expect, it } from "vitest";
import {
  gammaCdf,
  gammaPdf,
  geodesicBearing,
  greatCircleKm,
  prepTracks,
  stepsAndAngles,
  turnAngle,
  turnAngleLonLat,
  vonMisesCdf,
  vonMisesPdf,
  wrappedCauchyCdf,
  wrappedCauchyPdf,
} from "../../engine/hmm/index.ts";
import { haversineDistance } from "../../engine/geo.ts";
import { digamma, logBesselI0Scaled, logGamma, normalCdf, normalQuantile } from "../../engine/hmm/special.ts";

// Composite Simpson's rule, for checking CDFs against their densities.
function integrate(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe("reference spot values (datasets/README.md)", () => {
  it("gamma(x=1 | mean 1, sd 0.5) = 0.78146726", () => {
    expect(gammaPdf(1, 1, 0.5)).toBeCloseTo(0.78146726, 8);
  });

  it("von Mises(x=0.5 | mean 0, kappa 2) = 0.40385253", () => {
    expect(vonMisesPdf(0.5, 0, 2)).toBeCloseTo(0.40385253, 8);
  });

  it("the turning angle at (1,0) on (0,0) -> (1,0) -> (1,1) is pi/2", () => {
    expect(turnAngle(0, 0, 1, 0, 1, 1)).toBeCloseTo(Math.PI / 2, 14);
  });
});

describe("special functions", () => {
  it("log-gamma, digamma, Bessel I0 match tabulated values", () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 12);
    expect(Math.exp(logBesselI0Scaled(1) + 1)).toBeCloseTo(1.2660658777520082, 13);
    expect(Math.exp(logBesselI0Scaled(10) + 10) / 2815.716628466254).toBeCloseTo(1, 12);
    expect(Math.exp(logBesselI0Scaled(100) + 100) / 1.0737517071310738e42).toBeCloseTo(1, 12);
  });

  it("normal CDF and quantile are inverse and exact in the tails", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300946, 15);
    for (const p of [1e-8, 0.01, 0.3, 0.5, 0.77, 0.999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 10);
  });
});

describe("densities integrate to their CDFs", () => {
  it("gamma", () => {
    expect(gammaCdf(2.5, 1.5, 0.8)).toBeCloseTo(integrate((x) => gammaPdf(x, 1.5, 0.8), 0, 2.5), 8);
    expect(gammaCdf(0, 1, 1)).toBe(0);
  });

  it("von Mises and wrapped Cauchy from −π, over (−π, π]", () => {
    for (const [mu, k] of [[0, 2], [3, 0.3], [-2, 15]] as const) {
      for (const x of [-2.5, 0, 1.2, 3]) {
        expect(vonMisesCdf(x, mu, k)).toBeCloseTo(integrate((t) => vonMisesPdf(t, mu, k), -Math.PI, x), 8);
      }
      expect(vonMisesCdf(Math.PI, mu, k)).toBe(1);
    }
    for (const [mu, r] of [[0, 0.5], [2.8, 0.9], [-1, 0.05]] as const) {
      for (const x of [-2.5, 0, 1.2, 3]) {
        expect(wrappedCauchyCdf(x, mu, r)).toBeCloseTo(integrate((t) => wrappedCauchyPdf(t, mu, r), -Math.PI, x, 20000), 7);
      }
    }
  });
});

describe("steps and turning angles (moveHMM's prepData)", () => {
  it("row t is the step t→t+1 and the angle at t; first angle and last row NA", () => {
    const x = [0, 1, 1, 0];
    const y = [0, 0, 1, 1];
    const step = new Float64Array(4);
    const angle = new Float64Array(4);
    stepsAndAngles("xy", x, y, step, angle);
    expect(Array.from(step.subarray(0, 3))).toEqual([1, 1, 1]);
    expect(step[3]).toBeNaN();
    expect(angle[0]).toBeNaN();
    expect(angle[1]).toBeCloseTo(Math.PI / 2, 14);
    expect(angle[2]).toBeCloseTo(Math.PI / 2, 14);
    expect(angle[3]).toBeNaN();
  });

  it("a missing fix makes the steps and angles that need it NA; an angle next to a zero step is NA", () => {
    const step = new Float64Array(6);
    const angle = new Float64Array(6);
    stepsAndAngles("xy", [0, 1, NaN, 3, 3, 4], [0, 0, 0, 0, 0, 0], step, angle);
    expect(step[0]).toBe(1);
    expect(step[1]).toBeNaN();
    expect(step[2]).toBeNaN();
    expect(step[3]).toBe(0);
    expect(angle[1]).toBeNaN();
    expect(angle[3]).toBeNaN();
    expect(angle[4]).toBeNaN(); // the step into fix 4 has length 0
  });

  it("a reversal is +π (angles lie in (−π, π])", () => {
    expect(turnAngle(0, 0, 1, 0, 0, 0)).toBe(Math.PI);
    expect(turnAngle(0, 0, 1, 0, 2, -1)).toBeCloseTo(-Math.PI / 4, 14);
  });

  it("lon/lat: WGS84 distances in km and geodesic bearings, turning the planar way", () => {
    expect(greatCircleKm(0, 0, 1, 0)).toBeCloseTo(111.3195, 3); // a·Δλ on the equator
    expect(greatCircleKm(10, 50, 10, 50)).toBe(0);
    // within the ellipsoid's ±0.5 % of the spherical distance
    expect(greatCircleKm(35, -1.4, 35.01, -1.41) / (haversineDistance(-1.4, 35, -1.41, 35.01) / 1000)).toBeCloseTo(1, 2);
    expect(geodesicBearing(0, 0, 1, 0)).toBeCloseTo(90, 10);
    expect(geodesicBearing(0, 0, 0, 1)).toBeCloseTo(0, 10);
    expect(geodesicBearing(0, 1, 0, 0)).toBeCloseTo(180, 10);
    // north, then east: a right (clockwise) turn, −π/2 as in the xy convention
    expect(turnAngleLonLat(35, -1.41, 35, -1.4, 35.01, -1.4)).toBeCloseTo(-Math.PI / 2, 3);
  });

  it("prepTracks lays tracks end to end, drops single-fix tracks and fills covariates as moveHMM", () => {
    const data = prepTracks(
      [
        { id: "a", x: [0, 1, 2], y: [0, 0, 0], covariates: { c: [NaN, 2, NaN] } },
        { id: "lonely", x: [5], y: [5], covariates: { c: [9] } },
        { id: "b", x: [0, 0], y: [0, 3], covariates: { c: [NaN, 4] } },
      ],
      { coords: "xy", covariates: ["c", "c^2"] },
    );
    expect(data.trackIds).toEqual(["a", "b"]);
    expect(Array.from(data.trackStart)).toEqual([0, 3, 5]);
    expect(Array.from(data.step.subarray(0, 2))).toEqual([1, 1]);
    expect(data.step[4]).toBeNaN();
    expect(data.covariateNames).toEqual(["c", "c^2"]);
    // leading NA from the first value, later NAs from the row before (across tracks too)
    expect(Array.from(data.covariates)).toEqual([2, 4, 2, 4, 2, 4, 2, 4, 4, 16]);
  });
});
