// Smooth random fields for the synthetic landscape. Value noise: independent uniform values on a
// coarse lattice, blended with a smoothstep so the field has no visible grid creases; octaves at
// halving spacing add finer detail. Deterministic given the Rng's state.
import type { Rng } from "../../simulator/random.ts";

const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Value noise in [-1, 1] on an nx × ny grid (row-major), lattice points every `spacing` cells. */
export function valueNoise(rng: Rng, nx: number, ny: number, spacing: number): Float64Array {
  const lx = Math.ceil(nx / spacing) + 2;
  const ly = Math.ceil(ny / spacing) + 2;
  const lattice = new Float64Array(lx * ly);
  for (let i = 0; i < lattice.length; i++) lattice[i] = 2 * rng.uniform() - 1;
  const out = new Float64Array(nx * ny);
  for (let row = 0; row < ny; row++) {
    const fy = row / spacing;
    const j = Math.floor(fy);
    const ty = smooth(fy - j);
    for (let col = 0; col < nx; col++) {
      const fx = col / spacing;
      const i = Math.floor(fx);
      const tx = smooth(fx - i);
      const a = lattice[j * lx + i]!;
      const b = lattice[j * lx + i + 1]!;
      const c = lattice[(j + 1) * lx + i]!;
      const d = lattice[(j + 1) * lx + i + 1]!;
      out[row * nx + col] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

/** Octaves of value noise (spacing and amplitude halving each time), scaled back into [-1, 1]. */
export function fractalNoise(rng: Rng, nx: number, ny: number, spacing: number, octaves: number): Float64Array {
  const out = new Float64Array(nx * ny);
  let amplitude = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const layer = valueNoise(rng, nx, ny, Math.max(1, spacing / 2 ** o));
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + amplitude * layer[i]!;
    total += amplitude;
    amplitude /= 2;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}
