// The collar WebSocket `/ingest` (API.md): validate frames once, hand fixes to the pipeline, and ack
// each fix only after the writer has committed it. Backpressure: when the writer's queue is full the
// connection gets `overloaded` and close 1013; the collar reconnects later and resends what was not acked.
// Abuse: each connection may send `msgRatePerS` messages a second (burst twice that). A message over the
// limit is not processed: the collar gets `error` `rate_limited` listing (`resend`) the seqs to resend later.
// A connection that keeps going (RATE_LIMIT_CLOSE_AFTER bursts refused in a row) is closed with 1008.
import type { TemplatedApp, WebSocket } from "uWebSockets.js";
import type { Principal } from "../auth/roles.ts";
import { allows, socketAccess } from "./access-table.ts";
import { TokenBucket } from "../auth/token-bucket.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { IngestPipeline, WriteTicket } from "../engine/ingest-pipeline.ts";
import { frameSeqs, MAX_FRAME_BYTES, parseFrame, resolveCollar, toFixInput, type FieldError } from "./ingest-protocol.ts";

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_LARGE = 1009;
export const CLOSE_OVERLOADED = 1013;
export const CLOSE_GOING_AWAY = 1001;
/** Policy violation: the collar ignored `rate_limited` far too long. */
export const CLOSE_POLICY_VIOLATION = 1008;

export const DEFAULT_MSG_RATE_PER_S = 50;
/**
 * Refused messages in a row, in bursts (10 × burst = 1,000 at the default rate), before the connection
 * is closed with 1008: a collar that backs off on `rate_limited` never comes near it; one that ignores
 * it (a loop, or abuse) stops costing us parsing and answers. It may reconnect, and gets a fresh but
 * still limited connection.
 */
export const RATE_LIMIT_CLOSE_AFTER = 10;

export interface IngestCounters {
  received(n: number): void;
  acked(n: number): void;
  nacked(n: number): void;
  /** Frames refused as rate_limited (optional: older callers do not count them). */
  rateLimited?(frames: number): void;
}

export interface IngestOptions {
  tokens: TokenService;
  pipeline: IngestPipeline;
  /** Fixes waiting for commit; above `maxQueue` new frames are refused with `overloaded`. */
  writerDepth: () => number;
  maxQueue: number;
  counters: IngestCounters;
  /** Messages (frames) per second per connection; burst twice that. Default 50. */
  msgRatePerS?: number;
}

interface Conn {
  principal: Principal | null;
  /** The token could not be checked (database down): refuse with `overloaded` so the collar retries. */
  unverified: boolean;
  open: boolean;
  pendingAcks: number[];
  flushScheduled: boolean;
  ws: WebSocket<Conn> | null;
  bucket: TokenBucket;
  refusedInRow: number;
}

export class IngestGateway {
  private readonly conns = new Set<Conn>();
  private accepting = true;
  private readonly msgRatePerS: number;
  private readonly closeAfterRefused: number;

  constructor(private readonly opts: IngestOptions) {
    this.msgRatePerS = opts.msgRatePerS ?? DEFAULT_MSG_RATE_PER_S;
    if (!(this.msgRatePerS > 0)) throw new RangeError(`msgRatePerS must be > 0 (got ${this.msgRatePerS})`);
    this.closeAfterRefused = Math.ceil(RATE_LIMIT_CLOSE_AFTER * this.burst);
  }

  private get burst(): number {
    return this.msgRatePerS * 2;
  }

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
            const bucket = new TokenBucket({ ratePerS: this.msgRatePerS, burst: this.burst });
            res.upgrade<Conn>(
              { principal, unverified, open: false, pendingAcks: [], flushScheduled: false, ws: null, bucket, refusedInRow: 0 },
              key,
              protocol,
              extensions,
              context,
            );
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
        if (!allows(socketAccess("WS /ingest"), conn.principal)) {
          return this.refuse(conn, "forbidden", `role ${conn.principal.role} may not send fixes`, CLOSE_FORBIDDEN);
        }
        if (!this.accepting) return this.refuse(conn, "overloaded", "server is shutting down; reconnect later", CLOSE_OVERLOADED);
        this.conns.add(conn);
      },
      message: (ws, message, isBinary) => {
        const conn = ws.getUserData();
        if (!this.conns.has(conn)) return; // refused or closing
        // First, before any parsing: a flood of any kind of frame is what the limit is for.
        if (!conn.bucket.take()) return this.rateLimited(conn, message, isBinary);
        conn.refusedInRow = 0;
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

  /** Closes the connections authenticated with a device token that was just revoked (4401). */
  closeToken(tokenId: string): number {
    let closed = 0;
    for (const conn of [...this.conns]) {
      if (conn.principal?.tokenId !== tokenId) continue;
      this.flushAcks(conn);
      this.send(conn, { type: "error", code: "unauthorized", detail: "token revoked" });
      conn.ws?.end(CLOSE_UNAUTHORIZED, "token revoked");
      closed++;
    }
    return closed;
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

  /**
   * Answers a frame over the connection's message rate: not processed, so nothing in it is stored or
   * acked (and nothing acked before is affected). Not a nack, which is permanent, and the seqs go in
   * `resend`, not `seq` (clients such as our simulator read an error's `seq` as final like a nack):
   * `{type:"error", code:"rate_limited", detail, resend:[seq...], retry_after_ms}` tells the collar
   * to keep those fixes and send them again after that pause, preferably batched.
   */
  private rateLimited(conn: Conn, message: ArrayBuffer, isBinary: boolean): void {
    this.opts.counters.rateLimited?.(1);
    conn.refusedInRow++;
    const resend = isBinary || message.byteLength > MAX_FRAME_BYTES ? [] : frameSeqs(Buffer.from(message).toString("utf8"));
    const limit = `at most ${this.msgRatePerS} messages a second per connection (burst ${this.burst}); batch fixes or slow down`;
    const closing = conn.refusedInRow >= this.closeAfterRefused;
    const detail = closing ? `${limit}; closing after ${conn.refusedInRow} refused in a row` : `${limit}; resend these fixes later`;
    this.send(conn, { type: "error", code: "rate_limited", detail, resend, retry_after_ms: conn.bucket.msUntil() });
    if (!closing) return;
    this.conns.delete(conn);
    conn.ws?.end(CLOSE_POLICY_VIOLATION, "rate_limited");
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
