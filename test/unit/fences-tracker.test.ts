import { describe, expect, it } from "vitest";
import { FenceIndex } from "../../engine/fences/index.ts";
import { FenceTracker, type FenceAlert, type TrackerFix } from "../../engine/fences/tracker.ts";
import type { Fence, FenceArea, FenceRules, Position } from "../../engine/fences/types.ts";

const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const poly = (x0: number, y0: number, x1: number, y1: number): FenceArea => ({ type: "Polygon", coordinates: [sq(x0, y0, x1, y1)] });
const fence = (id: string, kind: Fence["kind"], area: FenceArea, rules: FenceRules = {}): Fence => ({ id, kind, name: id, area, rules });
const ELEPHANT = { species: "Loxodonta africana", herd: "h1" };
const T0 = Date.UTC(2026, 10, 21, 10);
const MIN = 60_000;
const fix = (i: number, lon: number, lat: number, extra: Partial<TrackerFix> = {}): TrackerFix => ({ ts: T0 + i * MIN, lon, lat, ...extra });
const kinds = (as: FenceAlert[]) => as.map((a) => `${a.kind}:${a.fence}`);

function run(tr: FenceTracker, idx: FenceIndex, fixes: TrackerFix[]): FenceAlert[] {
  return fixes.flatMap((f) => tr.update(f, idx));
}

