// Corridors and risk zones (one table, by kind).
import type { Fence, FenceArea, FenceInputGeometry, FenceKind, FenceRules } from "../../engine/fences/types.ts";
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface FenceRecord {
  id: string;
  kind: FenceKind;
  name: string;
  geometry: FenceInputGeometry;
  width_m: number | null;
  area: FenceArea;
  rules: FenceRules;
  created_at: string;
  updated_at: string;
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));
const fenceOf = (r: Row): FenceRecord => ({
  id: String(r.id),
  kind: r.kind as FenceKind,
  name: String(r.name),
  geometry: json<FenceInputGeometry>(r.source),
  width_m: r.width_m === null || r.width_m === undefined ? null : Number(r.width_m),
  area: json<FenceArea>(r.area),
  rules: json<FenceRules>(r.rules),
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});
const COLUMNS = "id, kind, name, source, width_m, area, rules, created_at, updated_at";

export interface NewFence {
  kind: FenceKind;
  name: string;
  geometry: FenceInputGeometry;
  width_m: number | null;
  area: FenceArea;
  rules: FenceRules;
}

export async function createFence(db: Queryable, f: NewFence): Promise<FenceRecord> {
  const { rows } = await db.query(
    `INSERT INTO fences (id, kind, name, source, width_m, area, rules) VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb) RETURNING ${COLUMNS}`,
    [newId(f.kind === "corridor" ? "cor" : "rz"), f.kind, f.name, JSON.stringify(f.geometry), f.width_m, JSON.stringify(f.area), JSON.stringify(f.rules)],
  );
  return fenceOf(rows[0]!);
}

export async function getFence(db: Queryable, kind: FenceKind, id: string): Promise<FenceRecord | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM fences WHERE kind = $1 AND id = $2`, [kind, id]);
  return rows[0] ? fenceOf(rows[0]) : null;
}

export async function listFences(db: Queryable, kind: FenceKind, limit: number, after?: string): Promise<Page<FenceRecord>> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM fences WHERE kind = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`, [kind, after ?? null, limit + 1]);
  return toPage(rows, limit, fenceOf, (r) => r.id);
}

/** Replaces the given fields; null when there is no such fence. */
export async function updateFence(
  db: Queryable,
  kind: FenceKind,
  id: string,
  patch: Partial<Pick<NewFence, "name" | "rules">> & { shape?: Pick<NewFence, "geometry" | "width_m" | "area"> },
): Promise<FenceRecord | null> {
  const { rows } = await db.query(
    `UPDATE fences SET
        name = COALESCE($3, name),
        rules = COALESCE($4::jsonb, rules),
        source = COALESCE($5::jsonb, source),
        width_m = CASE WHEN $5::jsonb IS NULL THEN width_m ELSE $6 END,
        area = COALESCE($7::jsonb, area),
        updated_at = now()
      WHERE kind = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [
      kind,
      id,
      patch.name ?? null,
      patch.rules ? JSON.stringify(patch.rules) : null,
      patch.shape ? JSON.stringify(patch.shape.geometry) : null,
      patch.shape?.width_m ?? null,
      patch.shape ? JSON.stringify(patch.shape.area) : null,
    ],
  );
  return rows[0] ? fenceOf(rows[0]) : null;
}

export async function deleteFence(db: Queryable, kind: FenceKind, id: string): Promise<boolean> {
  return (await db.query("DELETE FROM fences WHERE kind = $1 AND id = $2", [kind, id])).rowCount === 1;
}

/** Every fence, for building the engine's index. */
/** Changes whenever a fence is created, updated or deleted (count and newest update time). */
export async function fencesVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ n: number; latest: unknown }>("SELECT count(*)::int AS n, max(updated_at)::text AS latest FROM fences");
  return `${rows[0]?.n ?? 0}:${String(rows[0]?.latest ?? "")}`;
}

export async function loadFences(db: Queryable): Promise<Fence[]> {
  const { rows } = await db.query("SELECT id, kind, name, area, rules FROM fences ORDER BY id");
  return rows.map((r) => ({ id: String(r.id), kind: r.kind as FenceKind, name: String(r.name), area: json<FenceArea>(r.area), rules: json<FenceRules>(r.rules) }));
}
