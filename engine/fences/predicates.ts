// Exact planar predicates on doubles. A floating-point filter answers almost every call; only
// near-degenerate inputs (a point on or within ~1e-15 of a line) fall back to exact BigInt arithmetic,
// so "on the border" means exactly on it for the input doubles, never "within some epsilon".

// Shewchuk's ccwerrboundA = (3 + 16ε)ε, ε = 2^-53: bound on the error of the filtered determinant.
const CCW_ERR_BOUND_A = (3 + 16 * 2 ** -53) * 2 ** -53;

const scratch = new DataView(new ArrayBuffer(8));

/** Splits a finite double into an integer mantissa and a binary exponent: x = mant · 2^exp. */
function decompose(x: number): { mant: bigint; exp: number } {
  if (x === 0) return { mant: 0n, exp: 0 };
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant: hi >>> 31 ? -mant : mant, exp };
}

/** Exact sign of (ax-px)(by-py) - (ay-py)(bx-px), by scaling all six doubles to integers. */
function orientExactSign(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  const d = [ax, ay, bx, by, px, py].map(decompose);
  let e0 = Infinity;
  for (const v of d) if (v.mant !== 0n && v.exp < e0) e0 = v.exp;
  if (e0 === Infinity) return 0;
  const s = d.map((v) => v.mant << BigInt(v.exp - e0));
  const [sax, say, sbx, sby, spx, spy] = s as [bigint, bigint, bigint, bigint, bigint, bigint];
  const det = (sax - spx) * (sby - spy) - (say - spy) * (sbx - spx);
  return det > 0n ? 1 : det < 0n ? -1 : 0;
}

/**
 * Orientation of p relative to the directed line a→b: > 0 left (counter-clockwise), < 0 right,
 * 0 exactly collinear. The sign is exact; the magnitude is only meaningful as a sign.
 */
export function orient2d(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  const detLeft = (ax - px) * (by - py);
  const detRight = (ay - py) * (bx - px);
  const det = detLeft - detRight;
  let detSum: number;
  if (detLeft > 0) {
    if (detRight <= 0) return det;
    detSum = detLeft + detRight;
  } else if (detLeft < 0) {
    if (detRight >= 0) return det;
    detSum = -detLeft - detRight;
  } else {
    return det;
  }
  const bound = CCW_ERR_BOUND_A * detSum;
  if (det >= bound || -det >= bound) return det;
  return orientExactSign(ax, ay, bx, by, px, py);
}

/** True when p lies on the closed segment a–b (exactly, for the input doubles). */
export function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  if (px < (ax < bx ? ax : bx) || px > (ax < bx ? bx : ax)) return false;
  if (py < (ay < by ? ay : by) || py > (ay < by ? by : ay)) return false;
  return orient2d(ax, ay, bx, by, px, py) === 0;
}

/** True when the closed segments p1–p2 and a–b share at least one point (exact). */
export function segmentsIntersect(
  p1x: number, p1y: number, p2x: number, p2y: number,
  ax: number, ay: number, bx: number, by: number,
): boolean {
  const d1 = Math.sign(orient2d(ax, ay, bx, by, p1x, p1y));
  const d2 = Math.sign(orient2d(ax, ay, bx, by, p2x, p2y));
  const d3 = Math.sign(orient2d(p1x, p1y, p2x, p2y, ax, ay));
  const d4 = Math.sign(orient2d(p1x, p1y, p2x, p2y, bx, by));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  if (d1 === 0 && onSegment(ax, ay, bx, by, p1x, p1y)) return true;
  if (d2 === 0 && onSegment(ax, ay, bx, by, p2x, p2y)) return true;
  if (d3 === 0 && onSegment(p1x, p1y, p2x, p2y, ax, ay)) return true;
  if (d4 === 0 && onSegment(p1x, p1y, p2x, p2y, bx, by)) return true;
  return false;
}
