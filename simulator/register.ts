// Registers simulated collars over REST (an animal + a deployed collar each) and creates the
// gateway whose token the fleet streams with. Idempotent: existing collars are left alone.
import type { CollarSpec } from "./collar-track.ts";

export interface RegisterOptions {
  /** http(s)://host:port/api/v1 */
  apiBase: string;
  /** Manager or admin token. */
  token: string;
  collars: CollarSpec[];
  gatewayName: string;
  /** Requests in parallel (default 8). */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface RegisterResult {
  created: number; // collars created (with their animal)
  existing: number; // collars that were already registered
  gatewayId: string;
  gatewayToken: string;
}

/** http(s)://host:port/api/v1 for a ws(s)://host:port/... ingest URL. */
export function apiBaseFromIngestUrl(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  return `${u.origin}/api/v1`;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request(base: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // 429 and 503 say "later", with Retry-After: honour it a few times before giving up.
    if ((res.status === 429 || res.status === 503) && attempt < 5) {
      const wait = Number(res.headers.get("retry-after"));
      await new Promise((r) => setTimeout(r, Math.min(30, Number.isFinite(wait) && wait > 0 ? wait : 2 ** attempt) * 1000));
      continue;
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* a non-JSON body is only interesting in an error message */
    }
    if (!res.ok) {
      const p = (json ?? {}) as { title?: string; detail?: string };
      const why = [p.title, p.detail].filter(Boolean).join(": ") || text.slice(0, 200);
      throw new HttpError(res.status, `${method} ${path} → ${res.status}${why ? ` (${why})` : ""}`);
    }
    return json;
  }
}

/** Collar ids already registered (best effort: an empty set if listing is not possible). */
async function existingCollars(base: string, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  try {
    let cursor: string | null = null;
    do {
      const page = (await request(base, token, "GET", `/collars?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)) as {
        items?: Array<{ id?: unknown }>;
        next_cursor?: string | null;
      };
      for (const c of page.items ?? []) if (typeof c.id === "string") ids.add(c.id);
      cursor = page.next_cursor ?? null;
    } while (cursor);
  } catch {
    // Creating then tolerating 409 still works; listing only avoids orphan animals on re-runs.
  }
  return ids;
}

export async function registerCollars(o: RegisterOptions): Promise<RegisterResult> {
  const base = o.apiBase.replace(/\/+$/, "");
  const known = await existingCollars(base, o.token);
  const todo = o.collars.filter((c) => !known.has(c.id));
  let created = 0;
  let existing = o.collars.length - todo.length;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const c = todo[next++]!;
      const name = `${c.species[0]!.toUpperCase()}${c.species.slice(1)} ${c.id}`;
      const animal = (await request(base, o.token, "POST", "/animals", { name, species: c.species })) as { id?: unknown };
      if (typeof animal?.id !== "string") throw new Error(`POST /animals returned no id for ${c.id}`);
      try {
        await request(base, o.token, "POST", "/collars", { id: c.id, model: "simulated", animal_id: animal.id });
        created++;
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 409)) throw err;
        existing++; // registered meanwhile or not listed: fine, it streams all the same
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, Math.max(1, todo.length)) }, worker));
  o.log?.(`registered ${created} collars (${existing} already existed)`);
  const gw = (await request(base, o.token, "POST", "/gateways", { name: o.gatewayName })) as { id?: unknown; token?: unknown };
  if (typeof gw?.token !== "string") throw new Error("POST /gateways returned no token");
  return { created, existing, gatewayId: String(gw.id ?? ""), gatewayToken: gw.token };
}
