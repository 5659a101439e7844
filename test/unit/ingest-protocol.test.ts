// Every rule of API.md's ingest section that can be checked without a server.
import { describe, expect, it } from "vitest";
import { MAX_BATCH_FIXES, parseFrame, resolveCollar, toFixInput, validateFix } from "../../gateway/ingest-protocol.ts";

const good = { type: "fix", seq: 17, collar: "COL001", ts: "2026-11-21T10:00:00Z", lat: -1.4061, lon: 35.0112 };

function fixesOf(frame: ReturnType<typeof parseFrame>) {
  if (frame.kind !== "fixes") throw new Error(`expected fixes, got ${JSON.stringify(frame)}`);
  return frame.fixes;
}
function errorsOf(item: unknown) {
  return (item as { errors?: Array<{ path: string; message: string }> }).errors ?? [];
}

describe("ingest frames", () => {
  it("accepts the API.md example fix with all optional fields", () => {
    const full = { ...good, alt: 1650, speed: 3.2, heading: 270, hdop: 1.1, sats: 9, battery: 81, temp: 29.5, activity: 12 };
    const [item] = fixesOf(parseFrame(JSON.stringify(full)));
    expect(item).toMatchObject({ seq: 17, fix: { collar: "COL001", ts: Date.UTC(2026, 10, 21, 10), lat: -1.4061, alt: 1650, sats: 9 } });
  });

  it("accepts epoch milliseconds and ISO with an offset", () => {
    const [a] = fixesOf(parseFrame(JSON.stringify({ ...good, ts: 1763719200000 })));
    const [b] = fixesOf(parseFrame(JSON.stringify({ ...good, ts: "2026-11-21T13:00:00+03:00" })));
    expect((a as { fix: { ts: number } }).fix.ts).toBe(1763719200000);
    expect((b as { fix: { ts: number } }).fix.ts).toBe(Date.UTC(2026, 10, 21, 10));
  });

  it.each([
    ["lat", { lat: 91 }, "must be between -90 and 90"],
    ["lat", { lat: "x" }, "must be a number"],
    ["lon", { lon: -180.5 }, "must be between -180 and 180"],
    ["ts", { ts: "2026-11-21 10:00" }, "UTC offset"],
    ["ts", { ts: "yesterday" }, "UTC offset"],
    ["ts", { ts: 5 }, "between 1980-01-06 and 2100-01-01"],
    ["battery", { battery: 101 }, "between 0 and 100"],
    ["sats", { sats: 2.5 }, "integer"],
    ["heading", { heading: 361 }, "between 0 and 360"],
    ["speed", { speed: -1 }, "between 0 and 500"],
    ["hdop", { hdop: -0.1 }, "between 0 and 100"],
    // Regression: an unbounded activity overflowed the real column, and each such fix cost the
    // embedded database failed statements until it wedged.
    ["activity", { activity: 1e39 }, "between -1000000000 and 1000000000"],
  ])("nacks an invalid %s naming the field", (path, patch, message) => {
    const [item] = fixesOf(parseFrame(JSON.stringify({ ...good, ...patch })));
    const errors = errorsOf(item);
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.find((e) => e.path === path)!.message).toContain(message);
  });

  it.each(["ts", "lat", "lon"])("requires %s", (field) => {
    const fix: Record<string, unknown> = { ...good };
    delete fix[field];
    const [item] = fixesOf(parseFrame(JSON.stringify(fix)));
    expect(errorsOf(item)).toContainEqual({ path: field, message: "is required" });
  });

  it("lists every invalid field of one fix", () => {
    const [item] = fixesOf(parseFrame(JSON.stringify({ ...good, lat: 100, lon: 200, battery: -5 })));
    expect(errorsOf(item).map((e) => e.path).sort()).toEqual(["battery", "lat", "lon"]);
  });

  it("a fix without a usable seq cannot be nacked: bad_frame", () => {
    for (const seq of [undefined, -1, 1.5, "7"]) {
      expect(parseFrame(JSON.stringify({ ...good, seq }))).toMatchObject({ kind: "error", code: "bad_frame" });
    }
  });

  it("rejects non-JSON, non-objects and unknown types as bad_frame", () => {
    expect(parseFrame("{nope")).toMatchObject({ kind: "error", code: "bad_frame" });
    expect(parseFrame("[1,2]")).toMatchObject({ kind: "error", code: "bad_frame" });
    expect(parseFrame(JSON.stringify({ type: "ping" }))).toMatchObject({ kind: "error", code: "bad_frame" });
    expect(parseFrame(JSON.stringify({ type: "batch", fixes: 3 }))).toMatchObject({ kind: "error", code: "bad_frame" });
  });

  it("validates each fix of a batch on its own", () => {
    const fixes = fixesOf(parseFrame(JSON.stringify({ type: "batch", fixes: [{ ...good, seq: 1 }, { ...good, seq: 2, lat: 99 }, { ...good, seq: 3 }] })));
    expect(fixes.map((f) => ("errors" in f ? `${f.seq}!` : `${f.seq}`))).toEqual(["1", "2!", "3"]);
  });

  it(`holds at most ${MAX_BATCH_FIXES} fixes per batch`, () => {
    const batch = (n: number) => JSON.stringify({ type: "batch", fixes: Array.from({ length: n }, (_, i) => ({ ...good, seq: i })) });
    expect(parseFrame(batch(MAX_BATCH_FIXES)).kind).toBe("fixes");
    expect(parseFrame(batch(MAX_BATCH_FIXES + 1))).toMatchObject({ kind: "error", code: "too_large" });
  });

  it("ignores unknown extra fields instead of losing the fix", () => {
    const [item] = fixesOf(parseFrame(JSON.stringify({ ...good, firmware: "2.1" })));
    expect("fix" in item!).toBe(true);
  });

  it("rejects collar ids that are empty or contain odd characters", () => {
    const r = validateFix({ ...good, collar: "a b" });
    expect(errorsOf(r).map((e) => e.path)).toEqual(["collar"]);
  });
});

describe("collar ownership", () => {
  const fix = (collar?: string) => (validateFix({ ...good, collar }) as { fix: Parameters<typeof resolveCollar>[0] }).fix;

  it("a collar token implies its collar", () => {
    expect(resolveCollar(fix(undefined), { role: "collar", collar: "COL001" })).toEqual({ collar: "COL001" });
    expect(resolveCollar(fix("COL001"), { role: "collar", collar: "COL001" })).toEqual({ collar: "COL001" });
  });

  it("a collar token may not send another collar's fixes", () => {
    expect(resolveCollar(fix("COL002"), { role: "collar", collar: "COL001" })).toMatchObject({ code: "forbidden_collar" });
  });

  it("a gateway token must name the collar", () => {
    expect(resolveCollar(fix(undefined), { role: "gateway" })).toMatchObject({ code: "invalid", errors: [{ path: "collar" }] });
    expect(resolveCollar(fix("COL009"), { role: "gateway" })).toEqual({ collar: "COL009" });
  });

  it("turns a wire fix into the engine's typed fix with nulls for absent fields", () => {
    expect(toFixInput(fix("COL001"), "COL001")).toEqual({
      collar: "COL001", ts: Date.UTC(2026, 10, 21, 10), lat: -1.4061, lon: 35.0112,
      alt: null, speed: null, heading: null, hdop: null, sats: null, battery: null, temp: null, activity: null,
    });
  });
});
