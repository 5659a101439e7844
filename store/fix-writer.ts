// Durable group-commit writer for fixes and quarantined fixes.
//
// No timers on the happy path: when a flush slot is free, whatever is queued goes out on the next
// turn of the event loop; what arrives while flushes are in flight forms the next batch, so batches
// grow with load by themselves. One transaction per batch; a ticket is answered only after COMMIT.
// Connection trouble: items go back to the front of the queue (order kept) and are retried with
// backoff — never dropped. Bad data (SQLSTATE 22/23, 54000): the batch is bisected until the offending
// items are alone; only they are rejected. Each ticket learns whether its row was new or already
// stored from the statement's RETURNING (no extra query).
// Alerts raised for a fix are stored in the fix's transaction (each under a savepoint, so a bad
// alert never costs its fix) and handed to `alerts.committed` after COMMIT, in enqueue order even
// when batches commit out of order: per animal that is fix-time order.
import type { FixAlert, FixRecord, QuarantineRecord, WriteItem } from "../engine/types.ts";
import { isConnectionError, type Database, type Queryable } from "./database.ts";
import { fixInsert, quarantineInsert, rowKey } from "./fix-insert.ts";

export type { WriteItem, WriteTicket } from "../engine/types.ts";

export interface FixWriter {
  enqueue(item: WriteItem): void;
  /** Items queued + in flight (the gateway applies backpressure on it). */
  readonly depth: number;
  /** Age of the oldest item not yet stored or rejected (queued or in flight), by enqueue time; 0 if none. */
  readonly lagMs: number;
  /** False while the database is failing (from a failed write until the next successful one). */
  readonly healthy: boolean;
  /** Items answered stored() so far (resends of already-stored fixes included). */
  readonly committedTotal: number;
  /** Resolves when all items enqueued before the call are stored or rejected. */
  flush(): Promise<void>;
  /** Flushes, then answers later enqueues with rejected("writer closed"). */
  close(): Promise<void>;
}

/** Where a fix's alerts are stored (inside the writer's transaction) and then delivered. */
export interface FixAlertSink<Stored = unknown> {
  /** Stores one fix's alerts with `tx` (idempotent on dedupe_key); returns what to deliver after commit. */
  insert(tx: Queryable, alerts: readonly FixAlert[]): Promise<Stored[]>;
  /** After COMMIT, in enqueue order. Must not throw. */
  committed(stored: Stored[]): void;
  /** An alert the database refused as data (a bug upstream): logged and counted, its fix still stored. */
  refused?(alerts: readonly FixAlert[], err: unknown): void;
}

export interface BatchingFixWriterOptions {
  maxBatch?: number; // default 2000 on PostgreSQL, 500 on PGlite
  concurrency?: number; // flushes in flight; default 2 on PostgreSQL, 1 on PGlite (one connection)
  minBackoffMs?: number; // default 100
  maxBackoffMs?: number; // default 5000
  alerts?: FixAlertSink;
}

interface Entry {
  item: WriteItem;
  seq: number; // enqueue order, for flush() and for keeping order on requeue
  at: number; // enqueue time (ms)
  done?: boolean; // answered (stored or rejected)
  rejected?: boolean;
  storedAlerts?: unknown[]; // from the committed attempt
}

/**
 * Errors caused by the rows themselves: retrying them would fail forever. Not 54001 (stack depth):
 * that is the database's state (see PgliteDatabase), and a valid fix must never be nacked for it.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (/^(22|23)/.test(code) || code === "54000") && !isConnectionError(err);
}

/** Deadlock / serialization failure: retry soon, the database itself is fine. */
const isConflict = (err: unknown) => /^40/.test(String((err as { code?: unknown } | null)?.code ?? ""));

export class BatchingFixWriter implements FixWriter {
  healthy = true;
  committedTotal = 0;
  rejectedTotal = 0;
  /** The last error a write failed with (for logs and health endpoints). */
  lastError: unknown = null;

  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private queue: Entry[] = [];
  private readonly inFlight = new Set<Entry[]>();
  private inFlightItems = 0;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private closed = false;
  // flush() bookkeeping: every seq below doneBelow is answered; doneAhead holds answered seqs above it.
  private nextSeq = 0;
  private doneBelow = 0;
  private readonly doneAhead = new Set<number>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  private readonly alerts: FixAlertSink | null;
  // Entries carrying alerts, in seq order, until their alerts are delivered (or their fix rejected).
  private alertOrder: Entry[] = [];

