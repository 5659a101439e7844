// Remembers, for a few seconds, what a login session grants (its user's role now, or nothing), so
// every request with a user token does not query the database. Logout, revocation and role changes
// made on this node forget the affected entries at once; other nodes see them within `ttlMs`.
import type { UserRole } from "./roles.ts";

interface Entry {
  role: UserRole | null;
  userId: string | null;
  at: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly lookup: (sid: string) => Promise<{ userId: string; role: UserRole } | null>,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 50_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async roleOf(sid: string): Promise<UserRole | null> {
    const e = this.entries.get(sid);
    if (e !== undefined && this.clock() - e.at < this.ttlMs) return e.role;
    const found = await this.lookup(sid);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sid, { role: found?.role ?? null, userId: found?.userId ?? null, at: this.clock() });
    return found?.role ?? null;
  }

  forget(sid: string): void {
    this.entries.delete(sid);
  }

  forgetUser(userId: string): void {
    for (const [sid, e] of this.entries) if (e.userId === userId) this.entries.delete(sid);
  }
}
