// The live set of fences the engine checks against: rebuilt from storage whenever a fence changes,
// swapped in atomically so readers always see one consistent index.
import type { Fence } from "./fences/types.ts";

export interface FenceMembership {
  corridors: string[];
  risk_zones: string[];
}

/** What the set needs of a built index. */
export interface PointIndex {
  query(lon: number, lat: number): FenceMembership;
}

export class FenceSet<I extends PointIndex = PointIndex> {
  private index: I;
  private reloading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly load: () => Promise<Fence[]>,
    private readonly build: (fences: Fence[]) => I,
  ) {
    this.index = build([]);
  }

  /** Reloads from storage; concurrent calls coalesce, and a call during a reload triggers one more. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.again = false;
          this.index = this.build(await this.load());
        } while (this.again);
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  query(lon: number, lat: number): FenceMembership {
    return this.index.query(lon, lat);
  }

  /** The index in force now (a new object after every reload, which is how actors notice edits). */
  get current(): I {
    return this.index;
  }
}
