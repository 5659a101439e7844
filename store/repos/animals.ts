// Animals: registry rows, their engine profile (species, herd, family) and their current collar.
import type { AnimalProfile } from "../../engine/types.ts";
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface Animal {
  id: string;
  name: string;
  species: string;
  sex: "female" | "male" | "unknown" | null;
  family_id: string | null;
  herd_id: string | null;
  status: string;
  health_status: string | null;
  collar: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewAnimal {
  name: string;
  species: string;
  sex?: "female" | "male" | "unknown" | null;
  family_id?: string | null;
  status?: string;
  health_status?: string | null;
}

export interface AnimalFilter {
  species?: string;
  status?: string;
  herd?: string;
  family?: string;
  q?: string;
}

// The current collar is the deployment that is open now.
const SELECT = `
  SELECT a.*, f.herd_id,
    (SELECT d.collar_id FROM deployments d
      WHERE d.animal_id = a.id AND d.from_ts <= now() AND (d.to_ts IS NULL OR d.to_ts > now())
      ORDER BY d.from_ts DESC LIMIT 1) AS collar
  FROM animals a LEFT JOIN families f ON f.id = a.family_id`;

type Row = Record<string, unknown>;
const animalOf = (r: Row): Animal => ({
  id: String(r.id),
  name: String(r.name),
  species: String(r.species),
  sex: (r.sex as Animal["sex"]) ?? null,
  family_id: (r.family_id as string | null) ?? null,
  herd_id: (r.herd_id as string | null) ?? null,
  status: String(r.status),
  health_status: (r.health_status as string | null) ?? null,
  collar: (r.collar as string | null) ?? null,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

export async function createAnimal(db: Queryable, input: NewAnimal): Promise<Animal> {
  const id = newId("ani");
  await db.query(
    `INSERT INTO animals (id, name, species, sex, family_id, status, health_status)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6, 'active'), $7)`,
    [id, input.name, input.species, input.sex ?? null, input.family_id ?? null, input.status ?? null, input.health_status ?? null],
  );
  return (await getAnimal(db, id))!;
}

export async function getAnimal(db: Queryable, id: string): Promise<Animal | null> {
  const { rows } = await db.query(`${SELECT} WHERE a.id = $1`, [id]);
  return rows[0] ? animalOf(rows[0]) : null;
}

export async function listAnimals(db: Queryable, filter: AnimalFilter, limit: number, after?: string): Promise<Page<Animal>> {
  const { rows } = await db.query(
    `${SELECT}
     WHERE ($1::text IS NULL OR a.id > $1)
       AND ($2::text IS NULL OR lower(a.species) = lower($2))
       AND ($3::text IS NULL OR a.status = $3)
       AND ($4::text IS NULL OR f.herd_id = $4)
       AND ($5::text IS NULL OR a.family_id = $5)
       AND ($6::text IS NULL OR a.name ILIKE '%' || $6 || '%' OR a.id = $6)
     ORDER BY a.id LIMIT $7`,
    [after ?? null, filter.species ?? null, filter.status ?? null, filter.herd ?? null, filter.family ?? null, filter.q ?? null, limit + 1],
  );
  return toPage(rows, limit, animalOf, (r) => r.id);
}

const profileOf = (r: Row): AnimalProfile => ({
  id: String(r.id),
  name: String(r.name),
  species: String(r.species),
  herd: (r.herd_id as string | null) ?? null,
  family: (r.family_id as string | null) ?? null,
});

/** Every animal's engine profile, to warm the in-memory registry at start. */
export async function loadProfiles(db: Queryable): Promise<AnimalProfile[]> {
  const { rows } = await db.query("SELECT a.id, a.name, a.species, a.family_id, f.herd_id FROM animals a LEFT JOIN families f ON f.id = a.family_id");
  return rows.map(profileOf);
}

/** Every field of an animal a client sets (PUT replaces all of them; PATCH merges into the stored ones). */
export interface AnimalFields {
  name: string;
  species: string;
  sex: "female" | "male" | "unknown" | null;
  family_id: string | null;
  status: string;
  health_status: string | null;
}

/** Locks an animal's row for a read-modify-write in the caller's transaction; null when it does not exist. */
export async function lockAnimal(db: Queryable, id: string): Promise<AnimalFields | null> {
  const { rows } = await db.query("SELECT name, species, sex, family_id, status, health_status FROM animals WHERE id = $1 FOR UPDATE", [id]);
  const r = rows[0];
  if (!r) return null;
  return {
    name: String(r.name),
    species: String(r.species),
    sex: (r.sex as AnimalFields["sex"]) ?? null,
    family_id: (r.family_id as string | null) ?? null,
    status: String(r.status),
    health_status: (r.health_status as string | null) ?? null,
  };
}

/** Writes every client field of an animal; false when it does not exist. */
export async function writeAnimal(db: Queryable, id: string, f: AnimalFields): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE animals SET name = $2, species = $3, sex = $4, family_id = $5, status = $6, health_status = $7, updated_at = now()
     WHERE id = $1`,
    [id, f.name, f.species, f.sex, f.family_id, f.status, f.health_status],
  );
  return rowCount > 0;
}

/** Engine profiles of a family's animals (after the family moved to another herd). */
export async function familyProfiles(db: Queryable, familyId: string): Promise<AnimalProfile[]> {
  const { rows } = await db.query(
    "SELECT a.id, a.name, a.species, a.family_id, f.herd_id FROM animals a JOIN families f ON f.id = a.family_id WHERE a.family_id = $1",
    [familyId],
  );
  return rows.map(profileOf);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What keeps an animal from being deleted ("animal ani_x has 1 collar deployment (COL001) and 1000 stored fixes"), or null. */
export async function animalBlockers(db: Queryable, id: string): Promise<string | null> {
  const deployments = await db.query<{ collar_id: string; open: boolean }>(
    "SELECT collar_id, bool_or(to_ts IS NULL OR to_ts > now()) AS open FROM deployments WHERE animal_id = $1 GROUP BY collar_id ORDER BY collar_id",
    [id],
  );
  const nDeployments = Number((await db.query<{ n: string | number }>("SELECT count(*) AS n FROM deployments WHERE animal_id = $1", [id])).rows[0]?.n ?? 0);
  const fixes = Number((await db.query<{ n: string | number }>("SELECT count(*) AS n FROM fixes WHERE animal_id = $1", [id])).rows[0]?.n ?? 0);
  const observations = Number((await db.query<{ n: string | number }>("SELECT count(*) AS n FROM observations WHERE animal_id = $1", [id])).rows[0]?.n ?? 0);
  const parts: string[] = [];
  if (nDeployments) {
    const collars = deployments.rows.map((r) => (r.open ? `${r.collar_id}, deployed now` : r.collar_id));
    parts.push(`${plural(nDeployments, "collar deployment")} (${collars.join("; ")})`);
  }
  if (fixes) parts.push(plural(fixes, "stored fix", "stored fixes"));
  if (observations) parts.push(plural(observations, "observation"));
  if (!parts.length) return null;
  const words = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `animal ${id} has ${words}; it cannot be deleted (set its status to inactive, deceased or relocated instead)`;
}

/** Deletes an animal unless collars were deployed on it or data refers to it. */
export async function deleteAnimal(db: Queryable, id: string): Promise<{ deleted: true } | { deleted: false; missing: true } | { deleted: false; blocked: string }> {
  const blocked = await animalBlockers(db, id);
  if (blocked) return { deleted: false, blocked };
  const { rowCount } = await db.query("DELETE FROM animals WHERE id = $1", [id]);
  return rowCount ? { deleted: true } : { deleted: false, missing: true };
}
