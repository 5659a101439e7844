// Collars and deployments (which animal wears a collar from when to when).
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface Collar {
  id: string;
  model: string | null;
  animal_id: string | null; // deployed now
  created_at: string;
}

export interface Deployment {
  id: string;
  collar_id: string;
  animal_id: string;
  from: string;
  to: string | null;
}

type Row = Record<string, unknown>;
const collarOf = (r: Row): Collar => ({
  id: String(r.id),
  model: (r.model as string | null) ?? null,
  animal_id: (r.animal_id as string | null) ?? null,
  created_at: iso(r.created_at)!,
});
export const deploymentOf = (r: Row): Deployment => ({
  id: String(r.id),
  collar_id: String(r.collar_id),
  animal_id: String(r.animal_id),
  from: iso(r.from_ts)!,
  to: iso(r.to_ts),
});

const SELECT = `
  SELECT c.*, (SELECT d.animal_id FROM deployments d
    WHERE d.collar_id = c.id AND d.from_ts <= now() AND (d.to_ts IS NULL OR d.to_ts > now())
    ORDER BY d.from_ts DESC LIMIT 1) AS animal_id
  FROM collars c`;

/** Inserts a collar; false when the id is taken. */
export async function insertCollar(db: Queryable, input: { id: string; model?: string | null }): Promise<boolean> {
  const { rowCount } = await db.query("INSERT INTO collars (id, model) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [input.id, input.model ?? null]);
  return rowCount === 1;
}

export async function getCollar(db: Queryable, id: string): Promise<Collar | null> {
  const { rows } = await db.query(`${SELECT} WHERE c.id = $1`, [id]);
  return rows[0] ? collarOf(rows[0]) : null;
}

export async function listCollars(db: Queryable, limit: number, after?: string): Promise<Page<Collar>> {
  const { rows } = await db.query(`${SELECT} WHERE ($1::text IS NULL OR c.id > $1) ORDER BY c.id LIMIT $2`, [after ?? null, limit + 1]);
  return toPage(rows, limit, collarOf, (r) => r.id);
}

export type DeployResult = { ok: true; deployment: Deployment; closed: Deployment | null } | { ok: false; conflict: string };

/**
 * Deploys a collar on an animal from `from` (epoch ms). An open deployment of the same collar that
 * started earlier is closed at `from`; one starting at or after `from` is a conflict (history is not rewritten).
 */
export async function deployCollar(db: Queryable, collarId: string, animalId: string, from: number): Promise<DeployResult> {
  // Serialise deployments of one collar (FOR UPDATE on the collar row).
  await db.query("SELECT id FROM collars WHERE id = $1 FOR UPDATE", [collarId]);
  const later = await db.query(
    "SELECT * FROM deployments WHERE collar_id = $1 AND (from_ts >= to_timestamp($2 / 1000.0) OR (to_ts IS NOT NULL AND to_ts > to_timestamp($2 / 1000.0))) ORDER BY from_ts LIMIT 1",
    [collarId, from],
  );
  if (later.rows[0]) {
    const d = deploymentOf(later.rows[0]);
    return { ok: false, conflict: `collar ${collarId} has a deployment from ${d.from}${d.to ? ` to ${d.to}` : ""} that overlaps; a new deployment must start after it` };
  }
  const closedRows = await db.query(
    "UPDATE deployments SET to_ts = to_timestamp($2 / 1000.0) WHERE collar_id = $1 AND to_ts IS NULL RETURNING *",
    [collarId, from],
  );
  const { rows } = await db.query(
    "INSERT INTO deployments (id, collar_id, animal_id, from_ts) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0)) RETURNING *",
    [newId("dep"), collarId, animalId, from],
  );
  return { ok: true, deployment: deploymentOf(rows[0]!), closed: closedRows.rows[0] ? deploymentOf(closedRows.rows[0]) : null };
}

export async function loadDeployments(db: Queryable): Promise<Deployment[]> {
  const { rows } = await db.query("SELECT * FROM deployments ORDER BY collar_id, from_ts");
  return rows.map(deploymentOf);
}
