// What crosses the thread boundary: plain data (structured clone; typed arrays are copied or moved).

export interface PoolTask {
  kind: string;
  payload: unknown;
}

/** A task's answer: never a thrown error across threads, so its kind survives (input vs internal). */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: { kind: "input" | "internal"; message: string } };

/** Thrown by a task handler when the request itself cannot be served (too few fixes, bad parameters): a 422, not a bug. */
export class TaskInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskInputError";
  }
}
