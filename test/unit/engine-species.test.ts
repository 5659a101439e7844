import { describe, expect, it } from "vitest";
import { ELEPHANT, UNKNOWN_SPECIES, WILDEBEEST, speciesProfile } from "../../engine/species.ts";

describe("speciesProfile", () => {
  it.each(["African elephant", "elephant", "ELEPHANT", "Loxodonta africana", "loxodonta cyclotis", "Elephas maximus"])(
    "%s → elephant (40 km/h)",
    (name) => {
      expect(speciesProfile(name)).toBe(ELEPHANT);
      expect(speciesProfile(name).maxSpeedKmh).toBe(40);
    },
  );

  it.each(["Connochaetes taurinus", "blue wildebeest", "Wildebeest", "gnu", "Black Wildebeest"])(
    "%s → wildebeest (80 km/h)",
    (name) => {
      expect(speciesProfile(name)).toBe(WILDEBEEST);
      expect(speciesProfile(name).maxSpeedKmh).toBe(80);
    },
  );

  it.each(["Panthera leo", "zebra", "", "gnuish beast"])("%s → unknown (100 km/h)", (name) => {
    expect(speciesProfile(name)).toBe(UNKNOWN_SPECIES);
    expect(speciesProfile(name).maxSpeedKmh).toBe(100);
  });

  it("returns shared frozen profiles", () => {
    expect(Object.isFrozen(speciesProfile("elephant"))).toBe(true);
    expect(speciesProfile("African elephant")).toBe(speciesProfile("Loxodonta africana"));
  });
});
