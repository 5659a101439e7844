// Fitted behaviour models per species (sql/0018), versioned, and the species' tracks to fit them on.
import type { Database, Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { iso } from "./rows.ts";

export interface BehaviourModelRecord {
  id: string;
  species: string;
  version: number;
  states: string[];
  params: Record<string, unknown>;
  n_steps: number;
  n_animals: number;
  nllk: number;
  aic: number;
  fitted_from: string | null;
  fitted_to: string | null;
  created_at: string;
  created_by: string | null;
}

const COLUMNS = "id, species, version, states, params, n_steps, n_animals, nllk, aic, fitted_from, fitted_to, created_at, created_by";

function recordOf(r: Record<string, unknown>): BehaviourModelRecord {
  return {
    id: String(r.id),
    species: String(r.species),
    version: Number(r.version),
    states: r.states as string[],
    params: (typeof r.params === "string" ? JSON.parse(r.params) : r.params) as Record<string, unknown>,
    n_steps: Number(r.n_steps),
    n_animals: Number(r.n_animals),
    nllk: Number(r.nllk),
    aic: Number(r.aic),
    fitted_from: iso(r.fitted_from),
    fitted_to: iso(r.fitted_to),
    created_at: iso(r.created_at)!,
    created_by: (r.created_by as string | null) ?? null,
  };
}

/** The species key models are stored and looked up by: the animals' species, trimmed and lower-cased. */
export const speciesKey = (species: string) => species.trim().toLowerCase();

export async function insertBehaviourModel(
  db: Database,
  m: Omit<BehaviourModelRecord, "id" | "version" | "created_at" | "fitted_from" | "fitted_to"> & { fitted_from: number | null; fitted_to: number | null },
): Promise<BehaviourModelRecord> {
  return db.transaction(async (tx) => {
    // Serialise versions per species: concurrent fits get consecutive numbers.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('behaviour_models:' || $1))", [m.species]);
    const { rows } = await tx.query(
      `INSERT INTO behaviour_models (id, species, version, states, params, n_steps, n_animals, nllk, aic, fitted_from, fitted_to, created_by)
       SELECT $1, $2, COALESCE(max(version), 0) + 1, $3::text[], $4::jsonb, $5, $6, $7, $8, to_timestamp($9::float8 / 1000), to_timestamp($10::float8 / 1000), $11
         FROM behaviour_models WHERE species = $2
       RETURNING ${COLUMNS}`,
      [newId("bhm"), m.species, `{${m.states.map((s) => `"${s}"`).join(",")}}`, JSON.stringify(m.params), m.n_steps, m.n_animals, m.nllk, m.aic, m.fitted_from, m.fitted_to, m.created_by],
    );
    return recordOf(rows[0]!);
  });
}

/** The newest version of every species' model. */
export async function latestBehaviourModels(db: Queryable): Promise<BehaviourModelRecord[]> {
  const { rows } = await db.query(`SELECT DISTINCT ON (species) ${COLUMNS} FROM behaviour_models ORDER BY species, version DESC`);
  return rows.map(recordOf);
}

export async function listBehaviourModels(db: Queryable, species?: string): Promise<BehaviourModelRecord[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM behaviour_models WHERE ($1::text IS NULL OR species = $1) ORDER BY species, version DESC LIMIT 1000`, [
    species === undefined ? null : speciesKey(species),
  ]);
  return rows.map(recordOf);
}

/** Changes whenever a model is added (for nodes polling for new versions). */
export async function behaviourModelsVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ n: number; latest: unknown }>("SELECT count(*)::int AS n, max(created_at)::text AS latest FROM behaviour_models");
  return `${rows[0]?.n ?? 0}:${String(rows[0]?.latest ?? "")}`;
}

export interface SpeciesFixes {
  animal: string[];
  t: Float64Array;
  step: Float64Array;
  turn: Float64Array;
  interval: Float64Array;
}

/** Trusted fixes of every animal of a species in [from, to), grouped by animal, oldest first; at most `limit`. */
export async function speciesFixes(db: Queryable, species: string, range: { from?: number; to?: number }, limit: number): Promise<SpeciesFixes> {
  const { rows } = await db.query<{ animal_id: string; ms: number; step_m: number | null; turn_deg: number | null; interval_s: number | null }>(
    `SELECT f.animal_id, extract(epoch FROM f.ts) * 1000 AS ms, f.step_m, f.turn_deg, f.interval_s
       FROM fixes f JOIN animals a ON a.id = f.animal_id
      WHERE lower(trim(a.species)) = $1 AND NOT (f.quality && '{out_of_order,zero_island,future,impossible_speed}'::text[])
        AND ($2::float8 IS NULL OR f.ts >= to_timestamp($2::float8 / 1000)) AND ($3::float8 IS NULL OR f.ts < to_timestamp($3::float8 / 1000))
      ORDER BY f.animal_id, f.ts LIMIT $4`,
    [speciesKey(species), range.from ?? null, range.to ?? null, limit],
  );
  const n = rows.length;
  const out: SpeciesFixes = { animal: new Array(n), t: new Float64Array(n), step: new Float64Array(n), turn: new Float64Array(n), interval: new Float64Array(n) };
  const orNaN = (v: number | null) => (v === null || v === undefined ? NaN : Number(v));
  rows.forEach((r, i) => {
    out.animal[i] = r.animal_id;
    out.t[i] = Number(r.ms);
    out.step[i] = orNaN(r.step_m);
    out.turn[i] = orNaN(r.turn_deg);
    out.interval[i] = orNaN(r.interval_s);
  });
  return out;
}
