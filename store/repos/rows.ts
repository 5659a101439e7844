// Small conversions between database rows and API JSON.

/** timestamptz → ISO 8601 UTC string (pg and PGlite both return Date; strings pass through normalised). */
export function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return d.toISOString();
}

/** A database error code (SQLSTATE), if any. */
export function sqlState(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";
