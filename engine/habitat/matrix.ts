// The feature matrix every habitat-model function works on: column-major Float64Array, so a split
// search walks one feature's values contiguously, and no per-row objects exist anywhere.

export interface FeatureMatrix {
  readonly nRows: number;
  readonly nCols: number;
  /** value(row i, feature j) = values[j * nRows + i]; NaN is a missing value. */
  readonly values: Float64Array;
  readonly names: readonly string[];
}

export class HabitatDataError extends Error {
  override name = "HabitatDataError";
}

export function createMatrix(nRows: number, names: readonly string[], values?: Float64Array): FeatureMatrix {
  const nCols = names.length;
  const v = values ?? new Float64Array(nRows * nCols);
  if (v.length !== nRows * nCols) throw new HabitatDataError(`matrix of ${nRows}×${nCols} needs ${nRows * nCols} values, got ${v.length}`);
  return { nRows, nCols, values: v, names };
}

/** Builds a column-major matrix from row-major data (as ONNX and most callers hold it). */
export function fromRowMajor(rows: ArrayLike<number>, nRows: number, names: readonly string[]): FeatureMatrix {
  const nCols = names.length;
  if (rows.length !== nRows * nCols) throw new HabitatDataError(`expected ${nRows}×${nCols} = ${nRows * nCols} values, got ${rows.length}`);
  const v = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) v[j * nRows + i] = rows[i * nCols + j]!;
  return createMatrix(nRows, names, v);
}

/** Row-major float32 [nRows × nCols]: the tensor layout an ONNX session takes. */
export function toRowMajorFloat32(m: FeatureMatrix): Float32Array {
  const out = new Float32Array(m.nRows * m.nCols);
  for (let j = 0; j < m.nCols; j++) {
    const base = j * m.nRows;
    for (let i = 0; i < m.nRows; i++) out[i * m.nCols + j] = m.values[base + i]!;
  }
  return out;
}

/**
 * The same matrix with every value rounded to float32. XGBoost stores features as float32, and an
 * ONNX TreeEnsemble compares float32 inputs: training on rounded values makes every comparison the
 * trainer makes the one the runtime makes.
 */
export function toFloat32Values(m: FeatureMatrix): FeatureMatrix {
  return createMatrix(m.nRows, m.names, Float64Array.from(m.values, Math.fround));
}

/** The rows listed, in that order. */
export function selectRows(m: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const n = rows.length;
  const v = new Float64Array(n * m.nCols);
  for (let j = 0; j < m.nCols; j++) {
    const src = j * m.nRows;
    const dst = j * n;
    for (let k = 0; k < n; k++) v[dst + k] = m.values[src + rows[k]!]!;
  }
  return createMatrix(n, m.names, v);
}
