// Wraps a real database so a test can take it "down": every call fails with a connection error
// (ECONNREFUSED) until it is brought back. The data path under test is otherwise the real one.
import type { Database, QueryResult, Queryable } from "../../store/database.ts";

export class FlakyDatabase implements Database {
  down = false;
  failedCalls = 0;

  constructor(private readonly inner: Database) {}

  get kind() {
    return this.inner.kind;
  }

  private check(): void {
    if (!this.down) return;
    this.failedCalls++;
    throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432 (simulated outage)"), { code: "ECONNREFUSED" });
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    this.check();
    return this.inner.query<Row>(sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.check();
    return this.inner.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.check();
    return this.inner.transaction(fn);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
