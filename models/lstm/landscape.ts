// The landscape make-data.ts simulates on: the synthetic Mara-like stack of engine/landscape
// (seed LANDSCAPE_SEED), with behaviour-dependent habitat selection (engine/predict/habitat.ts).
import { stackHabitat, trainingLandscape } from "../../engine/predict/habitat.ts";
import type { HabitatSelection } from "../../engine/predict/index.ts";

export async function loadHabitat(): Promise<HabitatSelection> {
  return stackHabitat(trainingLandscape());
}
