// The collar WebSocket `/ingest` (API.md): validate frames once, hand fixes to the pipeline, and ack
// each fix only after the writer has committed it. Backpressure: when the writer's queue is full the
// connection gets `overloaded` and close 1013; the collar reconnects later and resends what was not acked.
import type { TemplatedApp, WebSocket } from "uWebSockets.js";
import { canIngest, type Principal } from "../auth/roles.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { IngestPipeline, WriteTicket } from "../engine/ingest-pipeline.ts";
import { MAX_FRAME_BYTES, parseFrame, resolveCollar, toFixInput, type FieldError } from "./ingest-protocol.ts";

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_LARGE = 1009;
export const CLOSE_OVERLOADED = 1013;
export const CLOSE_GOING_AWAY = 1001;

export interface IngestCounters {
  received(n: number): void;
  acked(n: number): void;
  nacked(n: number): void;
}

export interface IngestOptions {
  tokens: TokenService;
  pipeline: IngestPipeline;
  /** Fixes waiting for commit; above `maxQueue` new frames are refused with `overloaded`. */
  writerDepth: () => number;
  maxQueue: number;
  counters: IngestCounters;
}

interface Conn {
  principal: Principal | null;
  /** The token could not be checked (database down): refuse with `overloaded` so the collar retries. */
  unverified: boolean;
  open: boolean;
  pendingAcks: number[];
  flushScheduled: boolean;
  ws: WebSocket<Conn> | null;
}

export class IngestGateway {
  private readonly conns = new Set<Conn>();
  private accepting = true;

  constructor(private readonly opts: IngestOptions) {}

  get connections(): number {
    return this.conns.size;
  }

  attach(app: TemplatedApp): void {
    app.ws<Conn>("/ingest", {
      // A little above the protocol limit so we can answer `too_large` ourselves before closing.
      maxPayloadLength: MAX_FRAME_BYTES + 64 * 1024,
      maxBackpressure: 4 * 1024 * 1024,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        // Copy everything from req now: it is invalid after this synchronous part.
        const key = req.getHeader("sec-websocket-key");
        const protocol = req.getHeader("sec-websocket-protocol");
        const extensions = req.getHeader("sec-websocket-extensions");
        const auth = req.getHeader("authorization");
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? new URLSearchParams(req.getQuery() ?? "").get("token") ?? undefined;
        let aborted = false;
        res.onAborted(() => {
          aborted = true;
        });
        const upgrade = (principal: Principal | null, unverified: boolean) => {
          if (aborted) return;
          res.cork(() => {
            res.upgrade<Conn>({ principal, unverified, open: false, pendingAcks: [], flushScheduled: false, ws: null }, key, protocol, extensions, context);
          });
        };
        void this.opts.tokens.verify(token).then(
          (principal) => upgrade(principal, false),
          () => upgrade(null, true),
        );
      },
      open: (ws) => {
        const conn = ws.getUserData();
        conn.open = true;
        conn.ws = ws;
        if (conn.unverified) return this.refuse(conn, "overloaded", "cannot check tokens right now; reconnect later", CLOSE_OVERLOADED);
        if (!conn.principal) return this.refuse(conn, "unauthorized", "missing, invalid or revoked token", CLOSE_UNAUTHORIZED);
        if (!canIngest(conn.principal)) {
          return this.refuse(conn, "forbidden", `role ${conn.principal.role} may not send fixes`, CLOSE_FORBIDDEN);
        }
        if (!this.accepting) return this.refuse(conn, "overloaded", "server is shutting down; reconnect later", CLOSE_OVERLOADED);
        this.conns.add(conn);
      },
      message: (ws, message, isBinary) => {
        const conn = ws.getUserData();
        if (!this.conns.has(conn)) return; // refused or closing
        if (isBinary) {
          this.send(conn, { type: "error", code: "bad_frame", detail: "frames must be text (JSON)" });
          return;
        }
        if (message.byteLength > MAX_FRAME_BYTES) {
          return this.refuse(conn, "too_large", `a frame is at most ${MAX_FRAME_BYTES} bytes`, CLOSE_TOO_LARGE);
        }
        if (!this.accepting) return; // shutting down: unacked fixes will be resent after reconnect
        if (this.opts.writerDepth() >= this.opts.maxQueue) {
          return this.refuse(conn, "overloaded", "storage is behind; reconnect later and resend unacked fixes", CLOSE_OVERLOADED);
        }
        this.onFrame(conn, Buffer.from(message).toString("utf8"));
      },
      close: (ws) => {
        const conn = ws.getUserData();
        conn.open = false;
        conn.ws = null;
        this.conns.delete(conn);
      },
    });
  }

  /** Stops taking new frames (graceful shutdown); acks for fixes already taken still flow. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every collar connection (after the writer has flushed and acks are out). */
  closeAll(code = CLOSE_GOING_AWAY, reason = "server shutting down"): void {
    for (const conn of [...this.conns]) {
      this.flushAcks(conn);
      conn.ws?.end(code, reason);
    }
  }

  private onFrame(conn: Conn, text: string): void {
    const frame = parseFrame(text);
    if (frame.kind === "error") {
      this.send(conn, { type: "error", code: frame.code, detail: frame.detail });
      return;
    }
    this.opts.counters.received(frame.fixes.length);
    for (const item of frame.fixes) {
      if ("errors" in item) {
        this.nack(conn, item.seq, "invalid", item.errors);
        continue;
      }
      const owner = resolveCollar(item.fix, conn.principal!);
      if ("code" in owner) {
        this.nack(conn, item.seq, owner.code, owner.errors);
        continue;
      }
      this.opts.pipeline.submit(toFixInput(item.fix, owner.collar), this.ticket(conn, item.seq));
    }
  }

  private ticket(conn: Conn, seq: number): WriteTicket {
    return {
      stored: () => {
        conn.pendingAcks.push(seq);
        if (!conn.flushScheduled) {
          conn.flushScheduled = true;
          // One ack frame per connection per commit: all tickets of a batch complete synchronously.
          queueMicrotask(() => this.flushAcks(conn));
        }
      },
      rejected: (message) => this.nack(conn, seq, "rejected", [{ path: "(fix)", message }]),
    };
  }

  private flushAcks(conn: Conn): void {
    conn.flushScheduled = false;
    if (conn.pendingAcks.length === 0) return;
    const seq = conn.pendingAcks;
    conn.pendingAcks = [];
    if (this.send(conn, { type: "ack", seq })) this.opts.counters.acked(seq.length);
  }

  private nack(conn: Conn, seq: number, code: string, errors: FieldError[]): void {
    this.opts.counters.nacked(1);
    this.send(conn, { type: "nack", seq, code, errors });
  }

  /** Sends a JSON message; false when the socket is gone or uWS dropped it (the collar will resend). */
  private send(conn: Conn, msg: unknown): boolean {
    if (!conn.open || !conn.ws) return false;
    return conn.ws.send(JSON.stringify(msg), false) !== 2; // 2 = dropped: over maxBackpressure
  }

  private refuse(conn: Conn, code: string, detail: string, closeCode: number): void {
    this.send(conn, { type: "error", code, detail });
    this.conns.delete(conn);
    conn.ws?.end(closeCode, code);
  }
}
