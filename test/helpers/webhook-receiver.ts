// A local HTTP receiver standing in for a webhook endpoint (the one kind of outside service the tests
// cannot run for real): records each request and answers as `respond` decides.
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  body: string;
  headers: IncomingMessage["headers"];
  at: number;
}

export type Reply = number | { status: number; headers: Record<string, string> };

export interface WebhookReceiver {
  url: string;
  port: number;
  got: Received[];
  /** Requests held open (respond returned null). */
  readonly hanging: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; `respond(n)` for the n-th request (1-based) gives the reply, null: never answer. */
export async function webhookReceiver(respond: (n: number) => Reply | null): Promise<WebhookReceiver> {
  const got: Received[] = [];
  let n = 0;
  const hanging: Array<() => void> = [];
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers, at: Date.now() });
      const reply = respond(++n);
      if (reply === null) {
        hanging.push(() => res.destroy());
        return;
      }
      const { status, headers } = typeof reply === "number" ? { status: reply, headers: {} } : reply;
      res.writeHead(status, { "Content-Type": "text/plain", ...headers }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    got,
    get hanging() {
      return hanging.length;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls fn until it returns something truthy. */
export async function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
