// Quarantined fixes (unknown or undeployed collar): kept so nothing is lost, attached when the collar is deployed.
import type { FixInput } from "../../engine/types.ts";
import type { Queryable } from "../database.ts";

/** Quarantined fixes of a collar inside [from, to), oldest first, not yet attached. */
export async function quarantinedFor(db: Queryable, collar: string, from: number, to: number | null, limit = 10_000): Promise<FixInput[]> {
  const { rows } = await db.query<{ payload: FixInput | string }>(
    `SELECT payload FROM quarantined_fixes
      WHERE collar_id = $1 AND attached_at IS NULL
        AND ts >= to_timestamp($2 / 1000.0) AND ($3::float8 IS NULL OR ts < to_timestamp($3 / 1000.0))
      ORDER BY ts LIMIT $4`,
    [collar, from, to, limit],
  );
  return rows.map((r) => (typeof r.payload === "string" ? (JSON.parse(r.payload) as FixInput) : r.payload));
}

/** Marks quarantined fixes as attached to an animal once they are stored in `fixes`. */
export async function markAttached(db: Queryable, collar: string, tsList: number[], animal: string): Promise<void> {
  if (tsList.length === 0) return;
  await db.query(
    `UPDATE quarantined_fixes SET attached_at = now(), attached_animal_id = $3
      WHERE collar_id = $1 AND ts = ANY (SELECT to_timestamp(x / 1000.0) FROM unnest($2::float8[]) AS x)`,
    [collar, tsList, animal],
  );
}

export async function countQuarantined(db: Queryable, collar?: string): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM quarantined_fixes WHERE attached_at IS NULL AND ($1::text IS NULL OR collar_id = $1)",
    [collar ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}
