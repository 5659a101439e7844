// PostgreSQL array literals built directly, for `unnest($1::float8[], ...)` bulk statements.
// Faster than the drivers' generic array serialisation (which stringifies and quotes every element),
// and both `pg` and PGlite pass a string parameter through unchanged.

/** '{1.5,NULL,NaN}' — NaN/±Infinity are valid float input; the table's CHECKs decide about them. */
export function numberArray(values: readonly (number | null | undefined)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    // Number(): a stray non-number becomes NaN rather than text that could shift the array's elements.
    out += v === null || v === undefined ? "NULL" : String(typeof v === "number" ? v : Number(v));
  }
  return out + "}";
}

/** '{"a","b\"c",NULL}' — every element quoted so empty strings, commas and the word NULL survive. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    out += v === null || v === undefined ? "NULL" : `"${String(v).replace(/[\\"]/g, "\\$&")}"`;
  }
  return out + "}";
}
