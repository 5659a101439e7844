// Actor snapshots and the fixes after them: what an animal actor needs to resume after a restart.
import type { ActorSnapshot, FixRecord, QualityFlag } from "../engine/types.ts";
import type { Queryable } from "./database.ts";
import { numberArray, textArray } from "./array-literal.ts";

const SAVE_CHUNK = 1000;

export interface SnapshotStore {
  loadLatest(animal: string): Promise<ActorSnapshot | null>;
  /** The newest `limit` fixes with ts > afterTs (all when null), returned oldest first. */
  loadFixesAfter(animal: string, afterTs: number | null, limit: number): Promise<FixRecord[]>;
  /** One multi-row insert; a snapshot already saved (same animal and taken_at) is skipped. */
  save(snapshots: ActorSnapshot[]): Promise<void>;
}

interface FixRow {
  collar_id: string;
  ts: Date;
  animal_id: string;
  lat: number;
  lon: number;
  alt: number | null;
  reported_speed: number | null;
  reported_heading: number | null;
  hdop: number | null;
  sats: number | null;
  battery: number | null;
  temp: number | null;
  activity: number | null;
  step_m: number | null;
  turn_deg: number | null;
  speed_kmh: number | null;
  heading_deg: number | null;
  interval_s: number | null;
  distance_today_m: number | null;
  quality: string[];
  received_at: Date;
}

const FIX_COLUMNS = `collar_id, ts, animal_id, lat, lon, alt, reported_speed, reported_heading, hdop, sats, battery,
  temp, activity, step_m, turn_deg, speed_kmh, heading_deg, interval_s, distance_today_m, quality, received_at`;

function toFixRecord(r: FixRow): FixRecord {
  return {
    collar: r.collar_id,
    ts: r.ts.getTime(),
    animal: r.animal_id,
    lat: r.lat,
    lon: r.lon,
    alt: r.alt,
    speed: r.reported_speed,
    heading: r.reported_heading,
    hdop: r.hdop,
    sats: r.sats,
    battery: r.battery,
    temp: r.temp,
    activity: r.activity,
    step_m: r.step_m,
    turn_deg: r.turn_deg,
    speed_kmh: r.speed_kmh,
    heading_deg: r.heading_deg,
    interval_s: r.interval_s,
    distance_today_m: r.distance_today_m ?? 0,
    quality: r.quality as QualityFlag[],
    received_at: r.received_at.getTime(),
  };
}

export class PgSnapshotStore implements SnapshotStore {
  constructor(private readonly db: Queryable) {}

  async loadLatest(animal: string): Promise<ActorSnapshot | null> {
    const res = await this.db.query<{ taken_at: Date; last_ts: Date | null; state: unknown }>(
      "SELECT taken_at, last_ts, state FROM animal_snapshots WHERE animal_id = $1 ORDER BY taken_at DESC LIMIT 1",
      [animal],
    );
    const row = res.rows[0];
    if (!row) return null;
    return { animal, taken_at: row.taken_at.getTime(), last_ts: row.last_ts?.getTime() ?? null, state: row.state };
  }

  async loadFixesAfter(animal: string, afterTs: number | null, limit: number): Promise<FixRecord[]> {
    // Newest first with LIMIT walks the (animal_id, ts) index backwards; then flip to oldest first.
    const after = afterTs === null ? "" : "AND ts > to_timestamp($3::float8 / 1000)";
    const res = await this.db.query<FixRow>(
      `SELECT ${FIX_COLUMNS} FROM fixes WHERE animal_id = $1 ${after} ORDER BY ts DESC LIMIT $2`,
      afterTs === null ? [animal, limit] : [animal, limit, afterTs],
    );
    return res.rows.reverse().map(toFixRecord);
  }

  /**
   * Saves in chunks (a mass passivation hands over every actor at once), yielding to the event loop
   * between them: PGlite answers through microtasks only, so back-to-back chunks would starve acks.
   */
  async save(snapshots: ActorSnapshot[]): Promise<void> {
    for (let i = 0; i < snapshots.length; i += SAVE_CHUNK) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      await this.saveChunk(snapshots.slice(i, i + SAVE_CHUNK));
    }
  }

  private async saveChunk(snapshots: ActorSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    await this.db.query(
      `INSERT INTO animal_snapshots (animal_id, taken_at, last_ts, state)
       SELECT a, to_timestamp(t / 1000), to_timestamp(l / 1000), s::jsonb
       FROM unnest($1::text[], $2::float8[], $3::float8[], $4::text[]) AS u(a, t, l, s)
       ON CONFLICT (animal_id, taken_at) DO NOTHING`,
      [
        textArray(snapshots.map((s) => s.animal)),
        numberArray(snapshots.map((s) => s.taken_at)),
        numberArray(snapshots.map((s) => s.last_ts)),
        textArray(snapshots.map((s) => JSON.stringify(s.state ?? null))),
      ],
    );
  }
}
