// Herds and families: the grouping animals belong to (full management arrives with the data API issue).
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface Herd {
  id: string;
  name: string | null;
  species_name: string;
  created_at: string;
  updated_at: string;
}

export interface Family {
  id: string;
  herd_id: string;
  friendly_name: string;
  created_at: string;
  updated_at: string;
}

type Row = Record<string, unknown>;
const herdOf = (r: Row): Herd => ({
  id: String(r.id),
  name: (r.name as string | null) ?? null,
  species_name: String(r.species_name),
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});
const familyOf = (r: Row): Family => ({
  id: String(r.id),
  herd_id: String(r.herd_id),
  friendly_name: String(r.friendly_name),
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

export async function createHerd(db: Queryable, input: { species_name: string; name?: string | null }): Promise<Herd> {
  const { rows } = await db.query(
    "INSERT INTO herds (id, name, species_name) VALUES ($1, $2, $3) RETURNING *",
    [newId("hrd"), input.name ?? null, input.species_name],
  );
  return herdOf(rows[0]!);
}

export async function getHerd(db: Queryable, id: string): Promise<Herd | null> {
  const { rows } = await db.query("SELECT * FROM herds WHERE id = $1", [id]);
  return rows[0] ? herdOf(rows[0]) : null;
}

export async function listHerds(db: Queryable, limit: number, after?: string): Promise<Page<Herd>> {
  const { rows } = await db.query("SELECT * FROM herds WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2", [after ?? null, limit + 1]);
  return toPage(rows, limit, herdOf, (r) => r.id);
}

export async function createFamily(db: Queryable, input: { herd_id: string; friendly_name: string }): Promise<Family> {
  const { rows } = await db.query(
    "INSERT INTO families (id, herd_id, friendly_name) VALUES ($1, $2, $3) RETURNING *",
    [newId("fam"), input.herd_id, input.friendly_name],
  );
  return familyOf(rows[0]!);
}

export async function getFamily(db: Queryable, id: string): Promise<Family | null> {
  const { rows } = await db.query("SELECT * FROM families WHERE id = $1", [id]);
  return rows[0] ? familyOf(rows[0]) : null;
}

export async function listFamilies(db: Queryable, limit: number, after?: string, herdId?: string): Promise<Page<Family>> {
  const { rows } = await db.query(
    "SELECT * FROM families WHERE ($1::text IS NULL OR id > $1) AND ($2::text IS NULL OR herd_id = $2) ORDER BY id LIMIT $3",
    [after ?? null, herdId ?? null, limit + 1],
  );
  return toPage(rows, limit, familyOf, (r) => r.id);
}

/** Partial update of a herd; null when it does not exist. */
export async function updateHerd(db: Queryable, id: string, patch: { species_name?: string; name?: string | null }): Promise<Herd | null> {
  const { rows } = await db.query(
    `UPDATE herds SET
       species_name = COALESCE($2, species_name),
       name = CASE WHEN $3::boolean THEN $4 ELSE name END,
       updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, patch.species_name ?? null, patch.name !== undefined, patch.name ?? null],
  );
  return rows[0] ? herdOf(rows[0]) : null;
}

/** Partial update of a family; null when it does not exist. */
export async function updateFamily(db: Queryable, id: string, patch: { herd_id?: string; friendly_name?: string }): Promise<Family | null> {
  const { rows } = await db.query(
    `UPDATE families SET
       herd_id = COALESCE($2, herd_id),
       friendly_name = COALESCE($3, friendly_name),
       updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, patch.herd_id ?? null, patch.friendly_name ?? null],
  );
  return rows[0] ? familyOf(rows[0]) : null;
}

/** Outcome of a delete that foreign keys may block: what blocks it, in words, when it was refused. */
export type DeleteResult = { deleted: true } | { deleted: false; missing: true } | { deleted: false; missing?: false; blocked: string };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Joins "a", "b" and "c" into "a, b and c". */
export function listInWords(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

async function countOf(db: Queryable, sql: string, id: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(sql, [id]);
  return Number(rows[0]?.n ?? 0);
}

/** What keeps a herd from being deleted ("herd hrd_x has 3 families"), or null. */
export async function herdBlockers(db: Queryable, id: string): Promise<string | null> {
  const n = await countOf(db, "SELECT count(*) AS n FROM families WHERE herd_id = $1", id);
  return n > 0 ? `herd ${id} has ${plural(n, "family", "families")}; delete or move them first` : null;
}

/** What keeps a family from being deleted ("family fam_x has 2 animals and 5 observations"), or null. */
export async function familyBlockers(db: Queryable, id: string): Promise<string | null> {
  const animals = await countOf(db, "SELECT count(*) AS n FROM animals WHERE family_id = $1", id);
  const observations = await countOf(db, "SELECT count(*) AS n FROM observations WHERE family_id = $1", id);
  const events = await countOf(db, "SELECT count(*) AS n FROM events WHERE family_id = $1", id);
  const parts: string[] = [];
  if (animals) parts.push(plural(animals, "animal"));
  if (observations) parts.push(plural(observations, "observation"));
  if (events) parts.push(plural(events, "event"));
  return parts.length ? `family ${id} has ${listInWords(parts)}; delete or move them first` : null;
}

/** Deletes a herd unless families still belong to it. */
export async function deleteHerd(db: Queryable, id: string): Promise<DeleteResult> {
  const blocked = await herdBlockers(db, id);
  if (blocked) return { deleted: false, blocked };
  const { rowCount } = await db.query("DELETE FROM herds WHERE id = $1", [id]);
  return rowCount ? { deleted: true } : { deleted: false, missing: true };
}

/** Deletes a family unless animals, observations or events still refer to it. */
export async function deleteFamily(db: Queryable, id: string): Promise<DeleteResult> {
  const blocked = await familyBlockers(db, id);
  if (blocked) return { deleted: false, blocked };
  const { rowCount } = await db.query("DELETE FROM families WHERE id = $1", [id]);
  return rowCount ? { deleted: true } : { deleted: false, missing: true };
}

/** The families of a herd as {id, friendly_name}, by id (the herd → family mapping). */
export async function familiesOfHerd(db: Queryable, herdId: string): Promise<Array<{ id: string; friendly_name: string }>> {
  const { rows } = await db.query<{ id: string; friendly_name: string }>("SELECT id, friendly_name FROM families WHERE herd_id = $1 ORDER BY id", [herdId]);
  return rows;
}
