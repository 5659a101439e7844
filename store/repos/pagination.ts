// Cursor pagination shared by list endpoints: `?limit=` (default 100, max 1000) and an opaque `?cursor=`.

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Decodes a cursor; undefined when absent, null when malformed (the caller answers 400). */
export function decodeCursor<T>(cursor: string | undefined): T | undefined | null {
  if (!cursor) return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as T;
  } catch {
    return null;
  }
}

/** Turns `limit + 1` fetched rows into a page, with a cursor built from the last item when more remain. */
export function toPage<Row, Item>(rows: Row[], limit: number, map: (r: Row) => Item, cursorOf: (r: Row) => unknown): Page<Item> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next_cursor: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
