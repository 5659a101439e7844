// Live positions for dashboards: Socket.IO namespace `/live` (API.md). Positions are coalesced per
// animal (latest wins) and flushed every `intervalMs`, so a slow dashboard never holds the engine back.
import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import type { Principal } from "../auth/roles.ts";
import { TokenBucket } from "../auth/token-bucket.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { LivePosition } from "../engine/types.ts";
import { toFieldErrors } from "./ingest-protocol.ts";
import { socketAccess } from "./access-table.ts";
import { socketAuth } from "./socket-auth.ts";

type BBox = [number, number, number, number]; // [west, south, east, north]

const MAX_ROOMS_PER_SOCKET = 20_000;
const MAX_BBOXES_PER_SOCKET = 50;

const idList = z.array(z.string().min(1).max(128)).min(1).max(10_000);
const SubscriptionSchema = z
  .object({
    all: z.literal(true).optional(),
    animals: idList.optional(),
    herds: idList.optional(),
    bbox: z
      .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)])
      .refine((b) => b[1] <= b[3], "south must not be greater than north")
      .optional(),
  })
  .strict()
  .refine((s) => s.all || s.animals || s.herds || s.bbox, "name at least one of all, animals, herds, bbox");
type Subscription = z.output<typeof SubscriptionSchema>;

interface LiveSocketData {
  principal: Principal;
  bboxes: BBox[];
}

export interface LiveCounters {
  broadcast(n: number): void;
}

export const DEFAULT_SOCKET_EVENT_RATE_PER_S = 20;

/**
 * Per-socket event limit (`socket.use`), shared by /live and /alerts: `ratePerS` events a second, burst
 * twice that. An event over it is dropped; the socket gets an `error` event {code: "rate_limited", detail}
 * (and the event's ack, if any, {ok: false, code: "rate_limited", errors}) so a client waiting on an
 * ack does not hang. The socket stays connected: a dashboard that spams is slowed, not cut off.
 */
export function limitSocketEvents(socket: Socket, ratePerS: number, now?: () => number): void {
  const bucket = new TokenBucket({ ratePerS, burst: ratePerS * 2, now });
  const detail = `at most ${ratePerS} events a second per connection (burst ${ratePerS * 2}); event dropped`;
  socket.use((packet, next) => {
    if (bucket.take()) return next();
    socket.emit("error", { code: "rate_limited", detail });
    const ack = packet[packet.length - 1];
    if (typeof ack === "function") ack({ ok: false, code: "rate_limited", errors: [{ path: "(event)", message: detail }] });
    // Not calling next() drops the event; no error goes to the server-side socket's "error" listeners.
  });
}

/** True when a point lies in a bbox; a bbox with west > east crosses the antimeridian. */
export function inBBox(b: BBox, lat: number, lon: number): boolean {
  if (lat < b[1] || lat > b[3]) return false;
  return b[0] <= b[2] ? lon >= b[0] && lon <= b[2] : lon >= b[0] || lon <= b[2];
}

export class LiveHub {
  private readonly nsp: Namespace;
  private pending = new Map<string, LivePosition>();
  private readonly bboxSockets = new Map<string, BBox[]>(); // socket id → its bboxes
  private timer: NodeJS.Timeout | null = null;

  constructor(
    io: Server,
    tokens: TokenService,
    private readonly intervalMs: number,
    private readonly counters: LiveCounters,
    /** Events a second per dashboard socket (burst twice that); WT_SOCKET_MSG_RATE. */
    private readonly eventRatePerS = DEFAULT_SOCKET_EVENT_RATE_PER_S,
  ) {
    // Nothing is served on the default namespace; refuse it rather than hold anonymous sockets.
    io.of("/").use((_socket, next) => next(new Error("connect to the /live namespace")));
    this.nsp = io.of("/live");
    this.nsp.use(
      socketAuth(tokens, "/live", socketAccess("IO /live"), (socket, principal) => {
        (socket.data as LiveSocketData).principal = principal;
        (socket.data as LiveSocketData).bboxes = [];
      }),
    );
    this.nsp.on("connection", (socket) => this.onConnection(socket));
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  /** Called by actors as soon as a fix moves an animal's live position (before it is stored). */
  publish(p: LivePosition): void {
    if (this.nsp.sockets.size === 0) return; // nobody watching: skip the encoding work
    if (this.intervalMs === 0) return this.emit(p);
    const prev = this.pending.get(p.animal);
    if (!prev || prev.ts <= p.ts) this.pending.set(p.animal, p);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const p of batch.values()) this.emit(p);
  }

