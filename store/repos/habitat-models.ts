// Habitat model versions (sql/0019) and the fixes they are fitted on.
import type { Database, Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { iso } from "./rows.ts";

export interface HabitatModelRecord {
  id: string;
  version: number;
  species: string | null;
  file: string;
  card: Record<string, unknown>;
  auc_cv: number | null;
  used: number;
  available: number;
  trees: number;
  created_at: string;
  created_by: string | null;
}

const COLUMNS = "id, version, species, file, card, auc_cv, used, available, trees, created_at, created_by";

const recordOf = (r: Record<string, unknown>): HabitatModelRecord => ({
  id: String(r.id),
  version: Number(r.version),
  species: (r.species as string | null) ?? null,
  file: String(r.file),
  card: (typeof r.card === "string" ? JSON.parse(r.card) : r.card) as Record<string, unknown>,
  auc_cv: r.auc_cv === null || r.auc_cv === undefined ? null : Number(r.auc_cv),
  used: Number(r.used),
  available: Number(r.available),
  trees: Number(r.trees),
  created_at: iso(r.created_at)!,
  created_by: (r.created_by as string | null) ?? null,
});

export async function nextHabitatVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ v: number }>("SELECT COALESCE(max(version), 0) + 1 AS v FROM habitat_models");
  return Number(rows[0]!.v);
}

export async function insertHabitatModel(db: Database, m: Omit<HabitatModelRecord, "id" | "created_at">): Promise<HabitatModelRecord> {
  const { rows } = await db.query(
    `INSERT INTO habitat_models (id, version, species, file, card, auc_cv, used, available, trees, created_by)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [newId("hab"), m.version, m.species, m.file, JSON.stringify(m.card), m.auc_cv, m.used, m.available, m.trees, m.created_by],
  );
  return recordOf(rows[0]!);
}

export async function latestHabitatModel(db: Queryable): Promise<HabitatModelRecord | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM habitat_models ORDER BY version DESC LIMIT 1`);
  return rows[0] ? recordOf(rows[0]) : null;
}

export async function listHabitatModels(db: Queryable): Promise<HabitatModelRecord[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM habitat_models ORDER BY version DESC LIMIT 1000`);
  return rows.map(recordOf);
}

/** Trusted fixes (lon, lat, animal index) to fit on: every animal, or one species; newest `limit`. */
export async function habitatFixes(db: Queryable, species: string | null, range: { from?: number; to?: number }, limit: number) {
  const { rows } = await db.query<{ animal_id: string; lon: number; lat: number }>(
    `SELECT f.animal_id, f.lon, f.lat FROM fixes f JOIN animals a ON a.id = f.animal_id
      WHERE ($1::text IS NULL OR lower(trim(a.species)) = lower(trim($1)))
        AND NOT (f.quality && '{out_of_order,zero_island,future,impossible_speed}'::text[])
        AND ($2::float8 IS NULL OR f.ts >= to_timestamp($2::float8 / 1000)) AND ($3::float8 IS NULL OR f.ts < to_timestamp($3::float8 / 1000))
      ORDER BY f.ts DESC LIMIT $4`,
    [species, range.from ?? null, range.to ?? null, limit],
  );
  const ids = new Map<string, number>();
  const n = rows.length;
  const out = { lon: new Float64Array(n), lat: new Float64Array(n), animal: new Int32Array(n), animals: 0 };
  rows.forEach((r, i) => {
    out.lon[i] = Number(r.lon);
    out.lat[i] = Number(r.lat);
    if (!ids.has(r.animal_id)) ids.set(r.animal_id, ids.size);
    out.animal[i] = ids.get(r.animal_id)!;
  });
  out.animals = ids.size;
  return out;
}
