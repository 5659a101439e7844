// Spherical-Earth geometry. Pure functions on plain numbers so they can run over typed-array
// columns without allocating. Degrees in, degrees/metres out.

/** Mean Earth radius (IUGG R1), metres. */
export const EARTH_RADIUS_M = 6371008.8;

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

/** Great-circle distance in metres (haversine: well-conditioned for the short steps collars produce). */
export function haversineDistance(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const s = Math.sin(dLat / 2);
  const t = Math.sin(dLon / 2);
  const a = s * s + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * t * t;
  // min() guards against a > 1 from rounding at antipodes, which would make asin NaN.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Initial great-circle bearing from point 1 to point 2, degrees clockwise from north in [0, 360). */
export function initialBearing(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const phi1 = lat1 * RAD;
  const phi2 = lat2 * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const y = Math.sin(dLon) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLon);
  return normalizeBearing(Math.atan2(y, x) * DEG);
}

/** Maps any angle in degrees into [0, 360). */
export function normalizeBearing(deg: number): number {
  const b = deg % 360;
  const wrapped = b < 0 ? b + 360 : b;
  // -1e-15 % 360 + 360 rounds to exactly 360, which is outside the range.
  return wrapped >= 360 ? 0 : wrapped;
}

/**
 * Signed change of direction from bearing `from` to bearing `to`, degrees in (-180, 180]:
 * positive is a right (clockwise) turn, negative a left turn, 180 a reversal.
 */
export function turningAngle(from: number, to: number): number {
  const d = (to - from) % 360; // (-360, 360)
  if (d > 180) return d - 360;
  if (d <= -180) return d + 360;
  return d;
}

export interface LatLon {
  lat: number;
  lon: number;
}

/** The point reached from (lat, lon) after `distanceM` metres on initial bearing `bearingDeg`. */
export function destinationPoint(lat: number, lon: number, bearingDeg: number, distanceM: number): LatLon {
  const delta = distanceM / EARTH_RADIUS_M;
  const theta = bearingDeg * RAD;
  const phi1 = lat * RAD;
  const lambda1 = lon * RAD;
  const sinPhi2 = Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta);
  const phi2 = Math.asin(sinPhi2);
  const y = Math.sin(theta) * Math.sin(delta) * Math.cos(phi1);
  const x = Math.cos(delta) - Math.sin(phi1) * sinPhi2;
  const lambda2 = lambda1 + Math.atan2(y, x);
  // Wrap longitude back into [-180, 180).
  const lonDeg = ((((lambda2 * DEG + 540) % 360) + 360) % 360) - 180;
  return { lat: phi2 * DEG, lon: lonDeg };
}
