// Simulated animals select habitat when given a landscape: closer to water, on greener ground and
// less often near villages than the same walkers without one (fixed seeds, so the check is exact).
import { describe, expect, it } from "vitest";
import { sampleAt } from "../../engine/landscape/sample.ts";
import { syntheticLandscape } from "../../engine/landscape/synthetic.ts";
import { CollarTrack } from "../../simulator/collar-track.ts";

describe("simulated habitat selection", () => {
  it("animals on the synthetic landscape use water, forage and distance from people", () => {
    const stack = syntheticLandscape("mara");
    const walk = (habitat: boolean) => {
      let water = 0, ndvi = 0, people = 0, n = 0;
      for (let k = 0; k < 6; k++) {
        const track = new CollarTrack(
          { id: `H${k}`, species: k % 2 ? "wildebeest" : "elephant" },
          { fleetSeed: 42, start: Date.UTC(2026, 0, 1), intervalMs: 3_600_000, ...(habitat ? { habitat: { stack } } : {}) },
        );
        for (let i = 0; i < 1500; i++) {
          const f = track.next();
          const c = sampleAt(stack, f.lon, f.lat);
          if (Number.isNaN(c.dist_water)) continue;
          water += c.dist_water;
          ndvi += c.ndvi;
          if (c.dist_settlement < 3000) people++; // within 3 km of a village or road
          n++;
        }
      }
      return { water: water / n, ndvi: ndvi / n, nearPeople: people / n };
    };
    const selecting = walk(true);
    const plain = walk(false);
    expect(selecting.water).toBeLessThan(plain.water * 0.8);
    expect(selecting.ndvi).toBeGreaterThan(plain.ndvi);
    expect(selecting.nearPeople).toBeLessThan(plain.nearPeople);
  });
});
