// One call from a track to its Brownian bridge home range: planar metres (projecting lon/lat, scaling
// km), motion variance (static BBMM or dynamic dBBMM), UD on a grid, contours back in the input's
// coordinates. What the CLI, the worker pool and the REST home-range endpoint run.
import { udContours, type Contour } from "./contours.ts";
import { dynamicMotionVariance, type DynamicOptions, type DynamicVariance } from "./dynamic.ts";
import { trackGrid, type Grid } from "./grid.ts";
import { aeqdAround, aeqdForward, aeqdInverse, type Aeqd } from "./project.ts";
import { bridgeTrack, type BridgeTrack } from "./track.ts";
import { bridgeUD, defaultTimeStep } from "./ud.ts";
import { constantSegmentVariance, motionVariance, type LeaveOut } from "./variance.ts";

export type CoordSystem = "lonlat" | "xy-m" | "xy-km";

export interface HomeRangeTrack {
  /** Longitude / x and latitude / y in `coords` units (degrees, metres or km). */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Epoch milliseconds. */
  t: ArrayLike<number>;
  coords: CoordSystem;
}

export interface HomeRangeOptions {
  /** Location error (SD, metres): one value or one per fix. */
  locationError: number | ArrayLike<number>;
  /** Cell side, metres. */
  cell: number;
  /** Contour levels in percent (default 50, 95). */
  levels?: number[];
  /** Dynamic BBMM (per-segment σ²m, move's brownian.bridge.dyn) instead of one σ²m for the track. */
  dynamic?: boolean | DynamicOptions;
  /** Integration step, minutes (default: shortest time lag / 15, as move). */
  timeStep?: number;
  /** Grid margin around the track's bounding box, metres (default: max(0.3 × larger side, 4σ reach)). */
  margin?: number;
  /** Evaluated window half-width in bridge SDs (default 4, as move). */
  truncation?: number;
  /** Static model only: which fixes the likelihood leaves out (default "alternate", as BBMM and move). */
  leaveOut?: LeaveOut;
}

export interface HomeRange {
  mode: "static" | "dynamic";
  /** Static: the ML σ²m. Dynamic: the duration-weighted mean σ²m of the segments in the UD. m²/min. */
  motionVariance: number;
  /** Static: leave-one-out bridges in the likelihood. Dynamic: segments (bridges) integrated into the UD. */
  nBridges: number;
  /** Static: log-likelihood at the maximum. */
  logLik?: number;
  dynamic?: DynamicVariance;
  /** σ²m per segment (fix i → i+1) as used for the UD; NaN where the dynamic model has none. */
  segmentVariance: Float64Array;
  /** The track in planar metres, time-sorted, as modelled. */
  track: BridgeTrack;
  /** Grid in planar metres (the local projection for lon/lat input). */
  grid: Grid;
  /** UD, row-major from the south-west cell, summing to 1. */
  ud: Float64Array;
  /** Contours in the input's coordinates (lon/lat, metres or km). */
  contours: Contour[];
  timeStep: number;
  /** The local projection used for lon/lat input. */
  projection?: Aeqd;
}

/** Fits the model and computes UD and contours for one animal's track. */
export function homeRange(input: HomeRangeTrack, opts: HomeRangeOptions): HomeRange {
  const n = input.x.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let projection: Aeqd | undefined;
  let unproject: ((x: number, y: number) => number[]) | undefined;
  if (input.coords === "lonlat") {
    const p = aeqdAround(input.x, input.y);
    aeqdForward(p, input.x, input.y, x, y);
    projection = p;
    unproject = (px, py) => aeqdInverse(p, px, py);
  } else {
    const k = input.coords === "xy-km" ? 1000 : 1;
    for (let i = 0; i < n; i++) {
      x[i] = input.x[i]! * k;
      y[i] = input.y[i]! * k;
    }
    if (k !== 1) unproject = (px, py) => [px / k, py / k];
  }
  const track = bridgeTrack(x, y, input.t, opts.locationError);

  let mode: HomeRange["mode"];
  let variance: number;
  let nBridges: number;
  let logLik: number | undefined;
  let dynamic: DynamicVariance | undefined;
  let segmentVariance: Float64Array;
  let interest: Uint8Array | undefined;
  if (opts.dynamic) {
    mode = "dynamic";
    dynamic = dynamicMotionVariance(track, opts.dynamic === true ? {} : opts.dynamic);
    segmentVariance = dynamic.variance;
    interest = dynamic.interest;
    let sum = 0;
    let dur = 0;
    nBridges = 0;
    for (let s = 0; s < segmentVariance.length; s++) {
      if (!interest[s]) continue;
      const T = track.t[s + 1]! - track.t[s]!;
      sum += segmentVariance[s]! * T;
      dur += T;
      nBridges++;
    }
    variance = sum / dur;
  } else {
    mode = "static";
    const fit = motionVariance(track, opts.leaveOut);
    variance = fit.variance;
    nBridges = fit.bridges;
    logLik = fit.logLik;
    segmentVariance = constantSegmentVariance(track, variance);
  }

  const truncation = opts.truncation ?? 4;
  const grid = trackGrid(track, opts.cell, segmentVariance, { margin: opts.margin, truncation, interest });
  const timeStep = opts.timeStep ?? defaultTimeStep(track);
  const ud = bridgeUD(track, segmentVariance, grid, { timeStep, interest, truncation });
  const contours = udContours(ud, grid, opts.levels ?? [50, 95], unproject);
  return { mode, motionVariance: variance, nBridges, logLik, dynamic, segmentVariance, track, grid, ud, contours, timeStep, projection };
}
