import { describe, expect, it } from "vitest";
import { besselRatioA1, inverseA1 } from "../../simulator/circular.ts";
import { Rng } from "../../simulator/random.ts";

const N = 50_000;

describe("Rng", () => {
  it("repeats the same sequence for the same seed and differs for another seed", () => {
    const draw = (seed: number | string) => {
      const r = new Rng(seed);
      return [r.nextUint32(), r.uniform(), r.normal(), r.gamma(0.7, 3), r.vonMises(1, 2), r.categorical([1, 2, 3])];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw("herd-7")).toEqual(draw("herd-7"));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it("uniform is in [0, 1) with mean 1/2 and variance 1/12", () => {
    const r = new Rng(1);
    let sum = 0;
    let sq = 0;
    let inRange = true;
    for (let i = 0; i < N; i++) {
      const u = r.uniform();
      inRange &&= u >= 0 && u < 1;
      sum += u;
      sq += u * u;
    }
    expect(inRange).toBe(true);
    const mean = sum / N;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(sq / N - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it("normal has the requested mean and sd", () => {
    const r = new Rng(2);
    const xs = Array.from({ length: N }, () => r.normal(3, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
    expect(Math.abs(mean - 3)).toBeLessThan(4 * (2 / Math.sqrt(N)));
    expect(Math.abs(variance - 4)).toBeLessThan(4 * 4 * Math.sqrt(2 / N));
  });

  // Tolerances are 4 standard errors: a wrong sampler (e.g. a missing boost for shape < 1) fails them.
  it.each([
    [0.3, 2],
    [0.5, 10],
    [1, 1],
    [2.5, 400],
    [9, 0.5],
  ])("gamma(shape %d, scale %d) matches the theoretical mean kθ and variance kθ²", (k, theta) => {
    const r = new Rng(`gamma-${k}`);
    const xs = Array.from({ length: N }, () => r.gamma(k, theta));
    expect(xs.every((x) => x > 0)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
    const sigma2 = k * theta * theta;
    expect(Math.abs(mean - k * theta)).toBeLessThan(4 * Math.sqrt(sigma2 / N));
    // Var(s²) ≈ σ⁴ (2 + excess kurtosis) / n, excess kurtosis of a gamma = 6/k.
    expect(Math.abs(variance - sigma2)).toBeLessThan(4 * sigma2 * Math.sqrt((2 + 6 / k) / N));
  });

  it("A1 (Bessel ratio I1/I0) matches reference values and inverts", () => {
    // scipy.special.i1(k) / i0(k)
    const ref: Array<[number, number]> = [
      [0.5, 0.24249961258080202],
      [1, 0.4463899658965347],
      [2, 0.6977746579640083],
      [10, 0.9485998259548463],
      [30, 0.9831895553653359],
      [50, 0.9899489673784979],
    ];
    for (const [k, a] of ref) expect(besselRatioA1(k)).toBeCloseTo(a, 7);
    for (const r of [0.05, 0.5, 0.8, 0.95, 0.999]) expect(besselRatioA1(inverseA1(r))).toBeCloseTo(r, 9);
  });

  it.each([0.5, 2, 10, 200])("von Mises(mu, kappa = %d): circular mean ≈ mu, mean resultant length ≈ A1(kappa)", (kappa) => {
    const mu = 2.5;
    const r = new Rng(`vm-${kappa}`);
    let c = 0;
    let s = 0;
    let inRange = true;
    for (let i = 0; i < N; i++) {
      const x = r.vonMises(mu, kappa);
      inRange &&= x > -Math.PI && x <= Math.PI;
      c += Math.cos(x - mu);
      s += Math.sin(x - mu);
    }
    expect(inRange).toBe(true);
    const a1 = besselRatioA1(kappa);
    const a2 = 1 - (2 * a1) / kappa; // I2/I0
    const rbar = Math.hypot(c, s) / N;
    // Var(cos) = (1 + A2)/2 − A1², Var(sin) = (1 − A2)/2 around the true mean direction.
    expect(Math.abs(rbar - a1)).toBeLessThan(4 * Math.sqrt(((1 + a2) / 2 - a1 * a1) / N) + 1e-4);
    const meanDir = Math.atan2(s, c); // relative to mu
    expect(Math.abs(meanDir)).toBeLessThan((4 * Math.sqrt((1 - a2) / 2 / N)) / a1);
  });

  it("von Mises with kappa 0 is uniform on the circle", () => {
    const r = new Rng(5);
    let c = 0;
    let s = 0;
    for (let i = 0; i < N; i++) {
      const x = r.vonMises(1, 0);
      c += Math.cos(x);
      s += Math.sin(x);
    }
    expect(Math.hypot(c, s) / N).toBeLessThan(4 / Math.sqrt(N));
  });

  it("categorical frequencies follow the weights and never pick a zero weight", () => {
    const r = new Rng(9);
    const w = [1, 0, 3, 6];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[r.categorical(w)]!++;
    expect(counts[1]).toBe(0);
    w.forEach((wi, i) => {
      const p = wi / 10;
      expect(Math.abs(counts[i]! / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
    });
    expect(() => r.categorical([0, 0])).toThrow(/not all be zero/);
  });
});
