// One AnimalActor per animal, activated on its first message and passivated when idle.
//
// Each animal has a cell: its actor (once activated) and a mailbox that exists only while the
// actor is being activated. Handling a fix is synchronous, so once an actor is live a message is
// handled on arrival and nothing can interleave with it; during activation (asynchronous: it reads
// the snapshot store) messages queue in FIFO order and are handled, in order, as soon as the
// actor is ready. Different animals activate concurrently.
//
// One sweep timer serves the whole system: it snapshots changed actors every snapshotIntervalMs
// (one save() per round) and passivates actors idle for idleMs. Passivated actors leave nothing
// behind: no cell, no timer.

import { fixMessage, type ActorMessage, type FixReply } from "./actor-messages.ts";
import { AnimalActor, SnapshotFormatError, type ActorOptions } from "./animal-actor.ts";
import { DEFAULT_WINDOW_CAPACITY } from "./fix-window.ts";
import { LocalPlacement, NoRemoteTransportError, type ActorPlacement, type RemoteActorTransport } from "./placement.ts";
import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from "./quality.ts";
import type { SnapshotStore } from "./snapshot-port.ts";
import type { FenceIndex } from "./fences/index.ts";
import type { BehaviourModelRef } from "./behaviour/model-set.ts";
import type { ActorSnapshot, AnimalProfile, FixInput, LivePosition } from "./types.ts";

export interface ActorSystemErrorContext {
  op: "activate" | "snapshot" | "onPosition" | "sweep";
  animal?: string;
}

export interface ActorSystemOptions {
  snapshots: SnapshotStore;
  /** Called synchronously when an actor accepts a fix that moves its live position, before the fix is stored. */
  onPosition?: (position: LivePosition) => void;
  /** Failures the system recovers from by itself (retries), reported for logs and metrics. Default: console.error. */
  onError?: (error: unknown, context: ActorSystemErrorContext) => void;
  /** Epoch-ms clock for idle and snapshot timing. Default: Date.now. */
  clock?: () => number;
  /** Fixes kept per actor (≥ 64). Default 64. */
  windowSize?: number;
  thresholds?: Partial<QualityThresholds>;
  /** Idle time before an actor is snapshotted and dropped. Default 10 min. */
  idleMs?: number;
  /** How often changed actors are snapshotted. Default 60 s. */
  snapshotIntervalMs?: number;
  /** Period of the sweep timer. Default min(idleMs, snapshotIntervalMs). */
  sweepIntervalMs?: number;
  /** Run the sweep timer. Default true; tests turn it off and call sweep() themselves. */
  autoSweep?: boolean;
  /** Backoff for retrying a failed activation: doubles from initialMs up to maxMs, with jitter. */
  activationRetry?: { initialMs?: number; maxMs?: number };
  /** The current fence index, for fence alerts (absent: none). */
  fences?: () => FenceIndex;
  /** Run the analyzers on every accepted fix. Default false. */
  analyze?: boolean;
  /** The behaviour model of a species, if fitted (live state and behaviour_change alerts). */
  behaviour?: (species: string) => BehaviourModelRef | undefined;
  /** Habitat suitability at a point, for positions. */
  habitat?: (lon: number, lat: number) => number | null;
  /**
   * Resolves when every fix the actors have handled so far is durably stored (the writer's flush).
   * Snapshots are saved only after it, so a snapshot never records alert state (fence tracker,
   * analyzers) ahead of the stored fixes: after a crash, a resent fix raises its alert again.
   */
  fixesStored?: () => Promise<void>;
  placement?: ActorPlacement;
  transport?: RemoteActorTransport;
}

export interface ShutdownOptions {
  /** How long to wait for mailboxes of actors still activating. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface ShutdownReport {
  snapshotted: number;
  snapshotFailed: boolean;
  /** Messages rejected because their actor could not be activated before the drain timeout. */
  rejectedMessages: number;
}

export class ActorSystemClosedError extends Error {
  constructor() {
    super("actor system is shut down");
    this.name = "ActorSystemClosedError";
  }
}

interface PendingMessage {
  message: ActorMessage;
  resolve(reply: FixReply): void;
  reject(err: unknown): void;
}

class ActorCell {
  actor: AnimalActor | null = null;
  /** Messages waiting for activation; null whenever the actor is live. */
  mailbox: PendingMessage[] | null = null;
  activating = false;
  activationAttempts = 0;
  retryTimer: NodeJS.Timeout | null = null;
  /** actor.version when it was last snapshotted (or restored). */
  savedVersion = 0;
  constructor(public lastActivityAt: number) {}
}

