// The two lon/lat computations moveHMM's prepData(type = "LL") relies on, reproduced so step
// lengths and turning angles come out the same: sp::spDistsN1(longlat = TRUE) distances (an
// Andoyer–Lambert great-circle correction on the WGS84 ellipsoid, km) and geosphere::bearing
// (initial geodesic azimuth on WGS84, here by Vincenty's inverse formula).

const RAD = Math.PI / 180;
const A_KM = 6378.137;
const F = 1 / 298.257223563;

/** Distance in km between two lon/lat points in degrees, as sp::spDistsN1(longlat = TRUE). */
export function greatCircleKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  if (Math.abs(lat1 - lat2) < Number.EPSILON && Math.abs((lon1 - lon2) % 360) < Number.EPSILON) return 0;
  const f2 = ((lat1 + lat2) / 2) * RAD;
  const g = ((lat1 - lat2) / 2) * RAD;
  const l = ((lon1 - lon2) / 2) * RAD;
  const sinG2 = Math.sin(g) ** 2;
  const cosG2 = Math.cos(g) ** 2;
  const sinF2 = Math.sin(f2) ** 2;
  const cosF2 = Math.cos(f2) ** 2;
  const sinL2 = Math.sin(l) ** 2;
  const cosL2 = Math.cos(l) ** 2;
  const s = sinG2 * cosL2 + cosF2 * sinL2;
  const c = cosG2 * cosL2 + sinF2 * sinL2;
  const w = Math.atan(Math.sqrt(s / c));
  const r = Math.sqrt(s * c) / w;
  const d = 2 * w * A_KM;
  const h1 = (3 * r - 1) / (2 * c);
  const h2 = (3 * r + 1) / (2 * s);
  return d * (1 + F * h1 * sinF2 * cosG2 - F * h2 * cosF2 * sinG2);
}

/**
 * Initial azimuth from point 1 to point 2 on the WGS84 ellipsoid, degrees clockwise from north in
 * (−180, 180] (geosphere::bearing). NaN for coincident points.
 */
export function geodesicBearing(lon1: number, lat1: number, lon2: number, lat2: number): number {
  if (lon1 === lon2 && lat1 === lat2) return NaN;
  const L = (lon2 - lon1) * RAD;
  const u1 = Math.atan((1 - F) * Math.tan(lat1 * RAD));
  const u2 = Math.atan((1 - F) * Math.tan(lat2 * RAD));
  const sinU1 = Math.sin(u1);
  const cosU1 = Math.cos(u1);
  const sinU2 = Math.sin(u2);
  const cosU2 = Math.cos(u2);
  let lambda = L;
  for (let iter = 0; iter < 200; iter++) {
    const sinL = Math.sin(lambda);
    const cosL = Math.cos(lambda);
    const sinSigma = Math.hypot(cosU2 * sinL, cosU1 * sinU2 - sinU1 * cosU2 * cosL);
    if (sinSigma === 0) return NaN;
    const cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    const sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinL) / sinSigma;
    const cos2Alpha = 1 - sinAlpha * sinAlpha;
    const cos2SigmaM = cos2Alpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cos2Alpha : 0;
    const C = (F / 16) * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
    const prev = lambda;
    lambda = L + (1 - C) * F * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - prev) < 1e-13) {
      const az = Math.atan2(cosU2 * Math.sin(lambda), cosU1 * sinU2 - sinU1 * cosU2 * Math.cos(lambda));
      return az / RAD;
    }
  }
  // Nearly antipodal points, where Vincenty does not converge: the spherical azimuth.
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  return Math.atan2(Math.sin(L) * Math.cos(p2), Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(L)) / RAD;
}
