// User accounts. The password hash never leaves this module except through `credentialsByEmail`.
import type { UserRole } from "../../auth/roles.ts";
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export type UserStatus = "pending" | "awaiting_approval" | "active" | "disabled";

/** A user as the API shows it (never the password hash). */
export interface User {
  id: string;
  email: string;
  phone: string | null;
  name: string;
  role: UserRole;
  status: UserStatus;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

const COLUMNS = "id, email, phone, name, role, status, created_at, updated_at, last_login_at";

function userOf(r: Record<string, unknown>): User {
  return {
    id: String(r.id),
    email: String(r.email),
    phone: r.phone === null || r.phone === undefined ? null : String(r.phone),
    name: String(r.name),
    role: r.role as UserRole,
    status: r.status as UserStatus,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    last_login_at: iso(r.last_login_at),
  };
}

export async function createUser(
  db: Queryable,
  u: { email: string; phone?: string | null; name: string; passwordHash: string; role: UserRole; status: UserStatus },
): Promise<User> {
  const { rows } = await db.query(
    `INSERT INTO users (id, email, phone, name, password_hash, role, status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [newId("usr"), u.email, u.phone ?? null, u.name, u.passwordHash, u.role, u.status],
  );
  return userOf(rows[0]!);
}

export async function getUser(db: Queryable, id: string): Promise<User | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ? userOf(rows[0]) : null;
}

export async function userByEmail(db: Queryable, email: string): Promise<User | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
  return rows[0] ? userOf(rows[0]) : null;
}

export async function credentialsByEmail(db: Queryable, email: string): Promise<{ user: User; passwordHash: string } | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)`, [email]);
  return rows[0] ? { user: userOf(rows[0]), passwordHash: String(rows[0].password_hash) } : null;
}

export async function passwordHashOf(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query("SELECT password_hash FROM users WHERE id = $1", [id]);
  return rows[0] ? String(rows[0].password_hash) : null;
}

export async function listUsers(db: Queryable, limit: number, after?: string): Promise<Page<User>> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`, [after ?? null, limit + 1]);
  return toPage(rows, limit, userOf, (r) => r.id);
}

export interface UserChanges {
  name?: string;
  phone?: string | null;
  role?: UserRole;
  status?: UserStatus;
  passwordHash?: string;
}

/** Applies the given changes; null when there is no such user. */
export async function updateUser(db: Queryable, id: string, c: UserChanges): Promise<User | null> {
  const { rows } = await db.query(
    `UPDATE users SET
        name = COALESCE($2, name),
        phone = CASE WHEN $3::boolean THEN $4 ELSE phone END,
        role = COALESCE($5, role),
        status = COALESCE($6, status),
        password_hash = COALESCE($7, password_hash),
        updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, c.name ?? null, c.phone !== undefined, c.phone ?? null, c.role ?? null, c.status ?? null, c.passwordHash ?? null],
  );
  return rows[0] ? userOf(rows[0]) : null;
}

export async function recordLogin(db: Queryable, id: string): Promise<void> {
  await db.query("UPDATE users SET last_login_at = now() WHERE id = $1", [id]);
}

/** Removes an account that never verified its code (registration restarted or its code could not be sent). */
export async function deletePendingUser(db: Queryable, id: string): Promise<void> {
  await db.query("DELETE FROM users WHERE id = $1 AND status = 'pending'", [id]);
}
