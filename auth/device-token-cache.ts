// Remembers device tokens recently found active, so collars reconnecting during a database outage are
// still recognised. A revocation takes effect on this node within `ttlMs`.
export class DeviceTokenCache {
  private readonly seen = new Map<string, number>(); // jti → when it was last confirmed active

  constructor(
    private readonly lookup: (jti: string) => Promise<boolean>,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A token revoked through this node stops working here at once (other nodes: within ttlMs). */
  forget(jti: string): void {
    this.seen.delete(jti);
  }

  /** Active per the database; within ttl from memory; during an outage a once-confirmed token stays valid. */
  async isActive(jti: string): Promise<boolean> {
    const confirmed = this.seen.get(jti);
    if (confirmed !== undefined && this.clock() - confirmed < this.ttlMs) return true;
    let active: boolean;
    try {
      active = await this.lookup(jti);
    } catch (err) {
      if (confirmed !== undefined) return true; // stale but known good: better than locking collars out
      throw err;
    }
    if (active) {
      if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(jti, this.clock());
    } else {
      this.seen.delete(jti);
    }
    return active;
  }
}
