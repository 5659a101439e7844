// Von Mises helpers: A1(kappa) = I1(kappa)/I0(kappa) (the mean resultant length) and its inverse.

/** Modified Bessel function ratio I1(k)/I0(k) for k ≥ 0. */
export function besselRatioA1(kappa: number): number {
  if (kappa <= 0) return 0;
  if (kappa >= 30) {
    // Asymptotic expansion; the next term is below 1e-7 at k = 30.
    const k = kappa;
    return 1 - 1 / (2 * k) - 1 / (8 * k * k) - 1 / (8 * k * k * k) - 25 / (128 * k ** 4);
  }
  // Power series I_n(x) = Σ (x/2)^(2m+n) / (m! (m+n)!); both sums share the same terms.
  const h = kappa / 2;
  let term0 = 1; // m-th term of I0
  let term1 = h; // m-th term of I1
  let i0 = term0;
  let i1 = term1;
  for (let m = 1; m < 500; m++) {
    term0 *= (h * h) / (m * m);
    term1 *= (h * h) / (m * (m + 1));
    i0 += term0;
    i1 += term1;
    if (term0 < i0 * 1e-17) break;
  }
  return i1 / i0;
}

/** Inverse of A1: the kappa whose mean resultant length is r (0 ≤ r < 1). Fisher (1993) start + Newton. */
export function inverseA1(r: number): number {
  if (r <= 0) return 0;
  if (r >= 1) return Infinity;
  let k = r < 0.53 ? 2 * r + r ** 3 + (5 * r ** 5) / 6 : r < 0.85 ? -0.4 + 1.39 * r + 0.43 / (1 - r) : 1 / (r ** 3 - 4 * r * r + 3 * r);
  for (let i = 0; i < 8; i++) {
    const a = besselRatioA1(k);
    const slope = 1 - a / k - a * a; // d/dk A1(k)
    if (!(slope > 0)) break;
    const next = k - (a - r) / slope;
    k = next > 0 ? next : k / 2;
  }
  return k;
}