  constructor(
    private readonly db: Database,
    opts: BatchingFixWriterOptions = {},
  ) {
    // PGlite runs on this thread: a 2000-row batch blocks the event loop ~200 ms, 500 keeps it ~50 ms.
    this.maxBatch = opts.maxBatch ?? (db.kind === "pglite" ? 500 : 2000);
    this.concurrency = opts.concurrency ?? (db.kind === "pglite" ? 1 : 2);
    this.minBackoffMs = opts.minBackoffMs ?? 100;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.alerts = opts.alerts ?? null;
  }

  get depth(): number {
    return this.queue.length + this.inFlightItems;
  }

  get lagMs(): number {
    let oldest = this.queue[0]?.at ?? Infinity;
    // A batch stays in inFlight until its run() resumes, just after its last entry was answered.
    for (const batch of this.inFlight) oldest = Math.min(oldest, batch.find((e) => !e.done)?.at ?? Infinity);
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }

  enqueue(item: WriteItem): void {
    if (this.closed) {
      safely(() => item.ticket.rejected("writer closed"));
      return;
    }
    const entry: Entry = { item, seq: this.nextSeq++, at: Date.now() };
    this.queue.push(entry);
    if (item.kind === "fix" && item.alerts && this.alerts) this.alertOrder.push(entry);
    this.schedule();
  }

