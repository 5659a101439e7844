// Request bodies over WT_MAX_BODY_BYTES get 413 without the server reading them: a declared
// Content-Length is refused before the body arrives, a chunked body as soon as it passes the limit,
// and the connection is closed so the rest is never read. Raw sockets control exactly what is sent.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

const LIMIT = 64 * 1024;

interface RawOutcome {
  /** Everything the server sent. */
  response: string;
  /** Body bytes written before the server's reply arrived. */
  sentBeforeReply: number;
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * Sends a POST head, then body pieces from `next` (null: stop writing, and wait) until the server
 * answers; resolves when the server closed the connection or `settleMs` after the reply.
 */
function rawPost(port: number, head: string[], next: (sent: number) => Buffer | null, settleMs = 5000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let response = "";
    let sent = 0;
    let sentBeforeReply = -1;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response, sentBeforeReply, closed });
    };
    // One piece per event-loop turn, like a client that reads while it uploads: the server closes with
    // the rest of the body unread, which resets the connection, and a client still writing in a tight
    // loop could hit the reset before it ever read the 413 waiting in its socket.
    const pump = () => {
      if (sentBeforeReply >= 0 || socket.destroyed) return;
      const piece = next(sent);
      if (piece === null) return;
      sent += piece.length;
      socket.write(piece, () => setImmediate(pump));
    };
    socket.on("connect", () => {
      socket.write(["POST /api/v1/herds HTTP/1.1", "Host: 127.0.0.1", `Authorization: Bearer ${TEST_ADMIN_TOKEN}`, "Content-Type: application/json", ...head, "", ""].join("\r\n"));
      pump();
    });
    socket.on("data", (d) => {
      if (sentBeforeReply < 0) {
        sentBeforeReply = sent;
        setTimeout(() => finish(false), settleMs);
      }
      response += d.toString("latin1");
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => {}); // writing after the server closed: the outcome is what was received
  });
}

const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

describe("body size limit", () => {
  let db: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_MAX_BODY_BYTES: String(LIMIT) });
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("answers 413 to a declared 10 MB body after only its first 64 KB were sent, and closes", async () => {
    const first = Buffer.alloc(64 * 1024, "x");
    const out = await rawPost(t.server.port, ["Content-Length: 10485760"], (sent) => (sent === 0 ? first : null));
    expect(status(out.response), out.response).toBe(413);
    expect(out.response).toContain("application/problem+json");
    expect(out.sentBeforeReply).toBeLessThanOrEqual(first.length);
    expect(out.closed).toBe(true);
  });

  it("answers 413 to a chunked body as it passes the limit, and closes the connection", async () => {
    const chunk = Buffer.alloc(16 * 1024, "x");
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
    // Keeps sending (up to 10 MB) until the server answers.
    const out = await rawPost(t.server.port, ["Transfer-Encoding: chunked"], (sent) => (sent < 10 * 1024 * 1024 ? framed : null));
    expect(status(out.response), out.response).toBe(413);
    expect(out.sentBeforeReply).toBeGreaterThan(LIMIT);
    expect(out.sentBeforeReply).toBeLessThan(10 * 1024 * 1024);
    expect(out.closed).toBe(true);
  });

  it("takes its limit from WT_MAX_BODY_BYTES, and accepts bodies within it", async () => {
    const over = await t.api.post("/api/v1/herds", { species_name: "elephant", name: "x".repeat(LIMIT) });
    expect(over.status).toBe(413);
    expect(over.body.detail).toContain(`${LIMIT} bytes`);
    const within = await t.api.post("/api/v1/herds", { species_name: "elephant", name: "Within the limit" });
    expect(within.status).toBe(201);
  });

  it("keeps a route's own larger limit (bulk upload)", async () => {
    const fixes = Array.from({ length: 2000 }, (_, i) => ({ collar: "NOPE", seq: i, ts: 1_700_000_000_000 + i * 1000, lat: -1.4, lon: 35.0 }));
    expect(JSON.stringify(fixes).length).toBeGreaterThan(LIMIT);
    const res = await t.api.post("/api/v1/tracking/bulk_upload", fixes);
    expect(res.status).not.toBe(413);
  });
});
