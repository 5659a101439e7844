// Species profiles: what the engine needs to know about a species to judge its fixes.
// Profiles are shared frozen objects, so a hundred thousand actors hold one reference each
// instead of a copy.

export type SpeciesKey = "elephant" | "wildebeest" | "unknown";

export interface SpeciesProfile {
  readonly key: SpeciesKey;
  /** Fastest plausible sustained ground speed, km/h. Faster steps are flagged impossible_speed. */
  readonly maxSpeedKmh: number;
}

// Elephants charge at ~25 km/h and wildebeest gallop at ~65–80 km/h; the limits leave headroom
// for GPS error over short intervals. Unknown species get a limit that only catches teleports.
export const ELEPHANT: SpeciesProfile = Object.freeze({ key: "elephant", maxSpeedKmh: 40 });
export const WILDEBEEST: SpeciesProfile = Object.freeze({ key: "wildebeest", maxSpeedKmh: 80 });
export const UNKNOWN_SPECIES: SpeciesProfile = Object.freeze({ key: "unknown", maxSpeedKmh: 100 });

// Common and scientific names (African bush/forest elephant, Asian elephant; blue and
// black wildebeest, "gnu"), matched case-insensitively anywhere in the species string.
const MATCHERS: ReadonlyArray<readonly [RegExp, SpeciesProfile]> = [
  [/elephant|loxodonta|elephas/i, ELEPHANT],
  [/wildebeest|connochaetes|\bgnus?\b/i, WILDEBEEST],
];

// Registries use a handful of distinct species strings; caching avoids re-running the regexes
// on every activation.
const cache = new Map<string, SpeciesProfile>();

/** The profile for a species name as written in the animal registry (any case, common or Latin). */
export function speciesProfile(species: string): SpeciesProfile {
  const cached = cache.get(species);
  if (cached) return cached;
  let found = UNKNOWN_SPECIES;
  for (const [pattern, profile] of MATCHERS) {
    if (pattern.test(species)) {
      found = profile;
      break;
    }
  }
  if (cache.size < 1024) cache.set(species, found);
  return found;
}
