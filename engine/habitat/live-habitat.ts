// Habitat suitability for live positions: the newest habitat model applied to every cell of the
// study area once (by onnxruntime in the worker pool, when the model is loaded), then a lookup per
// position — an RSF's covariates are static rasters, so scoring the cell a fix falls in is the
// model's own answer for that cell's covariates, at the cost of an array read.
import type { CovariateStack } from "../landscape/stack.ts";

export interface ActiveHabitatModel {
  id: string;
  version: number;
  /** Absolute path of the ONNX file. */
  onnxPath: string;
  /** Probability of use per cell, row-major from the north-west cell (the stack's layout); NaN off the covariates. */
  raster: Float32Array;
}

export class LiveHabitat {
  private active: ActiveHabitatModel | null = null;

  constructor(readonly stack: CovariateStack | null) {}

  get model(): ActiveHabitatModel | null {
    return this.active;
  }

  use(model: ActiveHabitatModel): void {
    if (this.stack && model.raster.length !== this.stack.grid.nx * this.stack.grid.ny) {
      throw new RangeError(`habitat raster has ${model.raster.length} cells, the study area ${this.stack.grid.nx * this.stack.grid.ny}`);
    }
    this.active = model;
  }

  /** Suitability (0–1, 3 decimals) of the cell at (lon, lat); null without a model or off the study area. */
  scoreAt(lon: number, lat: number): number | null {
    const m = this.active;
    const s = this.stack;
    if (!m || !s) return null;
    const g = s.grid;
    const col = Math.floor((lon - g.west) / g.cellLon);
    const row = Math.floor((g.north - lat) / g.cellLat);
    if (col < 0 || row < 0 || col >= g.nx || row >= g.ny) return null;
    const v = m.raster[row * g.nx + col]!;
    return Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
  }
}