  flush(): Promise<void> {
    const seq = this.nextSeq;
    if (this.doneBelow >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    clearTimeout(this.retryTimer);
  }

  private schedule(): void {
    if (this.scheduled || this.retryTimer || this.inFlight.size >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: a burst of enqueue() calls from one socket read joins one batch.
    setImmediate(() => {
      this.scheduled = false;
      while (!this.retryTimer && this.inFlight.size < this.concurrency && this.queue.length > 0) {
        void this.run(this.queue.splice(0, this.maxBatch));
      }
    });
  }

  private async run(batch: Entry[]): Promise<void> {
    this.inFlight.add(batch);
    this.inFlightItems += batch.length;
    const { leftover, error } = await this.writeBisecting(batch);
    this.inFlight.delete(batch);
    if (leftover.length > 0) {
      this.inFlightItems -= leftover.length;
      this.requeueFront(leftover);
      this.backOff(error);
    }
    this.schedule();
  }

  /** Writes the batch, halving around data errors. Returns what is left when the database fails. */
  private async writeBisecting(batch: Entry[]): Promise<{ leftover: Entry[]; error?: unknown }> {
    const stack: Entry[][] = [batch]; // top = next part to write; parts stay in seq order
    while (stack.length > 0) {
      const part = stack.pop()!;
      try {
        const inserted = await this.write(part);
        this.backoffMs = 0;
        this.healthy = true;
        this.settle(part, null, inserted);
      } catch (err) {
        if (!isDataError(err)) return { leftover: [part, ...stack.reverse()].flat(), error: err };
        if (part.length === 1) this.settle(part, (err as Error).message ?? String(err));
        else stack.push(part.slice(part.length >> 1), part.slice(0, part.length >> 1));
      }
    }
    return { leftover: [] };
  }

  /** Writes one part in one transaction; returns the keys of the rows it really inserted ("f"/"q" + rowKey). */
  private async write(part: Entry[]): Promise<Set<string> | undefined> {
    // Reading back inserted rows costs the database and this thread ~15% at full ingest rate: only
    // when some ticket in the batch asks whether its fix was new (REST tracking, imports).
    const returning = part.some((e) => e.item.ticket.wantsOutcome === true);
    const fixes: FixRecord[] = [];
    const quarantine: QuarantineRecord[] = [];
    for (const { item } of part) {
      if (item.kind === "fix") fixes.push(item.record);
      else quarantine.push(item.record);
    }
    let statements: Array<{ prefix: string; sql: string; params: unknown[] }>;
    try {
      statements = [];
      const f = fixInsert(fixes, returning);
      if (f) statements.push({ prefix: "f", ...f });
      const q = quarantineInsert(quarantine, returning);
      if (q) statements.push({ prefix: "q", ...q });
    } catch (err) {
      // A record that cannot be serialised (malformed, or a payload JSON.stringify refuses) is bad
      // data like a 22xxx error, so bisection isolates it; retrying it would wedge the writer.
      throw Object.assign(new Error(`unserialisable record: ${(err as Error).message}`), { code: "22000" });
    }
    const inserted = new Set<string>();
    await this.db.transaction(async (tx) => {
      for (const st of statements) {
        const { rows } = await tx.query<{ collar_id: string; ms: number }>(st.sql, st.params);
        for (const r of rows) inserted.add(st.prefix + rowKey(r.collar_id, Number(r.ms)));
      }
      if (this.alerts) for (const e of part) await this.insertAlerts(tx, e);
    });
    return returning ? inserted : undefined;
  }

  private async insertAlerts(tx: Queryable, e: Entry): Promise<void> {
    const alerts = e.item.kind === "fix" ? e.item.alerts : undefined;
    e.storedAlerts = undefined;
    if (!alerts || alerts.length === 0) return;
    await tx.query("SAVEPOINT fix_alerts");
    try {
      e.storedAlerts = await this.alerts!.insert(tx, alerts);
      await tx.query("RELEASE SAVEPOINT fix_alerts");
    } catch (err) {
      // The database failing (connection, deadlock): retry the whole batch. Anything else is about
      // the alert itself (bad data, a bug): drop it, keep the fix.
      if (isConnectionError(err) || isConflict(err)) throw err;
      await tx.query("ROLLBACK TO SAVEPOINT fix_alerts");
      safely(() => this.alerts!.refused?.(alerts, err));
    }
  }

  /** Delivers committed alerts from the front of alertOrder: never past an entry still unwritten. */
  private deliverAlerts(): void {
    let n = 0;
    const order = this.alertOrder;
    while (n < order.length && order[n]!.done) {
      const e = order[n++]!;
      if (!e.rejected && e.storedAlerts && e.storedAlerts.length > 0) {
        const stored = e.storedAlerts;
        safely(() => this.alerts!.committed(stored));
      }
      e.storedAlerts = undefined;
    }
    if (n > 0) this.alertOrder = order.slice(n);
  }

  /**
   * Answers a part. `inserted` holds the rows the commit really inserted: the first entry of a key
   * (in enqueue order, which is the insert order: the sort is stable) is "stored", any other
   * entry with that key — a resend, or a repeat within the batch — is "duplicate".
   */
  private settle(part: Entry[], rejection: string | null, inserted?: Set<string>): void {
    // Counted here, not when run() resumes, so depth is already 0 when a flush() waiter wakes up.
    this.inFlightItems -= part.length;
    for (const e of part) {
      e.done = true;
      if (rejection === null) {
        this.committedTotal++;
        const key = (e.item.kind === "fix" ? "f" : "q") + rowKey(e.item.record.collar, e.item.record.ts);
        const outcome = inserted === undefined ? undefined : inserted.delete(key) ? "stored" : "duplicate";
        safely(() => e.item.ticket.stored(outcome));
      } else {
        this.rejectedTotal++;
        e.rejected = true;
        safely(() => e.item.ticket.rejected(rejection));
      }
      this.markDone(e.seq);
    }
    if (this.alertOrder.length > 0) this.deliverAlerts();
    this.wakeFlushWaiters();
  }

  private markDone(seq: number): void {
    if (seq !== this.doneBelow) {
      this.doneAhead.add(seq);
      return;
    }
    this.doneBelow++;
    while (this.doneAhead.delete(this.doneBelow)) this.doneBelow++;
  }

  private wakeFlushWaiters(): void {
    if (this.waiters.length === 0 || this.waiters[0]!.seq > this.doneBelow) return;
    const ready = this.waiters.filter((w) => w.seq <= this.doneBelow);
    this.waiters = this.waiters.filter((w) => w.seq > this.doneBelow);
    for (const w of ready) w.resolve();
  }

  /** Puts unwritten entries back before everything queued, merged by seq so order survives concurrent failures. */
  private requeueFront(entries: Entry[]): void {
    const merged: Entry[] = [];
    let i = 0;
    let j = 0;
    const q = this.queue;
    while (i < entries.length || j < q.length) {
      if (j >= q.length || (i < entries.length && entries[i]!.seq < q[j]!.seq)) merged.push(entries[i++]!);
      else merged.push(q[j++]!);
    }
    this.queue = merged;
  }

  private backOff(error: unknown): void {
    this.lastError = error;
    if (!isConflict(error)) this.healthy = false;
    this.backoffMs = this.backoffMs === 0 ? this.minBackoffMs : Math.min(this.backoffMs * 2, this.maxBackoffMs);
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, this.backoffMs);
  }
}

/** A throwing ticket callback must not break the writer for everyone else. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the ticket's owner is responsible for its own errors
  }
}
