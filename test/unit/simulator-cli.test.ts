import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { runSimulate, simulatedCollars } from "../../cli/simulate.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

interface FakeServer {
  url: string; // ws://…/ingest
  requests: Array<{ method: string; path: string; auth: string | undefined; body: unknown }>;
  ingestAuth: string[];
  fixes: Array<{ collar: string; ts: string }>;
  close: () => Promise<void>;
}

/** One port like the real server: REST under /api/v1 (answers from `rest`) and an acking /ingest. */
async function fakeServer(rest: (method: string, path: string, body: unknown) => [number, unknown]): Promise<FakeServer> {
  const requests: FakeServer["requests"] = [];
  const ingestAuth: string[] = [];
  const fixes: FakeServer["fixes"] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      const body = data ? JSON.parse(data) : undefined;
      requests.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body });
      const [status, payload] = rest(req.method!, req.url!, body);
      res.writeHead(status, { "content-type": status >= 400 ? "application/problem+json" : "application/json" });
      res.end(JSON.stringify(payload));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    ingestAuth.push(req.headers.authorization ?? "");
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (d) => {
        const m = JSON.parse(d.toString());
        const list = m.type === "batch" ? m.fixes : [m];
        fixes.push(...list);
        ws.send(JSON.stringify({ type: "ack", seq: list.map((f: { seq: number }) => f.seq) }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const s: FakeServer = {
    url: `ws://127.0.0.1:${port}/ingest`,
    requests,
    ingestAuth,
    fixes,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  servers.push(s);
  return s;
}

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const lastJson = (out: string[]) => JSON.parse(out[out.length - 1]!) as Record<string, unknown>;

describe("wt simulate", () => {
  it("--help describes every option", async () => {
    const c = capture();
    expect(await runSimulate(["--help"], c.io)).toBe(0);
    const help = c.out.join("\n");
    for (const opt of ["--url", "--token", "--collars", "--rate", "--interval", "--fixes", "--connections", "--batch", "--seed", "--prefix", "--species", "--register", "--json", "--quiet"])
      expect(help).toContain(opt);
  });

  it.each([
    [[], /--url is required/],
    [["--url", "ws://x/ingest"], /--token is required/],
    [["--url", "ws://x/ingest", "--token", "t", "--rate", "0"], /--rate must be a positive number/],
    [["--url", "ws://x/ingest", "--token", "t", "--collars", "2.5"], /--collars must be an integer/],
    [["--url", "ws://x/ingest", "--token", "t", "--species", "lion"], /unknown species "lion"/],
    [["--url", "ftp://x", "--token", "t"], /--url must be ws/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("%j → exit 1 with a message on stderr", async (argv, message) => {
    const c = capture();
    expect(await runSimulate(argv as string[], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(message);
    expect(c.out).toEqual([]);
  });

  it("streams N collars, waits for every ack and prints stats as JSON on the last line", async () => {
    const s = await fakeServer(() => [404, {}]);
    const c = capture();
    const code = await runSimulate(
      ["--url", s.url, "--token", "gw", "--collars", "4", "--fixes", "3", "--rate", "500", "--batch", "2", "--json", "--quiet"],
      c.io,
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(lastJson(c.out)).toMatchObject({ collars: 4, sent: 12, acked: 12, unacked: 0, nacked: 0, completed: true, seed: 1 });
    expect(new Set(s.fixes.map((f) => f.collar))).toEqual(new Set(["SIM001", "SIM002", "SIM003", "SIM004"]));
    expect(s.ingestAuth.every((a) => a === "Bearer gw")).toBe(true);
    expect(s.requests).toEqual([]); // no REST without --register
  });

  it("--register creates animals, collars (409 is fine) and a gateway, then streams with the gateway token", async () => {
    let animalN = 0;
    const s = await fakeServer((method, path, body) => {
      if (method === "GET" && path.startsWith("/api/v1/collars")) return [200, { items: [{ id: "SIM001" }], next_cursor: null }];
      if (method === "POST" && path === "/api/v1/animals") return [201, { id: `A${++animalN}`, ...(body as object) }];
      if (method === "POST" && path === "/api/v1/collars")
        return (body as { id: string }).id === "SIM002" ? [409, { title: "Conflict", status: 409 }] : [201, body];
      if (method === "POST" && path === "/api/v1/gateways") return [201, { id: "gw1", token: "gw-token" }];
      return [404, { title: "Not Found" }];
    });
    const c = capture();
    const code = await runSimulate(
      ["--url", s.url.replace("/ingest", ""), "--token", "admin", "--register", "--collars", "3", "--fixes", "2", "--rate", "1000", "--json", "--quiet"],
      c.io,
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(s.requests.every((r) => r.auth === "Bearer admin")).toBe(true);
    const animals = s.requests.filter((r) => r.path === "/api/v1/animals").map((r) => r.body);
    expect(animals).toEqual(
      expect.arrayContaining([
        { name: "Wildebeest SIM002", species: "wildebeest" },
        { name: "Elephant SIM003", species: "elephant" },
      ]),
    );
    expect(animals).toHaveLength(2); // SIM001 already existed
    const collars = s.requests.filter((r) => r.path === "/api/v1/collars" && r.method === "POST").map((r) => r.body as { id: string; animal_id: string });
    expect(collars.map((b) => b.id).sort()).toEqual(["SIM002", "SIM003"]);
    expect(collars.every((b) => /^A\d$/.test(b.animal_id))).toBe(true);
    expect(s.requests.filter((r) => r.path === "/api/v1/gateways").map((r) => r.body)).toEqual([{ name: "SIM simulator" }]);
    expect(s.ingestAuth.length).toBeGreaterThan(0);
    expect(s.ingestAuth.every((a) => a === "Bearer gw-token")).toBe(true);
    expect(lastJson(c.out)).toMatchObject({ registered: 1, already_registered: 2, gateway: "gw1", acked: 6, completed: true });
  });

  it("--register reports a refused request and exits 1", async () => {
    const s = await fakeServer((method, path) =>
      method === "POST" && path === "/api/v1/animals" ? [403, { title: "Forbidden", detail: "role viewer" }] : [200, { items: [], next_cursor: null }],
    );
    const c = capture();
    expect(await runSimulate(["--url", s.url, "--token", "viewer", "--register", "--collars", "1", "--fixes", "1", "--quiet"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/POST \/animals → 403 \(Forbidden: role viewer\)/);
  });

  it("exits 1 when the server refuses the token", async () => {
    const wss = new WebSocketServer({ port: 0, verifyClient: (_i, cb) => cb(false, 401) });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as { port: number }).port;
    const c = capture();
    try {
      expect(await runSimulate(["--url", `ws://127.0.0.1:${port}/ingest`, "--token", "bad", "--fixes", "1", "--quiet", "--json"], c.io)).toBe(1);
      expect(c.err.join("\n")).toMatch(/HTTP 401/);
      expect(lastJson(c.out)).toMatchObject({ completed: false });
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });

  it("names collars PREFIX001… with species in turn and herds per species", () => {
    const cs = simulatedCollars(5, "KEN", ["elephant", "wildebeest"], 2);
    expect(cs.map((c) => [c.id, c.species, c.herd])).toEqual([
      ["KEN001", "elephant", "KEN-elephant-1"],
      ["KEN002", "wildebeest", "KEN-wildebeest-1"],
      ["KEN003", "elephant", "KEN-elephant-1"],
      ["KEN004", "wildebeest", "KEN-wildebeest-1"],
      ["KEN005", "elephant", "KEN-elephant-2"],
    ]);
    expect(simulatedCollars(1200, "S", ["elephant"], 6)[0]!.id).toBe("S0001");
  });
});
