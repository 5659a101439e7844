import { describe, expect, it } from "vitest";
import { hmmRowsFromFixes } from "../../engine/behaviour/rows.ts";
import { BehaviourTracker } from "../../engine/behaviour/tracker.ts";
import { stateNames, type BehaviourModelRef } from "../../engine/behaviour/model-set.ts";
import { createModel } from "../../engine/hmm/index.ts";

const model = createModel({ nStates: 2, angleDist: "vm" }, { stepMean: [50, 1500], stepSd: [40, 500], angleMean: [Math.PI, 0], angleConc: [0.5, 5], beta: [-3, -3] });
const ref: BehaviourModelRef = { id: "m1", species: "x", version: 1, states: stateNames(2), model, medianIntervalS: 3600 };

describe("BehaviourTracker", () => {
  it("confirms a new state only after two confident rows (hysteresis); the first state is not a change", () => {
    const tr = new BehaviourTracker(ref);
    const changes = [];
    for (let i = 0; i < 10; i++) changes.push(tr.update(40, 170, 3600)); // resting
    expect(tr.state).toBe("resting");
    changes.push(tr.update(1600, 0, 3600)); // one long step: not yet
    changes.push(tr.update(40, 180, 3600)); // back to resting
    for (let i = 0; i < 5; i++) changes.push(tr.update(1500, 2, 3600)); // moving for real
    const real = changes.filter((c) => c !== null);
    expect(real).toEqual([{ from: "resting", to: "moving", probability: expect.any(Number) }]);
    expect(real[0]!.probability).toBeGreaterThanOrEqual(0.8);
    expect(tr.probabilitiesByName()).toMatchObject({ moving: expect.any(Number), resting: expect.any(Number) });
  });

  it("a gap longer than 3× the usual interval restarts the filter without alerting", () => {
    const tr = new BehaviourTracker(ref);
    for (let i = 0; i < 5; i++) tr.update(40, 170, 3600);
    expect(tr.update(5000, 0, 5 * 3600)).toBeNull();
    expect(tr.probabilities).toBeNull();
  });
});

describe("hmmRowsFromFixes", () => {
  it("one row per fix after each animal's first, new tracks at animals and gaps, angles in radians, first angle NaN", () => {
    const rows = hmmRowsFromFixes({
      animal: ["a", "a", "a", "a", "a", "b", "b", "b"],
      step: Float64Array.from([NaN, 10, 20, 30, 40, NaN, 50, 60]),
      turn: Float64Array.from([NaN, NaN, 90, 180, -90, NaN, NaN, 45]),
      interval: Float64Array.from([NaN, 60, 60, 600, 60, NaN, 60, 60]), // fix 3 comes after a 10-minute gap
    });
    expect(Array.from(rows.step)).toEqual([10, 20, 40, 50, 60]);
    expect(Array.from(rows.trackStart)).toEqual([0, 2, 3, 5]);
    expect(Array.from(rows.rowFix)).toEqual([1, 2, 4, 6, 7]);
    expect(rows.angle[0]).toBeNaN();
    expect(rows.angle[1]).toBeCloseTo(Math.PI / 2);
    expect(rows.angle[2]).toBeNaN(); // first row after the gap
    expect(rows.trackIds).toEqual(["a", "a", "b"]);
    expect(rows.medianIntervalS).toBe(60);
  });
});
