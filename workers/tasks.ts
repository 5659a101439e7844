// The tasks the worker pool runs, by kind. Each handler is a pure function of its payload (model math
// from engine/); `batch` runs several in one call so many small requests share one thread hop.
import { homeRangeTask } from "./bbmm-tasks.ts";
import { hmmDecodeTask, hmmFitTask } from "./hmm-tasks.ts";
import { habitatFitTask, habitatParityTask, habitatRasterTask, habitatScoreTask } from "./habitat-tasks.ts";
import { LSTM_TASKS } from "./lstm-tasks.ts";
import { TaskInputError, type PoolTask, type TaskOutcome } from "./task-types.ts";

type Handler = (payload: unknown) => unknown | Promise<unknown>;

const HANDLERS: Record<string, Handler> = {
  /** Liveness probe for /health/ready: a round trip through a worker. */
  ping: () => "pong",
  "bbmm.homeRange": homeRangeTask,
  "hmm.fit": hmmFitTask,
  "hmm.decode": hmmDecodeTask,
  "habitat.fit": habitatFitTask,
  "habitat.raster": habitatRasterTask,
  "habitat.score": habitatScoreTask,
  "habitat.parity": habitatParityTask,
  ...LSTM_TASKS,
};

/** Adds task kinds (model modules register theirs on import). */
export function registerTasks(handlers: Record<string, Handler>): void {
  Object.assign(HANDLERS, handlers);
}

async function runOne(task: PoolTask): Promise<TaskOutcome> {
  const handler = typeof task?.kind === "string" ? HANDLERS[task.kind] : undefined;
  if (!handler) return { ok: false, error: { kind: "input", message: `unknown task kind ${JSON.stringify(task?.kind)}` } };
  try {
    return { ok: true, value: await handler(task.payload) };
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    return { ok: false, error: { kind: err instanceof TaskInputError ? "input" : "internal", message } };
  }
}

/** The worker's entry: one task, or `{kind: "batch", payload: PoolTask[]}` answered item by item. */
export async function runTask(task: PoolTask): Promise<TaskOutcome | TaskOutcome[]> {
  if (task?.kind === "batch" && Array.isArray(task.payload)) {
    const out: TaskOutcome[] = [];
    for (const item of task.payload as PoolTask[]) out.push(await runOne(item));
    return out;
  }
  return runOne(task);
}
