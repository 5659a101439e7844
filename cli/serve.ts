// `wt serve` / `npm start`: start the engine, print where it is, stop gracefully on SIGTERM/SIGINT.
import path from "node:path";
import { loadConfig } from "../engine/config.ts";
import { startServer } from "../gateway/server.ts";
import type { Io } from "./main.ts";

export async function runServe(io: Io): Promise<number> {
  const config = loadConfig();
  const started = Date.now();
  const server = await startServer(config, { log: io.stderr });
  io.stdout(`wildlife tracker listening on ${server.url} (database: ${server.db.kind}${config.databaseUrl ? "" : ` in ${path.resolve(config.dataDir)}`}, ${Date.now() - started} ms)`);
  io.stdout(`  REST ${server.url}/api/v1   collars ws${server.url.slice(4)}/ingest   live Socket.IO ${server.url}/live`);
  if (server.adminTokenGenerated) io.stdout(`  admin token (printed once, stored in ${path.join(config.dataDir, "admin-token")}): ${server.adminToken}`);
  else if (!config.adminToken) io.stdout(`  admin token: see ${path.join(config.dataDir, "admin-token")}`);

  let stopDemo: (() => Promise<void>) | null = null;
  if (config.demo) {
    const { startDemo } = await import("../gateway/demo.ts");
    const demo = await startDemo(server, config, io.stderr);
    stopDemo = demo.stop;
    io.stdout(`  demo: ${demo.collars} simulated collars streaming at ${config.demoRate} fixes/s (WT_DEMO=0 to turn off)`);
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.stderr(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      io.stderr(`${signal}: shutting down (flushing fixes, writing snapshots)…`);
      void (async () => {
        await stopDemo?.();
        await server.close();
        io.stderr("stopped cleanly");
        resolve();
      })();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}
