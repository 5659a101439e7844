// Socket.IO namespace `/alerts` (API.md "Alert consumers"): viewer or stronger (token at handshake,
// like /live); event `alert` for every alert, narrowed by `subscribe` {kinds, animals, herds}.
import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import type { Principal } from "../auth/roles.ts";
import type { TokenService } from "../auth/tokens.ts";
import { toFieldErrors } from "../gateway/ingest-protocol.ts";
import { DEFAULT_SOCKET_EVENT_RATE_PER_S, limitSocketEvents } from "../gateway/live.ts";
import { socketAccess } from "../gateway/access-table.ts";
import { socketAuth } from "../gateway/socket-auth.ts";
import type { Alert } from "../store/repos/alerts.ts";

const idList = z.array(z.string().min(1).max(128)).max(10_000);
export const AlertFilterSchema = z
  .object({ kinds: z.array(z.string().min(1).max(64)).max(64).optional(), animals: idList.optional(), herds: idList.optional() })
  .strict();
export type AlertSubscription = z.output<typeof AlertFilterSchema>;

interface AlertSocketData {
  principal: Principal;
  /** Null: every alert. Each named dimension must match (any of its values). */
  filter: { kinds?: Set<string>; animals?: Set<string>; herds?: Set<string> } | null;
}

/** True when the alert passes a socket's filter (kinds AND animals AND herds, each one-of). */
export function matchesFilter(f: AlertSocketData["filter"], a: Pick<Alert, "kind" | "animal" | "herd">): boolean {
  if (!f) return true;
  if (f.kinds && !f.kinds.has(a.kind)) return false;
  if (f.animals && !(a.animal !== null && f.animals.has(a.animal))) return false;
  if (f.herds && !(a.herd !== null && f.herds.has(a.herd))) return false;
  return true;
}

export class AlertsNamespace {
  readonly nsp: Namespace;

  constructor(
    private readonly io: Server,
    tokens: TokenService,
    /** Events a second per consumer socket (burst twice that); WT_SOCKET_MSG_RATE. */
    private readonly eventRatePerS = DEFAULT_SOCKET_EVENT_RATE_PER_S,
  ) {
    this.nsp = io.of("/alerts");
    this.nsp.use(
      socketAuth(tokens, "/alerts", socketAccess("IO /alerts"), (socket, principal) => {
        const data = socket.data as AlertSocketData;
        data.principal = principal;
        data.filter = null;
      }),
    );
    this.nsp.on("connection", (socket) => this.onConnection(socket));
  }

  /** Sends an alert to every matching /alerts socket, and to every /live socket (API.md lists `alert` there too). */
  emit(alert: Alert): void {
    for (const socket of this.nsp.sockets.values()) {
      if (matchesFilter((socket.data as AlertSocketData).filter, alert)) socket.emit("alert", alert);
    }
    this.io.of("/live").emit("alert", alert);
  }

  private onConnection(socket: Socket): void {
    const data = socket.data as AlertSocketData;
    limitSocketEvents(socket, this.eventRatePerS);
    const replyOf = (ack: unknown) => (typeof ack === "function" ? (ack as (x: unknown) => void) : () => {});
    // `subscribe` replaces the filter; `{}` (or `unsubscribe`) means every alert again.
    socket.on("subscribe", (payload: unknown, ack?: unknown) => {
      const reply = replyOf(ack);
      const r = AlertFilterSchema.safeParse(payload ?? {});
      if (!r.success) return reply({ ok: false, errors: toFieldErrors(r.error, payload ?? {}) });
      const f = r.data;
      data.filter =
        f.kinds || f.animals || f.herds
          ? { kinds: f.kinds && new Set(f.kinds), animals: f.animals && new Set(f.animals), herds: f.herds && new Set(f.herds) }
          : null;
      reply({ ok: true, filter: describe(data.filter) });
    });
    socket.on("unsubscribe", (_payload: unknown, ack?: unknown) => {
      data.filter = null;
      replyOf(ack)({ ok: true, filter: describe(null) });
    });
  }
}

function describe(f: AlertSocketData["filter"]) {
  return { kinds: f?.kinds ? [...f.kinds] : null, animals: f?.animals ? [...f.animals] : null, herds: f?.herds ? [...f.herds] : null };
}
