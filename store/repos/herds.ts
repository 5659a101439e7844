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
