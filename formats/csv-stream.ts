// RFC 4180 CSV, streamed: an incremental parser that accepts text split anywhere (inside quotes,
// between CR and LF, inside a multi-byte UTF-8 sequence when fed bytes) and a field encoder.
//
// Accepted beyond the strict RFC (as spreadsheet and Movebank exports need): LF or CRLF (or a lone CR)
// line ends, a leading UTF-8 byte order mark, a missing final line end, and quotes inside an unquoted
// field (kept literally). Blank lines are skipped. Text after a closing quote up to the next separator
// is appended to the field rather than failing the whole file.

export class CsvParser {
  private field = "";
  private record: string[] = [];
  private inQuotes = false;
  /** The previous character was a quote inside a quoted field: either an escaped quote or the closing one. */
  private quotePending = false;
  /** The previous chunk ended with CR: a following LF belongs to the same line end. */
  private afterCr = false;
  /** The current field started with a quote (so it is not empty even when it holds nothing). */
  private fieldQuoted = false;
  private started = false;

  constructor(private readonly separator = ",") {}

  /** Feeds a piece of text; returns the records it completed. */
  push(text: string): string[][] {
    const out: string[][] = [];
    let i = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const sep = this.separator;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === "\n") continue;
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // that quote closed the field; handle c as outside quotes
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          // Copy a run of ordinary characters at once.
          let j = i;
          while (j < text.length && text[j] !== '"') j++;
          this.field += text.slice(i, j);
          i = j - 1;
          continue;
        }
      }
      if (c === sep) {
        this.endField();
      } else if (c === "\n" || c === "\r") {
        this.endRecord(out);
        if (c === "\r") this.afterCr = true;
      } else if (c === '"' && this.field === "" && !this.fieldQuoted) {
        this.inQuotes = true;
        this.fieldQuoted = true;
      } else {
        let j = i;
        while (j < text.length && text[j] !== sep && text[j] !== "\n" && text[j] !== "\r" && text[j] !== '"') j++;
        if (j === i) j = i + 1; // a literal quote inside an unquoted field
        this.field += text.slice(i, j);
        i = j - 1;
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if the text did not end with a line end. */
  end(): string[][] {
    const out: string[][] = [];
    if (this.inQuotes && this.quotePending) this.inQuotes = false;
    this.quotePending = false;
    this.endRecord(out);
    return out;
  }

  /** True while inside a quoted field (an unterminated quote at the end is reported by the caller if it cares). */
  get insideQuotes(): boolean {
    return this.inQuotes && !this.quotePending;
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = "";
    this.fieldQuoted = false;
  }

  private endRecord(out: string[][]): void {
    if (this.record.length === 0 && this.field === "" && !this.fieldQuoted) return; // blank line
    this.endField();
    out.push(this.record);
    this.record = [];
  }
}

/** Parses a stream of bytes (UTF-8) or strings into records, one at a time, holding only one chunk in memory. */
export async function* parseCsv(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, separator = ","): AsyncGenerator<string[]> {
  const parser = new CsvParser(separator);
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    yield* parser.push(text);
  }
  const rest = decoder.decode();
  if (rest) yield* parser.push(rest);
  yield* parser.end();
}

/** One field, quoted when it must be (separator, quote, CR or LF inside, or leading/trailing space). */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record with its CRLF line end (RFC 4180). */
export function csvLine(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return fields.map(csvField).join(",") + "\r\n";
}
