// The streaming CSV parser (RFC 4180 plus what real exports do) and the Movebank cell formats.
import { describe, expect, it } from "vitest";
import { CsvParser, csvLine, parseCsv } from "../../formats/csv-stream.ts";
import { formatMovebankTimestamp, importLayout, importRow, parseMovebankTimestamp, parseNumberCell } from "../../formats/movebank-csv.ts";

async function all(chunks: Array<string | Uint8Array>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of parseCsv(chunks)) out.push(r);
  return out;
}

const SAMPLE = 'a,b,c\r\n"x, y","he said ""hi""",plain\r\n"multi\nline",,NA\n\u00e9l\u00e9phant,"\u6f22\u5b57 \ud83d\udc18",7e+05\n';
const EXPECTED = [
  ["a", "b", "c"],
  ["x, y", 'he said "hi"', "plain"],
  ["multi\nline", "", "NA"],
  ["\u00e9l\u00e9phant", "\u6f22\u5b57 \ud83d\udc18", "7e+05"],
];

describe("CsvParser", () => {
  it("parses quotes, escaped quotes, separators and line ends inside quotes, CRLF and LF", async () => {
    expect(await all([SAMPLE])).toEqual(EXPECTED);
  });

  it("gives the same records when the text is split at every position", async () => {
    for (let i = 0; i <= SAMPLE.length; i++) {
      expect(await all([SAMPLE.slice(0, i), SAMPLE.slice(i)])).toEqual(EXPECTED);
    }
  });

  it("gives the same records when the UTF-8 bytes are split anywhere (inside multi-byte sequences too)", async () => {
    const bytes = new TextEncoder().encode(SAMPLE);
    for (let i = 0; i <= bytes.length; i++) {
      expect(await all([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(EXPECTED);
    }
    // one byte at a time
    expect(await all(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it("handles CRLF split between chunks, a missing final line end, blank lines and a BOM", async () => {
    expect(await all(["\ufeffa,b\r", "\n1,2\r\n\r\n3,4"])).toEqual([["a", "b"], ["1", "2"], ["3", "4"]]);
    expect(await all(["a\rb\r"])).toEqual([["a"], ["b"]]);
    expect(await all([new TextEncoder().encode("\ufeffx\n")])).toEqual([["x"]]);
  });

  it("keeps empty fields, empty quoted fields and a lone quote inside an unquoted field", async () => {
    expect(await all([',,\n"",x""y,""\n'])).toEqual([["", "", ""], ["", 'x""y', ""]]);
  });

  it("an unterminated quoted field ends at the end of the input", () => {
    const p = new CsvParser();
    expect(p.push('a,"open\nstill')).toEqual([]);
    expect(p.insideQuotes).toBe(true);
    expect(p.end()).toEqual([["a", "open\nstill"]]);
  });

  it("csvLine quotes what must be quoted and round-trips through the parser", async () => {
    const fields = ["plain", "with,comma", 'q"uote', "line\r\nend", " lead", "", "\ud83d\udc18"];
    const line = csvLine(fields);
    expect(line).toBe('plain,"with,comma","q""uote","line\r\nend"," lead",,\ud83d\udc18\r\n');
    expect(await all([line])).toEqual([fields]);
    expect(csvLine([null, undefined, 1.5, true])).toBe(",,1.5,true\r\n");
  });
});

describe("Movebank cells", () => {
  it("formats timestamps as yyyy-MM-dd HH:mm:ss.SSS in UTC", () => {
    expect(formatMovebankTimestamp(Date.UTC(2026, 10, 21, 9, 5, 3, 7))).toBe("2026-11-21 09:05:03.007");
    expect(formatMovebankTimestamp(Date.UTC(1999, 0, 1))).toBe("1999-01-01 00:00:00.000");
  });

  it("parses Movebank timestamps (with or without fractions) as UTC, ISO 8601 with offsets, and refuses the rest", () => {
    const ms = Date.UTC(2026, 10, 21, 9, 5, 3, 7);
    expect(parseMovebankTimestamp("2026-11-21 09:05:03.007")).toBe(ms);
    expect(parseMovebankTimestamp(formatMovebankTimestamp(ms))).toBe(ms);
    expect(parseMovebankTimestamp("2026-11-21 09:05:03")).toBe(ms - 7);
    expect(parseMovebankTimestamp("2026-11-21 09:05")).toBe(ms - 3007);
    expect(parseMovebankTimestamp("2026-11-21 09:05:03.0071")).toBe(ms);
    expect(parseMovebankTimestamp("2026-11-21T09:05:03.007Z")).toBe(ms);
    expect(parseMovebankTimestamp("2026-11-21T09:05:03.007")).toBe(ms); // no offset: UTC, as Movebank
    expect(parseMovebankTimestamp("2026-11-21T12:05:03.007+03:00")).toBe(ms);
    for (const bad of ["", "yesterday", "2026-02-30 00:00:00", "2026-13-01 00:00:00", "2026-11-21 24:00:00", "21/11/2026 09:05"]) {
      expect(parseMovebankTimestamp(bad), bad).toBeNull();
    }
  });

  it("reads number cells: NA and empty are missing, scientific notation is a number, text stays text", () => {
    expect(parseNumberCell("")).toBeUndefined();
    expect(parseNumberCell(" NA ")).toBeUndefined();
    expect(parseNumberCell("nan")).toBeUndefined();
    expect(parseNumberCell(undefined)).toBeUndefined();
    expect(parseNumberCell("7e+05")).toBe(700000);
    expect(parseNumberCell("-1.5E-3")).toBe(-0.0015);
    expect(parseNumberCell(".5")).toBe(0.5);
    expect(parseNumberCell("35.0112")).toBe(35.0112);
    expect(parseNumberCell("0x10")).toBe("0x10");
    expect(parseNumberCell("Infinity")).toBe("Infinity");
    expect(parseNumberCell("12 m")).toBe("12 m");
  });

  it("maps a Movebank export's columns (unknown ones ignored) and converts ground-speed m/s to km/h", () => {
    const layout = importLayout(["event-id", "visible", "timestamp", "location-long", "location-lat", "ground-speed", "gps:hdop", "study-name", "tag-local-identifier"]);
    expect(layout.missing).toEqual([]);
    expect(importRow(["1", "true", "2026-11-21 09:05:03.007", "3.5e1", "-1.4", "2", "NA", "x", "COL9"], layout)).toEqual({
      kind: "fix",
      fix: { ts: Date.UTC(2026, 10, 21, 9, 5, 3, 7), lat: -1.4, lon: 35, speed: 7.2 },
      collar: "COL9",
    });
    expect(importRow(["2", "true", "2026-11-21 09:05:03.007", "NA", "", "", "", "", "COL9"], layout)).toEqual({ kind: "skip" });
    expect(importRow(["3", "true", "later", "35", "-1", "", "", "", ""], layout)).toMatchObject({ kind: "invalid", errors: [{ path: "timestamp" }] });
    expect(importLayout(["timestamp", "lat"]).missing).toEqual(["location-lat", "location-long"]);
  });
});