  private emit(p: LivePosition): void {
    // One emit per position to the union of rooms: Socket.IO sends it once per socket even if
    // the socket is in several of them (e.g. `all` and its animal's room).
    const rooms = ["all", `animal:${p.animal}`];
    if (p.herd) rooms.push(`herd:${p.herd}`);
    for (const [socketId, boxes] of this.bboxSockets) {
      if (boxes.some((b) => inBBox(b, p.lat, p.lon))) rooms.push(socketId);
    }
    this.nsp.to(rooms).emit("position", p);
    this.counters.broadcast(1);
  }

  private onConnection(socket: Socket): void {
    const data = socket.data as LiveSocketData;
    limitSocketEvents(socket, this.eventRatePerS);
    socket.on("subscribe", (payload: unknown, ack?: unknown) => {
      const r = SubscriptionSchema.safeParse(payload);
      const reply = typeof ack === "function" ? (ack as (x: unknown) => void) : () => {};
      if (!r.success) return reply({ ok: false, errors: toFieldErrors(r.error, payload ?? {}) });
      const limit = this.overLimit(socket, data, r.data);
      if (limit) return reply({ ok: false, errors: [limit] });
      this.apply(socket, data, r.data, true);
      reply({ ok: true, subscriptions: this.describe(socket, data) });
    });
    socket.on("unsubscribe", (payload: unknown, ack?: unknown) => {
      const r = SubscriptionSchema.safeParse(payload);
      const reply = typeof ack === "function" ? (ack as (x: unknown) => void) : () => {};
      if (!r.success) return reply({ ok: false, errors: toFieldErrors(r.error, payload ?? {}) });
      this.apply(socket, data, r.data, false);
      reply({ ok: true, subscriptions: this.describe(socket, data) });
    });
    socket.on("disconnect", () => this.bboxSockets.delete(socket.id));
  }

  /** Caps what one dashboard may subscribe to, so a viewer cannot grow server memory without bound. */
  private overLimit(socket: Socket, data: LiveSocketData, sub: Subscription): { path: string; message: string } | null {
    const rooms = socket.rooms.size + (sub.animals?.length ?? 0) + (sub.herds?.length ?? 0);
    if (rooms > MAX_ROOMS_PER_SOCKET) return { path: "animals", message: `at most ${MAX_ROOMS_PER_SOCKET} animals and herds per connection` };
    if (sub.bbox && data.bboxes.length >= MAX_BBOXES_PER_SOCKET) return { path: "bbox", message: `at most ${MAX_BBOXES_PER_SOCKET} boxes per connection` };
    return null;
  }

  private apply(socket: Socket, data: LiveSocketData, sub: Subscription, join: boolean): void {
    const rooms: string[] = [];
    if (sub.all) rooms.push("all");
    for (const a of sub.animals ?? []) rooms.push(`animal:${a}`);
    for (const h of sub.herds ?? []) rooms.push(`herd:${h}`);
    if (join) socket.join(rooms);
    else for (const r of rooms) socket.leave(r);
    if (sub.bbox) {
      const b = sub.bbox as BBox;
      data.bboxes = join ? [...data.bboxes, b] : data.bboxes.filter((x) => x.join() !== b.join());
      if (data.bboxes.length) this.bboxSockets.set(socket.id, data.bboxes);
      else this.bboxSockets.delete(socket.id);
    }
  }

  private describe(socket: Socket, data: LiveSocketData) {
    const rooms = [...socket.rooms].filter((r) => r !== socket.id);
    return {
      all: rooms.includes("all"),
      animals: rooms.filter((r) => r.startsWith("animal:")).map((r) => r.slice(7)),
      herds: rooms.filter((r) => r.startsWith("herd:")).map((r) => r.slice(5)),
      bboxes: data.bboxes,
    };
  }
}
