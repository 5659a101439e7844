// CSV → features: numeric columns with NA, one-hot categories fitted on training and reused.
import { describe, expect, it } from "vitest";
import { binaryTarget, encodeTable, fitEncoding, parseTable } from "../../engine/habitat/index.ts";

const TRAIN = 'y,temp,method,site\n1,12.5,"electric",a\n0,NA,net,b\n1,,electric,c\n0,7,trap,d\n';

describe("encoding", () => {
  const train = parseTable(TRAIN);
  const enc = fitEncoding(train, ["temp", "method"]);

  it("keeps numbers, makes NA and empty cells NaN, one-hots text in sorted category order", () => {
    expect(enc.featureNames).toEqual(["temp", "method=electric", "method=net", "method=trap"]);
    const m = encodeTable(enc, train);
    const col = (j: number) => Array.from(m.values.subarray(j * m.nRows, (j + 1) * m.nRows));
    expect(col(0)).toEqual([12.5, Number.NaN, Number.NaN, 7]);
    expect(col(1)).toEqual([1, 0, 1, 0]);
    expect(col(2)).toEqual([0, 1, 0, 0]);
    expect(col(3)).toEqual([0, 0, 0, 1]);
  });

  it("encodes another file with the training categories: unseen → all zeros, NA → NaN", () => {
    const other = parseTable("obs,method,temp\n1,spo,3\n0,NA,4\n1,trap,5\n");
    const m = encodeTable(enc, other);
    const row = (i: number) => enc.featureNames.map((_, j) => m.values[j * m.nRows + i]);
    expect(row(0)).toEqual([3, 0, 0, 0]);
    expect(row(1)).toEqual([4, Number.NaN, Number.NaN, Number.NaN]);
    expect(row(2)).toEqual([5, 0, 0, 1]);
  });

  it("names the file, line and column of a bad cell or a missing column", () => {
    expect(() => encodeTable(enc, parseTable("temp,method\nwarm,net\n"), "eval.csv")).toThrow('eval.csv line 2, column "temp": "warm" is not a number');
    expect(() => encodeTable(enc, parseTable("temp\n1\n"), "eval.csv")).toThrow('eval.csv: no column "method"');
    expect(() => binaryTarget(parseTable("y\n1\n2\n"), "y", "t.csv")).toThrow('t.csv line 3: target "y" must be 0 or 1 (got "2")');
    expect(Array.from(binaryTarget(train, "y"))).toEqual([1, 0, 1, 0]);
  });
});
