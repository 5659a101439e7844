// Burning shapes into a 0/1 mask, in fractional cell coordinates: x = column + ½ at a cell centre,
// y = row + ½ (row 0 north), so (0, 0) is the grid's north-west corner.

/** Marks the cell containing (x, y); points off the grid are ignored. */
export function markPoint(mask: Uint8Array, nx: number, ny: number, x: number, y: number): void {
  const col = Math.floor(x);
  const row = Math.floor(y);
  if (col >= 0 && col < nx && row >= 0 && row < ny) mask[row * nx + col] = 1;
}

/** Marks every cell the segment (x0, y0) → (x1, y1) passes through (sampled at ¼ cell: no gaps). */
export function markSegment(mask: Uint8Array, nx: number, ny: number, x0: number, y0: number, x1: number, y1: number): void {
  const steps = Math.max(1, Math.ceil(4 * Math.hypot(x1 - x0, y1 - y0)));
  for (let s = 0; s <= steps; s++) markPoint(mask, nx, ny, x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
}

/** Marks the cells whose centres lie within r cells of (x, y), and always the cell containing it. */
export function markDisc(mask: Uint8Array, nx: number, ny: number, x: number, y: number, r: number): void {
  markPoint(mask, nx, ny, x, y);
  for (let row = Math.max(0, Math.floor(y - r)); row <= Math.min(ny - 1, Math.ceil(y + r)); row++)
    for (let col = Math.max(0, Math.floor(x - r)); col <= Math.min(nx - 1, Math.ceil(x + r)); col++)
      if (Math.hypot(col + 0.5 - x, row + 0.5 - y) <= r) mask[row * nx + col] = 1;
}
