// Tabular CSV for habitat models: a header line, then one row per site. Kept as text columns so the
// encoding (numeric vs categorical) is decided once, from the training file, and reused for others.
import { CsvParser } from "../../formats/csv-stream.ts";
import { HabitatDataError } from "./matrix.ts";

export interface TextTable {
  readonly header: readonly string[];
  /** columns[j][i]: the text of row i in column j (a short row's missing fields are ""). */
  readonly columns: readonly string[][];
  readonly nRows: number;
}

export function parseTable(text: string, source = "CSV"): TextTable {
  const parser = new CsvParser();
  const records = [...parser.push(text), ...parser.end()];
  if (parser.insideQuotes) throw new HabitatDataError(`${source}: unterminated quoted field`);
  const header = records.shift()?.map((h) => h.trim());
  if (!header || header.length === 0) throw new HabitatDataError(`${source}: no header line`);
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new HabitatDataError(`${source}: column "${h}" appears twice in the header`);
    seen.add(h);
  }
  const columns = header.map(() => new Array<string>(records.length));
  records.forEach((rec, i) => {
    if (rec.length > header.length) throw new HabitatDataError(`${source}: line ${i + 2} has ${rec.length} fields, the header ${header.length}`);
    for (let j = 0; j < header.length; j++) columns[j]![i] = rec[j] ?? "";
  });
  return { header, columns, nRows: records.length };
}

export function columnIndex(t: TextTable, name: string, source = "CSV"): number {
  const j = t.header.indexOf(name);
  if (j < 0) throw new HabitatDataError(`${source}: no column "${name}" (columns: ${t.header.join(", ")})`);
  return j;
}
