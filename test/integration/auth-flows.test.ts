// Accounts end to end through the real server and the outbox sender: registration and approval, login
// with a one-time code, refresh rotation and reuse detection, logout, role changes that apply at once,
// code expiry / single use / attempt limit, a failing sender, device token revocation, the audit
// log, and rate limits that trigger and recover.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const PASSWORD = "correct horse battery staple";

describe("accounts and sessions (PostgreSQL, outbox)", () => {
  let db: TestDatabase;
  let t: TestServer;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    // Short windows so the rate-limit test can see recovery; generous elsewhere.
    const wide = { limit: 1000, windowMs: 60_000 };
    t = await startTestServer(db, {}, {
      authLimits: { register: { ip: wide, account: wide }, login: { ip: wide, account: { limit: 3, windowMs: 1500 } }, verify: { ip: wide, account: wide }, refresh: { ip: wide } },
    });
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  const email = () => `ranger${++n}.${Date.now().toString(36)}@park.example`;
  /** POST as `token`; without one, as the admin (public routes ignore it). */
  const post = (p: string, body: unknown, token?: string) => t.api.post(`/api/v1${p}`, body, token);

  /** The newest code the outbox holds for this address and purpose. */
  async function codeFor(to: string, purpose: string): Promise<string> {
    const lines = (await readFile(path.join(db.dataDir, "outbox.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const mine = lines.filter((l) => l.to === to && l.purpose === purpose);
    expect(Object.keys(mine.at(-1)!)).toEqual(["to", "code", "purpose", "ts"]);
    return mine.at(-1)!.code as string;
  }

  async function activeUser(role: "viewer" | "ranger" | "manager" | "admin" = "viewer") {
    const e = email();
    const created = await post("/users", { email: e, name: "Test", role, password: PASSWORD });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, email: e };
  }

  async function login(e: string) {
    expect((await post("/auth/login", { email: e, password: PASSWORD })).status).toBe(202);
    const r = await post("/auth/login/verify", { email: e, code: await codeFor(e, "login") });
    expect(r.status).toBe(200);
    return r.body as { access: string; refresh: string; user: { id: string; role: string } };
  }

  it("register → code → verify → admin approval → login → code → tokens; nobody gets in before approval", async () => {
    const e = email();
    const reg = await post("/auth/register", { email: e, name: "Asha", phone: "+255 700 000 001", password: PASSWORD });
    expect(reg.status).toBe(202);
    expect(reg.body).toEqual({ status: "otp_sent", expires_in: 600 });
    expect((await post("/auth/register", { email: e.toUpperCase(), name: "Again", password: PASSWORD })).status).toBe(202); // not verified yet: starts over
    const verified = await post("/auth/verify-otp", { email: e, code: await codeFor(e, "register") });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ email: e, role: "viewer", status: "awaiting_approval" });
    expect(verified.body).not.toHaveProperty("password_hash");
    expect((await post("/auth/register", { email: e, name: "Dup", password: PASSWORD })).status).toBe(409);

    const waiting = await post("/auth/login", { email: e, password: PASSWORD });
    expect(waiting.status).toBe(403);
    expect(waiting.body.detail).toMatch(/approve/);
    expect((await t.api.call("PATCH", `/api/v1/users/${verified.body.id}`, { status: "active" })).status).toBe(200);

    const tokens = await login(e);
    expect(tokens.user).toMatchObject({ id: verified.body.id, status: "active" });
    const me = await t.api.get("/api/v1/auth/me", tokens.access);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: e, name: "Again", role: "viewer" }); // the restarted registration
    expect((await t.api.get("/api/v1/animals", tokens.access)).status).toBe(200);
    expect((await t.api.get("/api/v1/users", tokens.access)).status).toBe(403); // viewers never see other people's accounts
  });

  it("wrong password and unknown e-mail get the same 401; bad input is a 400 naming the field", async () => {
    const u = await activeUser();
    const wrong = await post("/auth/login", { email: u.email, password: "not the password" });
    const unknown = await post("/auth/login", { email: "nobody@park.example", password: "not the password" });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    const bad = await post("/auth/register", { email: "not-an-email", name: "", password: "short" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((x: { path: string }) => x.path).sort()).toEqual(["email", "name", "password"]);
  });

  it("codes: single use, 5 attempts, 10-minute expiry, a new code replaces the old one", async () => {
    const u = await activeUser();
    await post("/auth/login", { email: u.email, password: PASSWORD });
    const code = await codeFor(u.email, "login");
    expect((await post("/auth/login/verify", { email: u.email, code })).status).toBe(200);
    expect((await post("/auth/login/verify", { email: u.email, code })).status).toBe(401); // used

    await post("/auth/login", { email: u.email, password: PASSWORD });
    const good = await codeFor(u.email, "login");
    const wrongCode = good === "000000" ? "000001" : "000000";
    for (let i = 0; i < 4; i++) expect((await post("/auth/login/verify", { email: u.email, code: wrongCode })).body.detail).toBe("invalid or expired code");
    expect((await post("/auth/login/verify", { email: u.email, code: wrongCode })).body.detail).toMatch(/too many/);
    expect((await post("/auth/login/verify", { email: u.email, code: good })).status).toBe(401); // dead after 5 wrong guesses

    await post("/auth/login", { email: u.email, password: PASSWORD });
    const stale = await codeFor(u.email, "login");
    await post("/auth/login", { email: u.email, password: PASSWORD });
    const fresh = await codeFor(u.email, "login");
    if (stale !== fresh) expect((await post("/auth/login/verify", { email: u.email, code: stale })).status).toBe(401);
    await t.server.db.query("UPDATE user_otps SET expires_at = now() - interval '1 second' WHERE user_id = $1", [u.id]); // 10 minutes later
    expect((await post("/auth/login/verify", { email: u.email, code: fresh })).status).toBe(401);
    const stored = await t.server.db.query<{ code_hash: string }>("SELECT code_hash FROM user_otps WHERE user_id = $1", [u.id]);
    expect(stored.rows.every((r) => !r.code_hash.includes(fresh))).toBe(true); // never stored in the clear
  });

  it("refresh rotates; reusing a rotated refresh token revokes the whole session, access tokens included", async () => {
    const u = await activeUser("ranger");
    const first = await login(u.email);
    const second = await post("/auth/refresh", { refresh: first.refresh });
    expect(second.status).toBe(200);
    expect(second.body.refresh).not.toBe(first.refresh);
    expect((await t.api.get("/api/v1/auth/me", second.body.access)).status).toBe(200);
    const reuse = await post("/auth/refresh", { refresh: first.refresh }); // a stolen copy
    expect(reuse.status).toBe(401);
    expect(reuse.body.detail).toMatch(/reused|already used/);
    expect((await post("/auth/refresh", { refresh: second.body.refresh })).status).toBe(401);
    expect((await t.api.get("/api/v1/auth/me", second.body.access)).status).toBe(401);
    expect((await t.api.get("/api/v1/auth/me", first.access)).status).toBe(401);
    // Another session of the same user is untouched.
    const other = await login(u.email);
    expect((await t.api.get("/api/v1/auth/me", other.access)).status).toBe(200);
  });

  it("logout ends the session at once; a role change or disabling applies to the next request", async () => {
    const u = await activeUser("viewer");
    const s = await login(u.email);
    expect((await post("/herds", { species_name: "Loxodonta africana" }, s.access)).status).toBe(403);
    expect((await t.api.call("PATCH", `/api/v1/users/${u.id}`, { role: "manager" })).status).toBe(200);
    expect((await post("/herds", { species_name: "Loxodonta africana" }, s.access)).status).toBe(201);
    expect((await post("/auth/logout", { refresh: s.refresh }, s.access)).status).toBe(204);
    expect((await t.api.get("/api/v1/auth/me", s.access)).status).toBe(401);
    expect((await post("/auth/refresh", { refresh: s.refresh })).status).toBe(401);

    const again = await login(u.email);
    expect((await t.api.call("PATCH", `/api/v1/users/${u.id}`, { status: "disabled" })).status).toBe(200);
    expect((await t.api.get("/api/v1/auth/me", again.access)).status).toBe(401);
    expect((await post("/auth/login", { email: u.email, password: PASSWORD })).status).toBe(403);
  });

  it("PUT /auth/me changes the password only with the current one, and ends the other sessions", async () => {
    const u = await activeUser();
    const a = await login(u.email);
    const b = await login(u.email);
    expect((await t.api.call("PUT", "/api/v1/auth/me", { password: "a new password 123" }, a.access)).status).toBe(401);
    const changed = await t.api.call("PUT", "/api/v1/auth/me", { name: "Renamed", password: "a new password 123", current_password: PASSWORD }, a.access);
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe("Renamed");
    expect((await t.api.get("/api/v1/auth/me", a.access)).status).toBe(200);
    expect((await t.api.get("/api/v1/auth/me", b.access)).status).toBe(401);
    expect((await post("/auth/login", { email: u.email, password: PASSWORD })).status).toBe(401);
  });

  it("a revoked collar token is refused on the next connect, and the revocation is audited", async () => {
    await deployedAnimal(t.api, "AUTHC1");
    const token = (await post("/collars/AUTHC1/token", {})).body.token as string;
    const c = await TestCollar.connect(t.wsUrl, token);
    const listed = await t.api.get("/api/v1/device-tokens?collar=AUTHC1");
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((await t.api.call("DELETE", `/api/v1/device-tokens/${listed.body.items[0].id}`)).status).toBe(204);
    await c.until(() => c.closeCode !== null, 5000, "the open connection to close");
    expect(c.closeCode).toBe(4401); // an open connection with the revoked token is closed at once
    const refused = await TestCollar.connect(t.wsUrl, token);
    await refused.until(() => refused.closeCode !== null, 5000, "close");
    expect(refused.closeCode).toBe(4401);
    expect(refused.errors.map((x) => x.code)).toEqual(["unauthorized"]);
    const audit = await t.api.get("/api/v1/audit?action=token_revoke");
    expect(audit.body.items[0]).toMatchObject({ action: "token_revoke", target: "AUTHC1" });
    const logins = await t.api.get("/api/v1/audit?action=login");
    expect(logins.body.items.length).toBeGreaterThan(0);
    expect((await t.api.get("/api/v1/audit?action=role_change")).body.items[0]).toMatchObject({ detail: { from: "viewer", to: "manager" } });
  });

  it("login attempts per account are limited (429 with Retry-After) and recover when the window passes", async () => {
    const u = await activeUser();
    for (let i = 0; i < 3; i++) expect((await post("/auth/login", { email: u.email, password: "wrong password!" })).status).toBe(401);
    const limited = await post("/auth/login", { email: u.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another account from the same address is not affected by this account's limit.
    const other = await activeUser();
    expect((await post("/auth/login", { email: other.email, password: PASSWORD })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await post("/auth/login", { email: u.email, password: PASSWORD })).status).toBe(202);
  });
});

describe("a failing OTP sender (webhook to a closed port)", () => {
  let db: TestDatabase;
  let t: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_OTP_SENDER: "webhook", WT_OTP_WEBHOOK_URL: "http://127.0.0.1:9/otp" });
  });
  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("answers 503 with Retry-After and leaves no half-made account", async () => {
    const r = await t.api.post("/api/v1/auth/register", { email: "x@park.example", name: "X", password: PASSWORD }, null);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBeTruthy();
    expect(r.body.detail).toMatch(/could not be sent/);
    const { rows } = await t.server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users");
    expect(rows[0]!.n).toBe(0);
  });
});
