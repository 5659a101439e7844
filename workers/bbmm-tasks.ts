// Home range (Brownian bridge) in the worker pool: the UD stays in the worker; contours come back.
import { BbmmInputError } from "../engine/bbmm/track.ts";
import { homeRange, type HomeRangeOptions, type HomeRangeTrack } from "../engine/bbmm/index.ts";
import { TaskInputError } from "./task-types.ts";

export interface HomeRangeTask {
  track: HomeRangeTrack;
  options: HomeRangeOptions;
}

export interface HomeRangeResult {
  mode: "static" | "dynamic";
  motion_variance_m2_per_min: number;
  n_bridges: number;
  cell_m: number;
  grid: { nx: number; ny: number };
  breaks: number[];
  contours: Array<{ level: number; area_km2: number; geometry: unknown }>;
}

export function homeRangeTask(payload: unknown): HomeRangeResult {
  const { track, options } = payload as HomeRangeTask;
  try {
    const r = homeRange(track, options);
    return {
      mode: r.mode,
      motion_variance_m2_per_min: r.motionVariance,
      n_bridges: r.nBridges,
      cell_m: options.cell,
      grid: { nx: r.grid.nx, ny: r.grid.ny },
      // Break points as fix times (the input is time-sorted: it comes from storage oldest first).
      breaks: r.dynamic ? r.dynamic.breaks.map((i) => Number(track.t[i])) : [],
      contours: r.contours.map((c) => ({ level: c.level, area_km2: c.areaKm2, geometry: c.geometry })),
    };
  } catch (err) {
    if (err instanceof BbmmInputError) throw new TaskInputError(err.message);
    throw err;
  }
}
