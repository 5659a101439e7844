// In-memory registry the ingest path consults per fix: which animal wears a collar at a time, and
// each animal's profile. Loaded at start and updated by the REST handlers that change it, so the
// hot path never queries the database.
import type { AnimalProfile } from "./types.ts";

interface Span {
  animal: string;
  from: number;
  to: number | null;
}

export type Resolution = { animal: AnimalProfile } | { reason: "unknown_collar" | "not_deployed" };

export class Registry {
  private readonly spans = new Map<string, Span[]>(); // per collar, sorted by `from`
  private readonly collars = new Set<string>();
  private readonly profiles = new Map<string, AnimalProfile>();

  addCollar(id: string): void {
    this.collars.add(id);
  }

  hasCollar(id: string): boolean {
    return this.collars.has(id);
  }

  setProfile(profile: AnimalProfile): void {
    this.profiles.set(profile.id, profile);
  }

  profile(animal: string): AnimalProfile | undefined {
    return this.profiles.get(animal);
  }

  /** Records a deployment; an open span of the same collar that it follows is closed at its start. */
  addDeployment(d: { collar_id: string; animal_id: string; from: number; to: number | null }): void {
    this.collars.add(d.collar_id);
    const list = this.spans.get(d.collar_id) ?? [];
    for (const s of list) if (s.to === null && s.from < d.from) s.to = d.from;
    list.push({ animal: d.animal_id, from: d.from, to: d.to });
    list.sort((a, b) => a.from - b.from);
    this.spans.set(d.collar_id, list);
  }

  /** Which animal wore `collar` at `ts`. */
  resolve(collar: string, ts: number): Resolution {
    if (!this.collars.has(collar)) return { reason: "unknown_collar" };
    const list = this.spans.get(collar);
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i]!;
        if (s.from <= ts && (s.to === null || ts < s.to)) {
          const animal = this.profiles.get(s.animal);
          if (animal) return { animal };
        }
      }
    }
    return { reason: "not_deployed" };
  }

  get collarCount(): number {
    return this.collars.size;
  }
}
