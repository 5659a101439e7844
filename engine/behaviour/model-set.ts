// The behaviour models in force, one per species (the newest fitted version), swapped in whole on
// reload like the fence set; every node also polls for versions fitted through another node.
import { modelFromJson, type HmmModel } from "../hmm/index.ts";

export interface BehaviourModelRef {
  id: string;
  species: string;
  version: number;
  /** State names by increasing mean step length. */
  states: readonly string[];
  model: HmmModel;
  /** Median fix interval of the fitted data (s): a longer gap restarts the live filter. */
  medianIntervalS: number;
}

export interface StoredBehaviourModel {
  id: string;
  species: string;
  version: number;
  states: string[];
  params: Record<string, unknown>;
}

/** Names for states ordered by mean step: what ecologists call them for 2 and 3 states. */
export function stateNames(n: number): string[] {
  if (n === 2) return ["resting", "moving"];
  if (n === 3) return ["resting", "foraging", "migrating"];
  return Array.from({ length: n }, (_, i) => `state${i + 1}`);
}

export class BehaviourModelSet {
  private bySpecies = new Map<string, BehaviourModelRef>();
  private seenVersion: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly load: () => Promise<StoredBehaviourModel[]>,
    private readonly version: () => Promise<string>,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The model for an animal's species (as written on the animal), if one has been fitted. */
  forSpecies(species: string): BehaviourModelRef | undefined {
    return this.bySpecies.get(species.trim().toLowerCase());
  }

  get size(): number {
    return this.bySpecies.size;
  }

  async reload(): Promise<void> {
    const v = await this.version();
    const next = new Map<string, BehaviourModelRef>();
    for (const m of await this.load()) {
      try {
        const params = m.params as { model: unknown; median_interval_s?: number };
        next.set(m.species, { id: m.id, species: m.species, version: m.version, states: m.states, model: modelFromJson(params.model), medianIntervalS: Number(params.median_interval_s) || NaN });
      } catch (err) {
        // A model this build cannot read must not stop the others (or the engine).
        this.log(`behaviour model ${m.id} (${m.species} v${m.version}) not loaded: ${(err as Error).message}`);
      }
    }
    this.bySpecies = next;
    this.seenVersion = v;
  }

  watch(periodMs: number, onError: (err: unknown) => void = () => {}): void {
    if (this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.version()
        .then((v) => (v !== this.seenVersion ? this.reload() : undefined))
        .catch(onError)
        .finally(() => (busy = false));
    }, periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
