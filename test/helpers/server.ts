// Starts a real server in-process for a test suite, on a free port, against a test database.
import { loadConfig } from "../../engine/config.ts";
import { startServer, type RunningServer, type StartOptions } from "../../gateway/server.ts";
import { apiClient, type ApiClient } from "./api.ts";
import type { TestDatabase } from "./databases.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface TestServer {
  server: RunningServer;
  api: ApiClient;
  wsUrl: string;
}

export async function startTestServer(db: TestDatabase, env: Record<string, string> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    PORT: "0",
    WT_DATA_DIR: db.dataDir,
    WT_DEMO: "0",
    WT_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    WT_LIVE_INTERVAL_MS: "10",
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const server = await startServer(config, { log: () => {}, ...opts });
  return { server, api: apiClient(server.url, TEST_ADMIN_TOKEN), wsUrl: server.url.replace(/^http/, "ws") + "/ingest" };
}

/** Registers an animal wearing `collar` since `from` and returns their ids. */
export async function deployedAnimal(api: ApiClient, collar: string, opts: { species?: string; from?: string; family_id?: string } = {}) {
  const animal = await api.post("/api/v1/animals", { name: `Animal ${collar}`, species: opts.species ?? "elephant", family_id: opts.family_id });
  if (animal.status !== 201) throw new Error(`create animal: ${animal.status} ${JSON.stringify(animal.body)}`);
  const c = await api.post("/api/v1/collars", { id: collar });
  if (c.status !== 201) throw new Error(`create collar: ${c.status} ${JSON.stringify(c.body)}`);
  const d = await api.post(`/api/v1/collars/${collar}/deployments`, { animal_id: animal.body.id, from: opts.from ?? "2026-01-01T00:00:00Z" });
  if (d.status !== 201) throw new Error(`deploy: ${d.status} ${JSON.stringify(d.body)}`);
  return { animalId: animal.body.id as string, collar };
}
