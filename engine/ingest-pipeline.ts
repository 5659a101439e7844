// The one ingest pipeline every source of fixes goes through (the /ingest socket now, REST tracking and
// quarantine attachment too): registry lookup → actor (metrics, flags, live position) → durable writer.
// The ticket is completed by the writer only after commit, which is what lets the gateway ack.
import type { EngineAlert } from "./actor-messages.ts";
import type { Registry } from "./registry.ts";
import type { AnimalProfile, FixAlert, FixInput, FixRecord, LivePosition, QuarantineRecord, WriteItem, WriteTicket } from "./types.ts";

export type { WriteItem, WriteTicket } from "./types.ts";

/** The part of the durable writer the pipeline needs. */
export interface WriteQueue {
  enqueue(item: WriteItem): void;
}

/** The part of the actor system the pipeline needs. */
export interface ActorPort {
  tell(profile: AnimalProfile, collar: string, fix: FixInput, receivedAt: number): Promise<{ record: FixRecord; position: LivePosition | null; alerts?: EngineAlert[] }>;
}

export interface PipelineEvents {
  quarantined?(record: QuarantineRecord): void;
  actorFailed?(animal: string, err: unknown): void;
}

export class IngestPipeline {
  private inActors = 0;

  constructor(
    private readonly registry: Registry,
    private readonly actors: ActorPort,
    private readonly writer: WriteQueue,
    private readonly events: PipelineEvents = {},
    private readonly clock: () => number = Date.now,
  ) {}

  /** Fixes handed to actors and not yet queued for the writer (mailboxes, activations waiting on the database). */
  get pending(): number {
    return this.inActors;
  }

  /** Accepts one validated fix; the ticket reports when it is durably stored. */
  submit(fix: FixInput, ticket: WriteTicket): void {
    const receivedAt = this.clock();
    const where = this.registry.resolve(fix.collar, fix.ts);
    if ("reason" in where) {
      const record: QuarantineRecord = { collar: fix.collar, ts: fix.ts, lat: fix.lat, lon: fix.lon, reason: where.reason, payload: fix, received_at: receivedAt };
      this.events.quarantined?.(record);
      this.writer.enqueue({ kind: "quarantine", record, ticket });
      return;
    }
    const animal = where.animal;
    this.inActors++;
    this.actors.tell(animal, fix.collar, fix, receivedAt).then(
      ({ record, alerts }) => {
        this.inActors--;
        // Alerts ride with their fix: stored in its transaction, delivered after its commit, in order.
        if (alerts && alerts.length > 0) this.writer.enqueue({ kind: "fix", record, ticket, alerts: alerts.map((a) => fixAlert(animal, fix.collar, a)) });
        else this.writer.enqueue({ kind: "fix", record, ticket });
      },
      (err: unknown) => {
        this.inActors--;
        // An actor bug must not lose data: store the raw fix without derived metrics.
        this.events.actorFailed?.(animal.id, err);
        this.writer.enqueue({ kind: "fix", record: rawRecord(fix, animal.id, receivedAt), ticket });
      },
    );
  }
}

function rawRecord(fix: FixInput, animal: string, receivedAt: number): FixRecord {
  return {
    ...fix,
    animal,
    received_at: receivedAt,
    quality: [],
    step_m: null,
    turn_deg: null,
    speed_kmh: null,
    heading_deg: null,
    interval_s: null,
    distance_today_m: 0,
  };
}

function fixAlert(animal: AnimalProfile, collar: string, a: EngineAlert): FixAlert {
  return {
    kind: a.kind,
    severity: a.severity,
    animal: animal.id,
    collar,
    herd: animal.herd,
    fence: a.fence ?? null,
    ts: a.ts,
    lat: a.lat,
    lon: a.lon,
    detail: a.detail,
    dedupe_key: `${animal.id}:${a.kind}:${a.fence ?? ""}:${a.ts}`,
  };
}