const MIN_SWEEP_INTERVAL_MS = 10;

export class ActorSystem {
  private readonly cells = new Map<string, ActorCell>();
  private readonly snapshots: SnapshotStore;
  private readonly onPosition: ((position: LivePosition) => void) | null;
  private readonly onError: (error: unknown, context: ActorSystemErrorContext) => void;
  private readonly clock: () => number;
  private readonly actorOptions: Readonly<ActorOptions>;
  private readonly idleMs: number;
  private readonly snapshotIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly placement: ActorPlacement;
  private readonly transport: RemoteActorTransport | null;
  private readonly fixesStored: (() => Promise<void>) | null;
  private readonly sweepTimer: NodeJS.Timeout | null = null;
  private lastSnapshotRoundAt: number;
  private sweepInFlight: Promise<void> | null = null;
  private cellsWaiting = 0;
  private drained: (() => void) | null = null;
  private closed = false;
  private shutdownResult: Promise<ShutdownReport> | null = null;

  constructor(options: ActorSystemOptions) {
    this.snapshots = options.snapshots;
    this.onPosition = options.onPosition ?? null;
    this.onError = options.onError ?? ((err, ctx) => console.error(`actor system ${ctx.op}${ctx.animal ? ` ${ctx.animal}` : ""}:`, err));
    this.clock = options.clock ?? Date.now;
    this.actorOptions = Object.freeze({
      windowSize: options.windowSize ?? DEFAULT_WINDOW_CAPACITY,
      thresholds: Object.freeze({ ...DEFAULT_QUALITY_THRESHOLDS, ...options.thresholds }),
      fences: options.fences,
      analyze: options.analyze ?? false,
      behaviour: options.behaviour,
      habitat: options.habitat,
    });
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 60_000;
    this.retryInitialMs = options.activationRetry?.initialMs ?? 200;
    this.retryMaxMs = options.activationRetry?.maxMs ?? 30_000;
    this.placement = options.placement ?? new LocalPlacement();
    this.transport = options.transport ?? null;
    this.fixesStored = options.fixesStored ?? null;
    this.lastSnapshotRoundAt = this.clock();
    if (options.autoSweep ?? true) {
      const period = Math.max(MIN_SWEEP_INTERVAL_MS, options.sweepIntervalMs ?? Math.min(this.idleMs, this.snapshotIntervalMs));
      this.sweepTimer = setInterval(() => {
        this.sweep().catch((err: unknown) => this.onError(err, { op: "sweep" }));
      }, period);
      this.sweepTimer.unref();
    }
  }

  /** Actors in memory and ready. */
  get liveCount(): number {
    return this.cells.size - this.cellsWaiting;
  }

  /** Animals whose messages wait for their actor to be activated (e.g. while the database is down). */
  get waitingForActivation(): number {
    return this.cellsWaiting;
  }

  /**
   * Routes a fix to the animal's actor, wherever placement says it lives. Resolves with the
   * record to store and the new live position (null if the fix did not move it).
   */
  tell(animal: AnimalProfile, collar: string, fix: FixInput, receivedAt: number): Promise<FixReply> {
    const message = fixMessage(animal, collar, fix, receivedAt);
    const owner = this.placement.ownerOf(animal.id);
    if (owner === this.placement.self) return this.receive(message);
    if (this.transport === null) return Promise.reject(new NoRemoteTransportError(owner, animal.id));
    return this.transport.deliver(owner, message);
  }

