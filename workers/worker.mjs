// Piscina worker entry. Workers must be JavaScript at run time: this shim registers tsx's ESM hook in
// the worker thread, then loads the TypeScript task table.
import { register } from "tsx/esm/api";

register();
const { runTask } = await import("./tasks.ts");

export default runTask;
