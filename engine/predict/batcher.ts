// Micro-batching for the next-position model: many actors ask for one forecast each; requests made
// within `windowMs` (or until `maxBatch` are waiting) go to the model as one inference call, because
// an LSTM call costs nearly the same for 1 sequence as for 64. `run` is typically a worker-pool call:
//   new MicroBatcher((features, n) => pool.run("lstm.predict", { features, n }))
import { buildSample, decodePrediction, HORIZONS_H, SAMPLE_SIZE, stateFeatures, type PositionForecast, type PredictTrack } from "./features.ts";
import type { BatchPredict } from "./evaluate.ts";

export interface MicroBatcherOptions {
  /** Most sequences per call (default 256). */
  maxBatch?: number;
  /** How long the first request of a batch waits for company, ms (default 2). */
  windowMs?: number;
}

/** One sequence's outputs: horizons × 2, km in its heading frame (decodePrediction turns them into positions). */
export interface SequenceForecast {
  mean: Float32Array;
  logVar: Float32Array;
}

interface Waiting {
  resolve(f: SequenceForecast): void;
  reject(e: unknown): void;
}

export class MicroBatcher {
  private readonly maxBatch: number;
  private readonly windowMs: number;
  private features: Float32Array;
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Inference calls made and sequences sent, for metrics. */
  calls = 0;
  sequences = 0;

  constructor(
    private readonly run: BatchPredict,
    opts: MicroBatcherOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
    this.windowMs = opts.windowMs ?? 2;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError("options.maxBatch must be a positive integer");
    if (!(this.windowMs >= 0)) throw new RangeError("options.windowMs must be a non-negative number");
    this.features = new Float32Array(this.maxBatch * SAMPLE_SIZE);
  }

  /** Queues one sample (SAMPLE_SIZE floats from buildSample) and resolves with its forecast. */
  predict(sample: Float32Array): Promise<SequenceForecast> {
    if (sample.length !== SAMPLE_SIZE) return Promise.reject(new RangeError(`a sample holds ${SAMPLE_SIZE} floats (got ${sample.length})`));
    return new Promise<SequenceForecast>((resolve, reject) => {
      this.features.set(sample, this.waiting.length * SAMPLE_SIZE);
      this.waiting.push({ resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Sends what is waiting now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.waiting;
    const n = items.length;
    if (n === 0) return;
    // A copy of exactly n samples (a view would carry the whole buffer across threads); a full buffer is handed over.
    let features: Float32Array;
    if (n === this.maxBatch) {
      features = this.features;
      this.features = new Float32Array(this.maxBatch * SAMPLE_SIZE);
    } else features = this.features.slice(0, n * SAMPLE_SIZE);
    this.waiting = [];
    this.calls++;
    this.sequences += n;
    const per = HORIZONS_H.length * 2;
    this.run(features, n).then(
      ({ mean, logVar }) => {
        for (let i = 0; i < n; i++) items[i]!.resolve({ mean: mean.slice(i * per, (i + 1) * per), logVar: logVar.slice(i * per, (i + 1) * per) });
      },
      (err: unknown) => {
        for (const w of items) w.reject(err);
      },
    );
  }
}

/**
 * Live use: the forecast from a track's last fix (positions in the track's planar metres, with
 * uncertainty) through a batcher. An actor passes its recent fixes (a few dozen are enough: the
 * behaviour filter forgets its start within a few steps).
 */
export async function forecastFromLastFix(track: PredictTrack, batcher: MicroBatcher): Promise<PositionForecast[]> {
  const last = track.t.length - 1;
  if (last < 1) throw new RangeError("a forecast needs at least two fixes");
  const sample = new Float32Array(SAMPLE_SIZE);
  const frame = buildSample(track, stateFeatures(track), last, sample);
  const { mean, logVar } = await batcher.predict(sample);
  return decodePrediction(frame, mean, logVar, 0);
}
