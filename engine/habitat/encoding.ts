// Text columns → numeric features. Decided from the training table and stored with the model, so
// every later table (an evaluation file, sites to score) is encoded the same way.
//
// - A column whose every non-missing cell is a number is numeric; missing cells (empty, NA, NaN,
//   null, N/A) are NaN, which the trees route by each split's learned default direction.
// - Any other column is categorical and one-hot encoded: one 0/1 feature per category seen in
//   training, named "Column=category", in sorted order. A category training never saw is all zeros
//   (no evidence for any level); a missing cell is NaN in every indicator (missing, not "none").
import { parseNumberCell } from "../../formats/movebank-csv.ts";
import { HabitatDataError, createMatrix, type FeatureMatrix } from "./matrix.ts";
import { columnIndex, type TextTable } from "./table-csv.ts";

export type ColumnEncoding = { name: string; kind: "numeric" } | { name: string; kind: "categorical"; categories: string[] };

export interface Encoding {
  readonly columns: readonly ColumnEncoding[];
  /** Names of the encoded features, in matrix order. */
  readonly featureNames: readonly string[];
}

const isMissing = (cell: string) => parseNumberCell(cell) === undefined;

/** A cell as a number: NaN when missing, a HabitatDataError when it is text. */
export function numericCell(cell: string, where: string): number {
  const v = parseNumberCell(cell);
  if (v === undefined) return Number.NaN;
  if (typeof v === "string") throw new HabitatDataError(`${where}: "${cell}" is not a number`);
  return v;
}

export function fitEncoding(table: TextTable, featureColumns: readonly string[]): Encoding {
  const columns: ColumnEncoding[] = featureColumns.map((name) => {
    const cells = table.columns[columnIndex(table, name)]!;
    const text = cells.filter((c) => typeof parseNumberCell(c) === "string");
    if (text.length === 0) return { name, kind: "numeric" };
    const categories = [...new Set(cells.filter((c) => !isMissing(c)).map((c) => c.trim()))].sort();
    return { name, kind: "categorical", categories };
  });
  return { columns, featureNames: featureNamesOf(columns) };
}

export function featureNamesOf(columns: readonly ColumnEncoding[]): string[] {
  return columns.flatMap((c) => (c.kind === "numeric" ? [c.name] : c.categories.map((cat) => `${c.name}=${cat}`)));
}

/** Encodes a table with an encoding fitted elsewhere; every encoded column must be present. */
export function encodeTable(enc: Encoding, table: TextTable, source = "CSV"): FeatureMatrix {
  const n = table.nRows;
  const m = createMatrix(n, enc.featureNames);
  const v = m.values;
  let j = 0;
  for (const col of enc.columns) {
    const cells = table.columns[columnIndex(table, col.name, source)]!;
    if (col.kind === "numeric") {
      for (let i = 0; i < n; i++) v[j * n + i] = numericCell(cells[i]!, `${source} line ${i + 2}, column "${col.name}"`);
      j++;
      continue;
    }
    const k = col.categories.length;
    for (let i = 0; i < n; i++) {
      const cell = cells[i]!;
      const missing = isMissing(cell);
      const hit = missing ? -1 : col.categories.indexOf(cell.trim());
      for (let c = 0; c < k; c++) v[(j + c) * n + i] = missing ? Number.NaN : c === hit ? 1 : 0;
    }
    j += k;
  }
  return m;
}

/** A presence/absence column as 0/1; anything else (including a missing cell) is an error. */
export function binaryTarget(table: TextTable, name: string, source = "CSV"): Float64Array {
  const cells = table.columns[columnIndex(table, name, source)]!;
  const y = new Float64Array(table.nRows);
  for (let i = 0; i < table.nRows; i++) {
    const v = parseNumberCell(cells[i]!);
    if (v !== 0 && v !== 1) throw new HabitatDataError(`${source} line ${i + 2}: target "${name}" must be 0 or 1 (got "${cells[i]}")`);
    y[i] = v;
  }
  return y;
}
