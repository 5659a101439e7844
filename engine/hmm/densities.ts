// State-dependent distributions of moveHMM: gamma step lengths in its mean/sd parametrisation, von
// Mises and wrapped Cauchy turning angles on (−π, π]. Densities, log-densities and the CDFs the
// pseudo-residuals need. Scalar pure functions.
import { besselRatios, gammaP, logBesselI0Scaled, logGamma } from "./special.ts";

const TWO_PI = 2 * Math.PI;
const LOG_TWO_PI = Math.log(TWO_PI);

/** Gamma shape k = mean²/sd² and scale θ = sd²/mean (moveHMM's dgamma_rcpp). */
export function gammaShapeScale(mean: number, sd: number): { shape: number; scale: number } {
  return { shape: (mean * mean) / (sd * sd), scale: (sd * sd) / mean };
}

/** log density of the gamma distribution with the given mean and sd at x ≥ 0. */
export function gammaLogPdf(x: number, mean: number, sd: number): number {
  const shape = (mean * mean) / (sd * sd);
  const scale = (sd * sd) / mean;
  if (x < 0) return -Infinity;
  if (x === 0) {
    // R's dgamma at 0: 0 for shape > 1, the rate for shape 1, +Inf below.
    if (shape > 1) return -Infinity;
    return shape === 1 ? -Math.log(scale) : Infinity;
  }
  return (shape - 1) * Math.log(x) - x / scale - logGamma(shape) - shape * Math.log(scale);
}

/** Density of the gamma distribution with the given mean and sd. */
export function gammaPdf(x: number, mean: number, sd: number): number {
  return Math.exp(gammaLogPdf(x, mean, sd));
}

/** P(X ≤ x) for the gamma distribution with the given mean and sd. */
export function gammaCdf(x: number, mean: number, sd: number): number {
  if (!(x > 0)) return 0;
  return gammaP((mean * mean) / (sd * sd), (x * mean) / (sd * sd));
}

/** log density of the von Mises distribution (mean μ, concentration κ ≥ 0) at angle x. */
export function vonMisesLogPdf(x: number, mu: number, kappa: number): number {
  return kappa * (Math.cos(x - mu) - 1) - LOG_TWO_PI - logBesselI0Scaled(kappa);
}

/** Density of the von Mises distribution; moveHMM's 1/(2π I₀ₑ(κ)) · exp(cos(x−μ) − 1)^κ. */
export function vonMisesPdf(x: number, mu: number, kappa: number): number {
  return Math.exp(vonMisesLogPdf(x, mu, kappa));
}

/** log density of the wrapped Cauchy distribution (mean μ, concentration 0 ≤ ρ < 1) at angle x. */
export function wrappedCauchyLogPdf(x: number, mu: number, rho: number): number {
  return Math.log(1 - rho * rho) - LOG_TWO_PI - Math.log(1 + rho * rho - 2 * rho * Math.cos(x - mu));
}

/** Density of the wrapped Cauchy distribution. */
export function wrappedCauchyPdf(x: number, mu: number, rho: number): number {
  return Math.exp(wrappedCauchyLogPdf(x, mu, rho));
}

/**
 * ∫ from −π to x of the von Mises density (what moveHMM's pseudoRes integrates), from the Fourier
 * series f(t) = (1/2π)(1 + 2 Σ Iₙ(κ)/I₀(κ) cos n(t−μ)).
 */
export function vonMisesCdf(x: number, mu: number, kappa: number): number {
  if (!(x > -Math.PI)) return 0;
  if (x >= Math.PI) return 1;
  if (kappa > 1e5) {
    // The series would need thousands of terms; the wrapped normal is exact to O(1/κ) here.
    return wrappedNormalCdf(x, mu, 1 / Math.sqrt(kappa));
  }
  const terms = 30 + Math.ceil(12 * Math.sqrt(kappa));
  const ratios = besselRatios(kappa, new Float64Array(terms));
  let sum = 0;
  for (let n = 1; n <= terms; n++) {
    const rn = ratios[n - 1]!;
    if (rn < 1e-18) break;
    sum += (rn * (Math.sin(n * (x - mu)) - Math.sin(n * (-Math.PI - mu)))) / n;
  }
  return clamp01((x + Math.PI + 2 * sum) / TWO_PI);
}

/** ∫ from −π to x of the wrapped Cauchy density (closed form of its Fourier series, ρⁿ terms). */
export function wrappedCauchyCdf(x: number, mu: number, rho: number): number {
  if (!(x > -Math.PI)) return 0;
  if (x >= Math.PI) return 1;
  // Σ ρⁿ sin(n t) / n = atan2(ρ sin t, 1 − ρ cos t)
  const s = (t: number): number => Math.atan2(rho * Math.sin(t), 1 - rho * Math.cos(t));
  return clamp01((x + Math.PI + 2 * (s(x - mu) - s(-Math.PI - mu))) / TWO_PI);
}

function wrappedNormalCdf(x: number, mu: number, sd: number): number {
  // Sum the normal CDF over the few wraps that matter at this (tiny) sd.
  let total = 0;
  for (let k = -1; k <= 1; k++) {
    const c = mu + k * TWO_PI;
    total += phi((x - c) / sd) - phi((-Math.PI - c) / sd);
  }
  return clamp01(total);
}

function phi(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

function erf(z: number): number {
  const p = gammaP(0.5, z * z);
  return z < 0 ? -p : p;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