describe("FenceTracker", () => {
  const corridor = fence("c", "corridor", poly(0, 0, 0.1, 0.1));
  const risk = fence("r", "risk_zone", poly(1, 0, 1.1, 0.1), { dwell_s: 600 });

  it("walking in and out gives exactly enter then exit, with fields", () => {
    const idx = new FenceIndex([corridor, risk]);
    const tr = new FenceTracker(ELEPHANT);
    const out = run(tr, idx, [fix(0, -0.05, 0.05), fix(1, 0.05, 0.05), fix(2, 0.06, 0.05), fix(3, 0.15, 0.05)]);
    expect(kinds(out)).toEqual(["corridor_enter:c", "corridor_exit:c"]);
    expect(out[0]).toMatchObject({ kind: "corridor_enter", fence: "c", ts: T0 + MIN, lon: 0.05, lat: 0.05, severity: "info", detail: { fence_name: "c", fence_kind: "corridor" } });
    expect(out[1]!.severity).toBe("warning");
  });

  it("risk zone: enter (critical), dwell once per stay, exit; dwell re-arms on the next stay", () => {
    const idx = new FenceIndex([corridor, risk]);
    const tr = new FenceTracker(ELEPHANT);
    const path = [fix(0, 0.95, 0.05), fix(1, 1.05, 0.05)];
    for (let i = 2; i <= 20; i++) path.push(fix(i, 1.05, 0.05 + i * 1e-5));
    path.push(fix(21, 1.2, 0.05), fix(22, 1.05, 0.05), fix(40, 1.05, 0.05));
    const out = run(tr, idx, path);
    expect(kinds(out)).toEqual(["risk_enter:r", "risk_dwell:r", "risk_exit:r", "risk_enter:r", "risk_dwell:r"]);
    expect(out[0]!.severity).toBe("critical");
    expect(out[1]!.ts).toBe(T0 + 11 * MIN); // entered at minute 1, 600 s later
    expect(out[1]!.detail).toMatchObject({ since: T0 + MIN, threshold_s: 600 });
    expect(out[4]!.ts).toBe(T0 + 40 * MIN);
  });

  it("cross through a thin corridor between two sparse fixes", () => {
    const thin = fence("thin", "corridor", poly(0.5, -1, 0.5001, 1));
    const idx = new FenceIndex([thin]);
    const tr = new FenceTracker(ELEPHANT);
    const out = run(tr, idx, [fix(0, 0.4, 0), fix(60, 0.6, 0.01)]);
    expect(kinds(out)).toEqual(["fence_cross:thin"]);
    expect(out[0]!.detail).toMatchObject({ from: { ts: T0, lat: 0, lon: 0.4 } });
    expect(out[0]!.severity).toBe("info");
  });

  it("hysteresis: jitter at the border produces no flapping", () => {
    const idx = new FenceIndex([fence("c", "corridor", poly(0, 0, 0.1, 0.1), { hysteresis_m: 15 })]);
    const tr = new FenceTracker(ELEPHANT);
    const fixes = [fix(0, 0.05, 0.05)];
    for (let i = 1; i <= 100; i++) fixes.push(fix(i, ((i % 2 ? 1 : -1) * 8) / 111320, 0.05)); // ±8 m across x = 0
    expect(run(tr, idx, fixes)).toEqual([]);
    // Leaving for real still exits.
    expect(kinds(tr.update(fix(101, -0.001, 0.05), idx))).toEqual(["corridor_exit:c"]);
    // Without hysteresis the same jitter flaps.
    const idx0 = new FenceIndex([fence("c", "corridor", poly(0, 0, 0.1, 0.1))]);
    const tr0 = new FenceTracker(ELEPHANT);
    expect(run(tr0, idx0, fixes).length).toBe(99); // every flip from fix 2 on
  });

  it("quiet period: no repeat of the same (fence, kind) within quiet_s", () => {
    const idx = new FenceIndex([fence("c", "corridor", poly(0, 0, 0.1, 0.1), { quiet_s: 600 })]);
    const tr = new FenceTracker(ELEPHANT);
    const seq = [fix(0, -0.01, 0.05), fix(1, 0.01, 0.05), fix(2, -0.01, 0.05), fix(3, 0.01, 0.05), fix(4, -0.01, 0.05), fix(12, 0.01, 0.05)];
    const out = run(tr, idx, seq);
    expect(out.map((a) => [a.kind, (a.ts - T0) / MIN])).toEqual([
      ["corridor_enter", 1],
      ["corridor_exit", 2],
      ["corridor_enter", 12],
    ]);
    // State still follows the animal while alerts are suppressed.
    expect(tr.insideFences()).toEqual(["c"]);
  });

  it("rules: kinds filter, species and herd filters", () => {
    const idx = new FenceIndex([
      fence("onlyExit", "corridor", poly(0, 0, 0.1, 0.1), { kinds: ["corridor_exit"] }),
      fence("zebras", "corridor", poly(0, 0, 0.1, 0.1), { species: ["zebra"] }),
      fence("elephants", "corridor", poly(0, 0, 0.1, 0.1), { species: ["elephant"] }),
      fence("herd2", "corridor", poly(0, 0, 0.1, 0.1), { herds: ["h2"] }),
      fence("herd1", "corridor", poly(0, 0, 0.1, 0.1), { herds: ["h1"] }),
    ]);
    const tr = new FenceTracker(ELEPHANT);
    const out = run(tr, idx, [fix(0, -0.01, 0.05), fix(1, 0.01, 0.05), fix(2, -0.01, 0.05)]);
    expect(kinds(out)).toEqual(["corridor_enter:elephants", "corridor_enter:herd1", "corridor_exit:onlyExit", "corridor_exit:elephants", "corridor_exit:herd1"]);
  });

  it("multipolygon with a hole: the hole is outside", () => {
    const area: FenceArea = { type: "MultiPolygon", coordinates: [[sq(0, 0, 0.1, 0.1), sq(0.04, 0.04, 0.06, 0.06)], [sq(0.2, 0, 0.3, 0.1)]] };
    const idx = new FenceIndex([fence("r", "risk_zone", area, { kinds: ["risk_enter", "risk_exit"] })]);
    const tr = new FenceTracker(ELEPHANT);
    const out = run(tr, idx, [fix(0, 0.05, 0.05), fix(1, 0.02, 0.05), fix(2, 0.05, 0.05), fix(3, 0.25, 0.05)]);
    expect(out.map((a) => `${a.kind}@${(a.ts - T0) / MIN}`)).toEqual(["risk_enter@1", "risk_exit@2", "risk_enter@3"]);
  });

  it("a late or out-of-order fix produces nothing and changes nothing", () => {
    const idx = new FenceIndex([corridor]);
    const tr = new FenceTracker(ELEPHANT);
    run(tr, idx, [fix(0, -0.01, 0.05), fix(10, -0.02, 0.05)]);
    const before = JSON.stringify(tr.toJSON());
    expect(tr.update(fix(5, 0.05, 0.05), idx)).toEqual([]); // late, inside
    expect(tr.update(fix(10, 0.05, 0.05), idx)).toEqual([]); // same ts
    expect(tr.update(fix(11, 0.05, 0.05, { quality: ["out_of_order"] }), idx)).toEqual([]);
    expect(tr.update(fix(11, 0.05, 0.05, { quality: ["impossible_speed"] }), idx)).toEqual([]);
    expect(JSON.stringify(tr.toJSON())).toBe(before);
    expect(kinds(tr.update(fix(12, 0.05, 0.05), idx))).toEqual(["corridor_enter:c"]);
  });

  it("state round-trips through JSON mid-stay (dwell, quiet, hysteresis kept)", () => {
    const r = fence("r", "risk_zone", poly(1, 0, 1.1, 0.1), { dwell_s: 600, quiet_s: 3600, hysteresis_m: 15 });
    const idx = new FenceIndex([r]);
    const path = [fix(0, 0.95, 0.05), fix(1, 1.05, 0.05), fix(2, 1.05, 0.05), fix(3, 1 - 8 / 111320, 0.05), fix(12, 1.05, 0.05), fix(13, 0.9, 0.05), fix(14, 1.05, 0.05)];
    const straight = run(new FenceTracker(ELEPHANT), idx, path);
    expect(kinds(straight)).toEqual(["risk_enter:r", "risk_dwell:r", "risk_exit:r"]);
    for (let cut = 0; cut <= path.length; cut++) {
      const a = new FenceTracker(ELEPHANT);
      const first = run(a, idx, path.slice(0, cut));
      const json = JSON.parse(JSON.stringify(a.toJSON()));
      const b = FenceTracker.fromJSON(ELEPHANT, json);
      // A fresh index object too (as after a restart).
      const second = run(b, new FenceIndex([r]), path.slice(cut));
      expect([...first, ...second], `cut ${cut}`).toEqual(straight);
    }
    expect(JSON.stringify(new FenceTracker(ELEPHANT).toJSON()).length).toBeLessThan(100);
  });

  it("fromJSON of garbage starts fresh", () => {
    expect(FenceTracker.fromJSON(ELEPHANT, { nope: 1 }).lastTs).toBeNull();
    expect(FenceTracker.fromJSON(ELEPHANT, null).lastTs).toBeNull();
  });

  it("fences added, removed and changed: keyed by id, no spurious alerts", () => {
    const tr = new FenceTracker(ELEPHANT);
    const idx1 = new FenceIndex([corridor]);
    run(tr, idx1, [fix(0, 0.05, 0.05)]);
    expect(tr.insideFences()).toEqual(["c"]);
    // A new risk zone drawn around the animal: no risk_enter at the next fix.
    const around = fence("new", "risk_zone", poly(0.04, 0.04, 0.06, 0.06), { kinds: ["risk_enter", "risk_exit"] });
    const idx2 = new FenceIndex([corridor, around]);
    expect(run(tr, idx2, [fix(1, 0.051, 0.05)])).toEqual([]);
    expect(tr.insideFences()).toEqual(["c", "new"]);
    // The corridor disappears while the animal is inside: state dropped, no exit.
    const idx3 = new FenceIndex([around]);
    expect(run(tr, idx3, [fix(2, 0.052, 0.05)])).toEqual([]);
    expect(tr.insideFences()).toEqual(["new"]);
    expect(Object.keys(tr.toJSON().fences)).toEqual(["new"]);
    // The risk zone's geometry moves away from the animal: state recomputed silently, no exit.
    const moved = { ...around, area: poly(0.5, 0.5, 0.6, 0.6) };
    const idx4 = new FenceIndex([moved]);
    expect(run(tr, idx4, [fix(3, 0.053, 0.05)])).toEqual([]);
    expect(tr.insideFences()).toEqual([]);
    // And walking into it afterwards is a real enter.
    expect(kinds(run(tr, idx4, [fix(4, 0.55, 0.55)]))).toEqual(["risk_enter:new"]);
    // A new fence the animal then walks into: enter.
    const later = fence("later", "corridor", poly(0.7, 0.5, 0.8, 0.6));
    const idx5 = new FenceIndex([moved, later]);
    expect(kinds(run(tr, idx5, [fix(5, 0.75, 0.55)]))).toEqual(["risk_exit:new", "corridor_enter:later"]);
  });

  it("alerts across fixes come out in fix-time order", () => {
    const idx = new FenceIndex([corridor, risk]);
    const tr = new FenceTracker(ELEPHANT);
    const out = run(tr, idx, [fix(0, -0.05, 0.05), fix(1, 0.05, 0.05), fix(2, 1.05, 0.05), fix(3, 2, 0.05)]);
    expect(kinds(out)).toEqual(["corridor_enter:c", "corridor_exit:c", "risk_enter:r", "risk_exit:r"]);
    const ts = out.map((a) => a.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });
});
