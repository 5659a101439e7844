// The worker pool for CPU work (model fits, decoding, utilisation distributions): Piscina with one
// thread per core, a bounded queue and an idle timeout. A task that fails comes back as an error
// naming why (PoolTaskError: the input's fault → 422, or internal); a full queue is PoolBusyError
// (→ 503); a task running past its timeout is aborted (Piscina ends that worker thread and starts a
// fresh one). Nothing a task does can take the engine down.
//
// `submit` batches: requests arriving within `batchWindowMs` travel to a worker as one task, because
// a thread hop per small request costs more than the work (one structured clone, one wake-up).
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { PoolTask, TaskOutcome } from "./task-types.ts";

export interface PoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Tasks waiting for a thread before new ones are refused (default 256). */
  maxQueue?: number;
  /** A thread idle this long is stopped (default 60 s); the next task starts one again. */
  idleTimeoutMs?: number;
  /** A task running longer is aborted (default 120 s). */
  taskTimeoutMs?: number;
  /** How long `submit` waits for more requests to batch (default 2 ms), and the most per batch (default 256). */
  batchWindowMs?: number;
  maxBatch?: number;
  /** The worker module (tests add task kinds of their own). Default workers/worker.mjs. */
  filename?: string;
}

export interface PoolHealth {
  ok: boolean;
  threads: number;
  maxThreads: number;
  queueSize: number;
  maxQueue: number;
  /** Share of the pool's capacity in use since start (Piscina's utilization, 0–1). */
  utilization: number;
  completed: number;
  failed: number;
  refused: number;
}

export class PoolBusyError extends Error {
  constructor(queue: number) {
    super(`the model worker pool is busy (${queue} tasks queued); retry later`);
    this.name = "PoolBusyError";
  }
}

export class PoolTaskError extends Error {
  constructor(
    readonly kind: "input" | "internal",
    message: string,
  ) {
    super(message);
    this.name = "PoolTaskError";
  }
}

interface Pending {
  task: PoolTask;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const WORKER_FILE = fileURLToPath(new URL("./worker.mjs", import.meta.url));

export class ModelPool {
  private readonly piscina: Piscina;
  private readonly maxQueue: number;
  private readonly taskTimeoutMs: number;
  private readonly batchWindowMs: number;
  private readonly maxBatch: number;
  private batch: Pending[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private failed = 0;
  private refused = 0;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    const threads = Math.max(1, opts.threads ?? availableParallelism());
    this.maxQueue = opts.maxQueue ?? 256;
    this.taskTimeoutMs = opts.taskTimeoutMs ?? 120_000;
    this.batchWindowMs = opts.batchWindowMs ?? 2;
    this.maxBatch = opts.maxBatch ?? 256;
    this.piscina = new Piscina({
      filename: opts.filename ?? WORKER_FILE,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: opts.idleTimeoutMs ?? 60_000,
      maxQueue: this.maxQueue,
    });
  }

  /** Runs one task on a worker. */
  async run<R>(kind: string, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<R> {
    const outcome = (await this.dispatch({ kind, payload }, opts.timeoutMs)) as TaskOutcome;
    return unwrap(outcome, () => this.failed++) as R;
  }

  /** Like run, but joins other requests made within the batch window into one worker call. */
  submit<R>(kind: string, payload: unknown): Promise<R> {
    if (this.closed) return Promise.reject(new PoolBusyError(0));
    return new Promise<R>((resolve, reject) => {
      this.batch.push({ task: { kind, payload }, resolve: resolve as (v: unknown) => void, reject });
      if (this.batch.length >= this.maxBatch) this.flushBatch();
      else this.batchTimer ??= setTimeout(() => this.flushBatch(), this.batchWindowMs);
    });
  }

  health(): PoolHealth {
    const queueSize = this.piscina.queueSize;
    return {
      ok: !this.closed && queueSize < this.maxQueue,
      threads: this.piscina.threads.length,
      maxThreads: this.piscina.maxThreads,
      queueSize,
      maxQueue: this.maxQueue,
      utilization: this.piscina.utilization,
      completed: this.piscina.completed,
      failed: this.failed,
      refused: this.refused,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flushBatch();
    await this.piscina.destroy();
  }

  private flushBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const items = this.batch;
    this.batch = [];
    if (items.length === 0) return;
    this.dispatch({ kind: "batch", payload: items.map((p) => p.task) }).then(
      (outcomes) => {
        (outcomes as TaskOutcome[]).forEach((o, i) => {
          try {
            items[i]!.resolve(unwrap(o, () => this.failed++));
          } catch (err) {
            items[i]!.reject(err);
          }
        });
      },
      (err: unknown) => {
        for (const p of items) p.reject(err);
      },
    );
  }

  private async dispatch(task: PoolTask, timeoutMs = this.taskTimeoutMs): Promise<TaskOutcome | TaskOutcome[]> {
    if (this.closed) throw new PoolBusyError(0);
    if (this.piscina.queueSize >= this.maxQueue) {
      this.refused++;
      throw new PoolBusyError(this.piscina.queueSize);
    }
    try {
      return await this.piscina.run(task, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      this.failed++;
      const e = err as Error;
      if (/queue is at limit/i.test(e?.message ?? "")) {
        this.refused++;
        throw new PoolBusyError(this.piscina.queueSize);
      }
      if (e?.name === "AbortError" || e?.name === "TimeoutError") throw new PoolTaskError("internal", `${task.kind} took longer than ${timeoutMs} ms and was stopped`);
      // The worker itself died (out of memory, a native crash): Piscina has already replaced it.
      throw new PoolTaskError("internal", `${task.kind} failed in its worker: ${e?.message ?? String(err)}`);
    }
  }
}

function unwrap(o: TaskOutcome, countFailure: () => void): unknown {
  if (o.ok) return o.value;
  countFailure();
  throw new PoolTaskError(o.error.kind, o.error.message);
}
