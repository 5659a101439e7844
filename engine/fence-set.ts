// The live set of fences the engine checks against: rebuilt from storage whenever a fence changes,
// swapped in atomically so readers always see one consistent index. The node that handles an edit
// reloads at once; every node also polls a cheap version of the stored set (`watch`), so an edit
// made through another node applies here within the poll period.
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

  private seenVersion: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;

  /** `version`: a string that changes whenever the stored set changes (e.g. count and newest update). */
  constructor(
    private readonly load: () => Promise<Fence[]>,
    private readonly build: (fences: Fence[]) => I,
    private readonly version: (() => Promise<string>) | null = null,
  ) {
    this.index = build([]);
  }

  /** Polls the stored version every periodMs and reloads when it changed. Errors go to onError; polling goes on. */
  watch(periodMs: number, onError: (err: unknown) => void = () => {}): void {
    if (this.pollTimer || !this.version) return;
    const version = this.version;
    let busy = false;
    this.pollTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      version()
        .then((v) => (v !== this.seenVersion ? this.reload() : undefined))
        .catch(onError)
        .finally(() => (busy = false));
    }, periodMs);
    this.pollTimer.unref();
  }

  stop(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
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
          // Version first: an edit landing between the two reads shows up as a newer version next poll.
          const v = this.version ? await this.version() : null;
          this.index = this.build(await this.load());
          this.seenVersion = v;
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
