// The array literals the bulk inserts send must parse back to exactly the values given.
import { describe, expect, it } from "vitest";
import { numberArray, textArray } from "../../store/array-literal.ts";

describe("array literals", () => {
  it("writes numbers, nulls and non-finite values", () => {
    expect(numberArray([1.5, null, undefined, -0.25, 1e21, Number.NaN, Infinity])).toBe("{1.5,NULL,NULL,-0.25,1e+21,NaN,Infinity}");
    expect(numberArray([])).toBe("{}");
    // A non-number that slipped through must not inject extra elements.
    expect(numberArray(["1,2" as unknown as number])).toBe("{NaN}");
  });

  it("quotes every text element", () => {
    expect(textArray(["a", "", 'q"uote', "back\\slash", "NULL", "x,y", null])).toBe(
      '{"a","","q\\"uote","back\\\\slash","NULL","x,y",NULL}',
    );
  });
});
