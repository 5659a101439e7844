import { describe, expect, it } from "vitest";
import { OFFLINE_DEFAULTS, OfflineWatch } from "../../engine/offline-watch.ts";

const T0 = Date.UTC(2026, 10, 21, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function hourly(w: OfflineWatch, animal: string, n: number, from = T0) {
  for (let i = 0; i < n; i++) w.observe(animal, `c-${animal}`, from + i * HOUR, -1.4, 35, i === 0 ? null : 3600);
  return from + (n - 1) * HOUR;
}

describe("OfflineWatch (collar_offline)", () => {
  it("fires after factor × the usual interval, once per silence; a fix re-arms it", () => {
    const w = new OfflineWatch();
    const last = hourly(w, "a", 6);
    expect(w.usualIntervalS("a")).toBe(3600);
    expect(w.check(last + 2 * HOUR)).toEqual([]);
    expect(w.check(last + 3 * HOUR)).toEqual([]); // exactly 3×: not yet
    const out = w.check(last + 3 * HOUR + 1);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      kind: "collar_offline",
      animal: "a",
      collar: "c-a",
      ts: last + 3 * HOUR + 1,
      lat: -1.4,
      lon: 35,
      key: `a:collar_offline::${last}`,
      detail: { last_fix_ts: new Date(last).toISOString(), usual_interval_s: 3600, limit_s: 3 * 3600 },
    });
    expect(w.check(last + 10 * HOUR)).toEqual([]);
    w.observe("a", "c-a", last + 11 * HOUR, -1.4, 35, 11 * 3600);
    expect(w.check(last + 11 * HOUR + 60 * MIN)).toEqual([]);
    // The 11 h gap is one interval among seven: the median is still 1 h.
    expect(w.check(last + 14 * HOUR + 1).map((a) => a.key)).toEqual([`a:collar_offline::${last + 11 * HOUR}`]);
  });

  it("negative: an unknown rhythm never fires; a default interval does; the minimum silence holds", () => {
    const w = new OfflineWatch();
    w.observe("a", "c", T0, 0, 0, null);
    expect(w.check(T0 + 100 * HOUR)).toEqual([]);
    const d = new OfflineWatch({ ...OFFLINE_DEFAULTS, defaultIntervalS: 1800 });
    d.observe("a", "c", T0, 0, 0, null);
    expect(d.check(T0 + 90 * MIN)).toEqual([]);
    expect(d.check(T0 + 91 * MIN)).toHaveLength(1);
    // A 1-minute collar: 3 min of silence is below the 10-minute floor.
    const fast = new OfflineWatch();
    for (let i = 0; i < 10; i++) fast.observe("f", "c", T0 + i * MIN, 0, 0, i ? 60 : null);
    expect(fast.check(T0 + 9 * MIN + 9 * MIN)).toEqual([]);
    expect(fast.check(T0 + 9 * MIN + 10 * MIN + 1)).toHaveLength(1);
  });

  it("a late fix does not end the silence", () => {
    const w = new OfflineWatch({ ...OFFLINE_DEFAULTS, defaultIntervalS: 3600 });
    w.observe("a", "c", T0 + 10 * HOUR, 0, 0, null);
    w.observe("a", "c", T0, 0, 0, 3600);
    expect(w.check(T0 + 14 * HOUR)).toHaveLength(1);
  });

  it("seeded from storage (passivated animals, restarts); live fixes win over an older seed", () => {
    const w = new OfflineWatch();
    w.seed("a", "c", T0, -1, 36, [1800, 1800, 1800, 1800]);
    expect(w.usualIntervalS("a")).toBe(1800);
    expect(w.check(T0 + 91 * MIN)).toHaveLength(1);
    w.observe("b", "cb", T0 + HOUR, 0, 0, 600);
    w.seed("b", "cb", T0, 0, 0, [60, 60, 60]); // older than what the actor reported
    expect(w.check(T0 + HOUR + 11 * MIN)).toEqual([]); // one interval known: rhythm still unknown
    expect(w.size).toBe(2);
  });

  it("a collar no longer deployed is forgotten, not alerted; a new collar restarts the rhythm", () => {
    const w = new OfflineWatch();
    const last = hourly(w, "a", 5);
    expect(w.check(last + 4 * HOUR, () => false)).toEqual([]);
    expect(w.size).toBe(0);
    hourly(w, "b", 5);
    w.observe("b", "new-collar", T0 + 5 * HOUR, 0, 0, 3600);
    expect(w.usualIntervalS("b")).toBeNull();
  });
});
