// An animal's behaviour, live: the species model's forward filter fed one row per accepted fix
// (the fix's step and the turning angle at the fix before it, so the state describes the step that
// ended at this fix: the angle makes it one fix late), the most likely state, and behaviour_change
// alerts with hysteresis — a new state must hold with probability ≥ CONFIRM_P on CONFIRM_ROWS rows
// in a row before it replaces the confirmed one, so one ambiguous step never alerts.
import { HmmForwardFilter } from "../hmm/index.ts";
import type { BehaviourModelRef } from "./model-set.ts";

export const CONFIRM_P = 0.8;
export const CONFIRM_ROWS = 2;
const DEG = Math.PI / 180;

export interface BehaviourChange {
  from: string;
  to: string;
  probability: number;
}

export class BehaviourTracker {
  readonly ref: BehaviourModelRef;
  private readonly filter: HmmForwardFilter;
  private confirmed = -1;
  private candidate = -1;
  private candidateRows = 0;

  constructor(ref: BehaviourModelRef) {
    this.ref = ref;
    this.filter = new HmmForwardFilter(ref.model);
  }

  /** The latest state probabilities (rows fed so far), or null before the first row. */
  get probabilities(): Float64Array | null {
    return this.filter.rows > 0 ? this.filter.probabilities : null;
  }

  /** The most likely state's name now, or null before the first row. */
  get state(): string | null {
    const p = this.probabilities;
    if (!p) return null;
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
    return this.ref.states[best] ?? null;
  }

  /**
   * One accepted fix's row: step (m), turning angle (degrees, NaN unknown) and interval (s). A gap
   * longer than 3 × the model's usual interval starts a new track. Returns a confirmed change, if any.
   */
  update(stepM: number, turnDeg: number, intervalS: number): BehaviourChange | null {
    const gap = !(intervalS > 0) || (Number.isFinite(this.ref.medianIntervalS) && intervalS > 3 * this.ref.medianIntervalS);
    if (gap) {
      this.filter.reset();
      this.candidate = -1;
      this.candidateRows = 0;
      return null; // the step across the gap is not a step the model knows
    }
    const first = this.filter.rows === 0;
    const p = this.filter.update(stepM, first ? NaN : turnDeg * DEG);
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
    if (p[best]! < CONFIRM_P || best === this.confirmed) {
      this.candidate = -1;
      this.candidateRows = 0;
      return null;
    }
    this.candidateRows = best === this.candidate ? this.candidateRows + 1 : 1;
    this.candidate = best;
    if (this.candidateRows < CONFIRM_ROWS) return null;
    const from = this.confirmed;
    this.confirmed = best;
    this.candidate = -1;
    this.candidateRows = 0;
    // The first confirmed state is where the animal was, not a change.
    return from < 0 ? null : { from: this.ref.states[from]!, to: this.ref.states[best]!, probability: p[best]! };
  }

  /** State probabilities by name, rounded for the wire. */
  probabilitiesByName(): Record<string, number> | null {
    const p = this.probabilities;
    if (!p) return null;
    const out: Record<string, number> = {};
    this.ref.states.forEach((name, j) => (out[name] = Math.round(p[j]! * 1000) / 1000));
    return out;
  }
}
