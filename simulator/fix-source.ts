// The fixes one connection sends, in time order: fix 0 of every collar, then fix 1 of every collar, …
import type { CollarTrack, SimFix } from "./collar-track.ts";

export class FixSource {
  private position = 0; // index in the round-robin order of the next fix to take

  constructor(
    private readonly tracks: readonly CollarTrack[],
    private readonly perCollar: number | undefined, // undefined: endless
  ) {}

  /** Fixes taken so far. */
  get taken(): number {
    return this.position;
  }

  get total(): number {
    return this.perCollar === undefined ? Infinity : this.perCollar * this.tracks.length;
  }

  get exhausted(): boolean {
    return this.position >= this.total;
  }

  private tsAt(position: number): number {
    const n = this.tracks.length;
    return this.tracks[position % n]!.tsOf(Math.floor(position / n));
  }

  /** Timestamp of the next fix, or undefined when exhausted. */
  nextTs(): number | undefined {
    return this.exhausted ? undefined : this.tsAt(this.position);
  }

  /** How many of the next fixes (at most max) have a timestamp ≤ now: a collar never reports the future. */
  readyCount(now: number, max: number): number {
    const limit = Math.min(max, this.total - this.position);
    let k = 0;
    while (k < limit && this.tsAt(this.position + k) <= now) k++;
    return k;
  }

  /** Takes the next k fixes (k ≤ what remains). */
  take(k: number): SimFix[] {
    const out: SimFix[] = [];
    const n = this.tracks.length;
    for (let j = 0; j < k && !this.exhausted; j++) {
      out.push(this.tracks[this.position % n]!.next());
      this.position++;
    }
    return out;
  }
}
