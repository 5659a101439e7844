// A pool worker with the production tasks plus misbehaving ones, for the worker pool tests.
import { register } from "tsx/esm/api";

register();
const { runTask, registerTasks } = await import("../../workers/tasks.ts");

registerTasks({
  sleep: (ms) => new Promise((r) => setTimeout(() => r(ms), ms)),
  spin: (ms) => {
    const end = Date.now() + ms;
    while (Date.now() < end); // a stuck computation: only an abort ends it
    return ms;
  },
  throw: (message) => {
    throw new Error(message);
  },
  crash: () => process.exit(3), // the worker thread dies
  threadId: async () => (await import("node:worker_threads")).threadId,
});

export default runTask;