  /** Delivers a message to a local actor: tell() for local animals, or a transport's receiving end. */
  receive(message: ActorMessage): Promise<FixReply> {
    if (this.closed) return Promise.reject(new ActorSystemClosedError());
    const animal = message.animal.id;
    const now = this.clock();
    let cell = this.cells.get(animal);
    if (cell === undefined) {
      cell = new ActorCell(now);
      this.cells.set(animal, cell);
    }
    cell.lastActivityAt = now;
    const actor = cell.actor;
    if (actor !== null) {
      // A live actor never has a mailbox: handle now.
      try {
        return Promise.resolve(this.handle(actor, message));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const waiting = cell;
    return new Promise<FixReply>((resolve, reject) => {
      if (waiting.mailbox === null) {
        waiting.mailbox = [];
        this.cellsWaiting++;
      }
      waiting.mailbox.push({ message, resolve, reject });
      if (!waiting.activating && waiting.retryTimer === null) void this.activate(animal, waiting);
    });
  }

  /** The live position of an animal whose actor is in memory (a copy), else null. */
  livePosition(animal: string): LivePosition | null {
    return this.cells.get(animal)?.actor?.livePosition() ?? null;
  }

  /** Calls cb with a copy of each live actor's position. */
  forEachLive(cb: (position: LivePosition) => void): void {
    for (const cell of this.cells.values()) {
      const position = cell.actor?.livePosition();
      if (position) cb(position);
    }
  }

  /** Copies of all live positions. */
  get positions(): LivePosition[] {
    const out: LivePosition[] = [];
    this.forEachLive((p) => out.push(p));
    return out;
  }

  /**
   * One maintenance round (the sweep timer calls this): snapshots changed actors if a snapshot
   * round is due, and snapshots-then-drops actors idle for idleMs, all in one save(). A failed
   * save leaves the actors live and dirty for the next round. Concurrent calls share one round.
   */
  sweep(): Promise<void> {
    this.sweepInFlight ??= this.runSweep().finally(() => {
      this.sweepInFlight = null;
    });
    return this.sweepInFlight;
  }

  /**
   * Stops taking messages, waits for mailboxes to drain (up to drainTimeoutMs; actors that still
   * cannot activate get their messages rejected), snapshots every changed actor in one save()
   * and stops the timers. Never throws: snapshot failures are reported and summarised.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    this.shutdownResult ??= this.runShutdown(options.drainTimeoutMs ?? 10_000);
    return this.shutdownResult;
  }

  private handle(actor: AnimalActor, message: ActorMessage): FixReply {
    actor.profile = message.animal;
    const reply = actor.handleFix(message.fix, message.collar, message.receivedAt);
    if (reply.position !== null && this.onPosition !== null) {
      try {
        this.onPosition(reply.position);
      } catch (err) {
        // A broadcast failure must not fail the fix: it still has to be stored.
        this.onError(err, { op: "onPosition", animal: actor.profile.id });
      }
    }
    return reply;
  }

  private async activate(animal: string, cell: ActorCell): Promise<void> {
    const first = cell.mailbox?.[0];
    if (first === undefined) return;
    cell.activating = true;
    let actor: AnimalActor;
    try {
      actor = await this.load(first.message.animal);
    } catch (err) {
      cell.activating = false;
      cell.activationAttempts++;
      this.onError(err, { op: "activate", animal });
      if (!this.closed || this.drained !== null) this.scheduleRetry(animal, cell);
      return;
    }
    cell.activating = false;
    cell.activationAttempts = 0;
    if (this.cells.get(animal) !== cell) return; // shut down and abandoned meanwhile
    cell.actor = actor;
    cell.savedVersion = 0; // restore() leaves version 0 unless replayed fixes changed the snapshot's state
    cell.lastActivityAt = this.clock();
    const mailbox = cell.mailbox ?? [];
    cell.mailbox = null;
    this.cellsWaiting--;
    for (const pending of mailbox) {
      try {
        pending.resolve(this.handle(actor, pending.message));
      } catch (err) {
        pending.reject(err);
      }
    }
    if (this.cellsWaiting === 0) this.drained?.();
  }

  private scheduleRetry(animal: string, cell: ActorCell): void {
    const exponential = this.retryInitialMs * 2 ** Math.min(cell.activationAttempts - 1, 30);
    // Jitter spreads retries of many animals so a recovering database is not hit all at once.
    const delay = Math.min(this.retryMaxMs, exponential) * (0.5 + Math.random() / 2);
    cell.retryTimer = setTimeout(() => {
      cell.retryTimer = null;
      void this.activate(animal, cell);
    }, delay);
    cell.retryTimer.unref();
  }

  /** Latest snapshot plus the newest stored fixes, which rebuild the window (the snapshot may lag them after a crash). */
  private async load(profile: AnimalProfile): Promise<AnimalActor> {
    const limit = this.actorOptions.windowSize;
    const [snapshot, fixes] = await Promise.all([
      this.snapshots.loadLatest(profile.id),
      this.snapshots.loadFixesAfter(profile.id, null, limit),
    ]);
    try {
      return AnimalActor.restore(profile, snapshot, fixes, this.actorOptions);
    } catch (err) {
      if (!(err instanceof SnapshotFormatError)) throw err;
      // An unreadable snapshot must not block the animal forever: rebuild from stored fixes alone.
      this.onError(err, { op: "activate", animal: profile.id });
      return AnimalActor.restore(profile, null, fixes, this.actorOptions);
    }
  }

  private async runSweep(): Promise<void> {
    const now = this.clock();
    const snapshotDue = now - this.lastSnapshotRoundAt >= this.snapshotIntervalMs;
    if (snapshotDue) this.lastSnapshotRoundAt = now;
    const batch: ActorSnapshot[] = [];
    const batchCells: ActorCell[] = [];
    const batchVersions: number[] = [];
    const idle: Array<{ animal: string; cell: ActorCell; seenActivityAt: number }> = [];
    for (const [animal, cell] of this.cells) {
      const actor = cell.actor;
      if (actor === null) continue; // still activating
      const isIdle = now - cell.lastActivityAt >= this.idleMs;
      if (actor.version !== cell.savedVersion && (snapshotDue || isIdle)) {
        batch.push(actor.snapshot(now));
        batchCells.push(cell);
        batchVersions.push(actor.version);
      }
      if (isIdle) idle.push({ animal, cell, seenActivityAt: cell.lastActivityAt });
    }
    if (batch.length > 0) {
      try {
        await this.untilFixesStored();
        await this.snapshots.save(batch);
        for (let i = 0; i < batchCells.length; i++) batchCells[i]!.savedVersion = batchVersions[i]!;
      } catch (err) {
        this.onError(err, { op: "snapshot" });
      }
    }
    for (const { animal, cell, seenActivityAt } of idle) {
      // A message may have arrived while save() was in flight: then the actor stays.
      const untouched = cell.lastActivityAt === seenActivityAt && cell.actor !== null && cell.actor.version === cell.savedVersion;
      if (untouched && this.cells.get(animal) === cell) this.cells.delete(animal);
    }
  }

  private async runShutdown(drainTimeoutMs: number): Promise<ShutdownReport> {
    this.closed = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    const rejectedMessages = await this.drainMailboxes(drainTimeoutMs);
    if (this.sweepInFlight) await this.sweepInFlight;

    const now = this.clock();
    const batch: ActorSnapshot[] = [];
    const batchCells: ActorCell[] = [];
    for (const cell of this.cells.values()) {
      const actor = cell.actor;
      if (actor !== null && actor.version !== cell.savedVersion) {
        batch.push(actor.snapshot(now));
        batchCells.push(cell);
      }
    }
    let snapshotFailed = false;
    if (batch.length > 0) {
      try {
        await this.untilFixesStored();
        await this.snapshots.save(batch);
        for (const cell of batchCells) cell.savedVersion = cell.actor!.version;
      } catch (err) {
        snapshotFailed = true;
        this.onError(err, { op: "snapshot" });
      }
    }
    return { snapshotted: snapshotFailed ? 0 : batch.length, snapshotFailed, rejectedMessages };
  }

  private async untilFixesStored(): Promise<void> {
    if (this.fixesStored === null) return;
    // Replies to fixes handled so far reach the writer in promise callbacks: let them run first.
    await new Promise((r) => setImmediate(r));
    await this.fixesStored();
  }

  /** Waits for every mailbox to be handled; past the timeout rejects what is left. */
  private async drainMailboxes(timeoutMs: number): Promise<number> {
    if (this.cellsWaiting === 0) return 0;
    // Actors waiting out a backoff get one immediate attempt: the caller is about to give up on them.
    for (const [animal, cell] of this.cells) {
      if (cell.retryTimer !== null) {
        clearTimeout(cell.retryTimer);
        cell.retryTimer = null;
        void this.activate(animal, cell);
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      timer = setTimeout(resolve, timeoutMs);
      if (this.cellsWaiting === 0) resolve();
    });
    clearTimeout(timer);
    this.drained = null;

    let rejected = 0;
    for (const [animal, cell] of this.cells) {
      if (cell.mailbox === null) continue;
      if (cell.retryTimer !== null) clearTimeout(cell.retryTimer);
      cell.retryTimer = null;
      for (const pending of cell.mailbox) pending.reject(new ActorSystemClosedError());
      rejected += cell.mailbox.length;
      cell.mailbox = null;
      this.cellsWaiting--;
      this.cells.delete(animal);
    }
    return rejected;
  }
}
