// User accounts end to end: register → one-time code → verify (then an admin lets the account in);
// login with password → code → verify → access + refresh tokens; refresh with rotation and reuse
// detection; logout; profile; admin management. Every sensitive step is written to the audit log.
//
// Why self-registered accounts wait for an admin: the system holds live locations of endangered
// animals, and a viewer role would show them to anyone who can receive an e-mail.
import { createHash } from "node:crypto";
import type { Database } from "../store/database.ts";
import { audit } from "../store/repos/audit.ts";
import { checkOtp, deleteOtp, storeOtp, type OtpCheck } from "../store/repos/otps.ts";
import { activeSession, createSession, revokeSession, revokeUserSessions, rotateRefresh, sessionOfRefresh } from "../store/repos/sessions.ts";
import {
  createUser,
  credentialsByEmail,
  deletePendingUser,
  getUser,
  passwordHashOf,
  recordLogin,
  updateUser,
  userByEmail,
  type User,
  type UserChanges,
} from "../store/repos/users.ts";
import { UNIQUE_VIOLATION, sqlState } from "../store/repos/rows.ts";
import { newOtpCode, otpDigest, otpMatches, OTP_TTL_MS } from "./otp.ts";
import { OtpSendError, type OtpSender } from "./otp-senders/types.ts";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import type { Principal, UserRole } from "./roles.ts";
import { SessionCache } from "./session-cache.ts";
import { ACCESS_TOKEN_TTL_S, type TokenService } from "./tokens.ts";

export type AccountErrorKind = "conflict" | "invalid_credentials" | "invalid_code" | "not_allowed" | "not_found" | "unavailable" | "bad_request";

/** A refusal the API turns into a status (409, 401, 401, 403, 404, 503, 400); `message` is safe to show. */
export class AccountError extends Error {
  constructor(
    readonly kind: AccountErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "AccountError";
  }
}

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface TokenPair {
  access: string;
  refresh: string;
  token_type: "Bearer";
  expires_in: number;
  user: User;
}

const CODE_REFUSED: Record<Exclude<OtpCheck, "ok">, string> = {
  wrong: "invalid or expired code",
  expired: "invalid or expired code",
  none: "invalid or expired code",
  too_many_attempts: "too many wrong codes: request a new one",
};

export class AccountService {
  readonly sessions: SessionCache;
  private readonly otpKey: Uint8Array;

  constructor(
    private readonly db: Database,
    private readonly tokens: () => TokenService,
    private readonly sender: OtpSender,
    jwtSecret: Uint8Array,
    private readonly log: (line: string) => void = () => {},
  ) {
    // A key of its own for code digests, derived from the signing key (one secret to manage).
    this.otpKey = createHash("sha256").update("wt-otp:").update(jwtSecret).digest();
    this.sessions = new SessionCache(async (sid) => activeSession(db, sid));
  }

  /** The role a session grants now (the token service calls this for every user token). */
  sessionRole(sid: string): Promise<UserRole | null> {
    return this.sessions.roleOf(sid);
  }

  async register(input: { email: string; phone?: string | null; name: string; password: string }, meta: RequestMeta): Promise<void> {
    const existing = await userByEmail(this.db, input.email);
    if (existing && existing.status !== "pending") throw new AccountError("conflict", "an account with this e-mail already exists");
    // A registration never verified (abandoned, or its code never arrived) may start over.
    if (existing) await deletePendingUser(this.db, existing.id);
    const passwordHash = await hashPassword(input.password);
    let user: User;
    try {
      user = await createUser(this.db, { email: input.email, phone: input.phone ?? null, name: input.name, passwordHash, role: "viewer", status: "pending" });
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new AccountError("conflict", "an account with this e-mail already exists");
      throw err;
    }
    try {
      await this.sendCode(user, "register");
    } catch (err) {
      await deletePendingUser(this.db, user.id).catch(() => {}); // never an account stuck half-made
      throw err;
    }
    await audit(this.db, { action: "register", actor: user.id, target: user.id, ip: meta.ip });
  }

  /** Checks the registration code; the account then waits for an admin (status awaiting_approval). */
  async verifyRegistration(input: { email: string; code: string }, meta: RequestMeta): Promise<User> {
    const user = await userByEmail(this.db, input.email);
    if (!user || user.status !== "pending") {
      throw new AccountError("invalid_code", CODE_REFUSED.none);
    }
    await this.checkCode(user, "register", input.code, meta);
    const verified = (await updateUser(this.db, user.id, { status: "awaiting_approval" }))!;
    await audit(this.db, { action: "register_verified", actor: user.id, target: user.id, ip: meta.ip });
    return verified;
  }

  /** Password check, then a login code is sent. The same answer for an unknown e-mail and a wrong password. */
  async login(input: { email: string; password: string }, meta: RequestMeta): Promise<void> {
    const found = await credentialsByEmail(this.db, input.email);
    const ok = found ? await verifyPassword(input.password, found.passwordHash) : await verifyAgainstDummy(input.password);
    if (!found || !ok) {
      await audit(this.db, { action: "login_failed", target: found?.user.id ?? null, ip: meta.ip, detail: { email: input.email.toLowerCase(), reason: "password" } });
      throw new AccountError("invalid_credentials", "invalid e-mail or password");
    }
    const user = found.user;
    if (user.status !== "active") {
      await audit(this.db, { action: "login_failed", target: user.id, ip: meta.ip, detail: { reason: user.status } });
      throw new AccountError("not_allowed", STATUS_REFUSED[user.status]);
    }
    await this.sendCode(user, "login");
  }

  async verifyLogin(input: { email: string; code: string }, meta: RequestMeta): Promise<TokenPair> {
    const user = await userByEmail(this.db, input.email);
    if (!user || user.status !== "active") throw new AccountError("invalid_code", CODE_REFUSED.none);
    await this.checkCode(user, "login", input.code, meta);
    const { sessionId, refresh } = await createSession(this.db, user.id, meta);
    await recordLogin(this.db, user.id);
    await audit(this.db, { action: "login", actor: user.id, target: user.id, ip: meta.ip, detail: { session: sessionId } });
    return this.pair(user, sessionId, refresh);
  }

  async refresh(token: string, meta: RequestMeta): Promise<TokenPair> {
    const r = await rotateRefresh(this.db, token);
    if (!r.ok) {
      if (r.reason === "reused") {
        const s = await sessionOfRefresh(this.db, token);
        if (s) this.sessions.forget(s.sessionId);
        await audit(this.db, { action: "refresh_reuse", target: s?.userId ?? null, ip: meta.ip, detail: { session: s?.sessionId ?? null, revoked: "session" } });
      }
      throw new AccountError("invalid_credentials", r.reason === "reused" ? "refresh token already used: the session is revoked, log in again" : "invalid or expired refresh token");
    }
    const user = await getUser(this.db, r.userId);
    if (!user || user.status !== "active") {
      await revokeSession(this.db, r.sessionId, "user not active");
      throw new AccountError("invalid_credentials", "invalid or expired refresh token");
    }
    return this.pair(user, r.sessionId, r.refresh);
  }

  /** Ends the caller's session, and the session of `refresh` when it is the caller's too. */
  async logout(principal: Principal, refresh: string | undefined, meta: RequestMeta): Promise<void> {
    const sessions = new Set<string>();
    if (principal.session) sessions.add(principal.session);
    if (refresh) {
      const s = await sessionOfRefresh(this.db, refresh);
      if (s && s.userId === principal.subject) sessions.add(s.sessionId);
    }
    for (const sid of sessions) {
      await revokeSession(this.db, sid, "logout");
      this.sessions.forget(sid);
    }
    if (sessions.size) await audit(this.db, { action: "logout", actor: principal.subject, target: principal.subject, ip: meta.ip, detail: { sessions: [...sessions] } });
  }

  async me(principal: Principal): Promise<User | null> {
    return principal.session ? getUser(this.db, principal.subject) : null;
  }

  async updateMe(
    principal: Principal,
    input: { name?: string; phone?: string | null; password?: string; current_password?: string },
    meta: RequestMeta,
  ): Promise<User> {
    if (!principal.session) throw new AccountError("not_found", "no user account behind this token");
    const changes: UserChanges = { name: input.name, phone: input.phone };
    if (input.password !== undefined) {
      const stored = await passwordHashOf(this.db, principal.subject);
      if (!input.current_password || !stored || !(await verifyPassword(input.current_password, stored))) {
        throw new AccountError("invalid_credentials", "current_password is wrong or missing");
      }
      changes.passwordHash = await hashPassword(input.password);
    }
    const user = await updateUser(this.db, principal.subject, changes);
    if (!user) throw new AccountError("not_found", "no such user");
    if (changes.passwordHash) {
      // Other sessions may be an attacker's: a new password ends them.
      await revokeUserSessions(this.db, user.id, "password changed", principal.session);
      this.sessions.forgetUser(user.id);
      await audit(this.db, { action: "password_change", actor: user.id, target: user.id, ip: meta.ip });
    }
    return user;
  }

  /** Admin: an account that is active at once. */
  async createByAdmin(actor: Principal, input: { email: string; phone?: string | null; name: string; role: UserRole; password: string }, meta: RequestMeta): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await createUser(this.db, { ...input, passwordHash, status: "active" });
      await audit(this.db, { action: "user_create", actor: actor.subject, target: user.id, ip: meta.ip, detail: { role: user.role } });
      return user;
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new AccountError("conflict", "an account with this e-mail already exists");
      throw err;
    }
  }

  /** Admin: role, status (approve, disable), name, phone. Disabling ends the user's sessions. */
  async updateByAdmin(actor: Principal, id: string, input: { role?: UserRole; status?: "active" | "disabled"; name?: string; phone?: string | null }, meta: RequestMeta): Promise<User> {
    const before = await getUser(this.db, id);
    if (!before) throw new AccountError("not_found", `user ${id} not found`);
    if (input.status === "active" && before.status === "pending") throw new AccountError("bad_request", "this account has not verified its e-mail yet");
    if (actor.subject === id && (input.role !== undefined && input.role !== "admin" || input.status === "disabled")) {
      throw new AccountError("bad_request", "admins cannot demote or disable themselves (ask another admin)");
    }
    const user = (await updateUser(this.db, id, input))!;
    if (input.role !== undefined && input.role !== before.role) {
      await audit(this.db, { action: "role_change", actor: actor.subject, target: id, ip: meta.ip, detail: { from: before.role, to: user.role } });
    }
    if (input.status !== undefined && input.status !== before.status) {
      await audit(this.db, { action: "status_change", actor: actor.subject, target: id, ip: meta.ip, detail: { from: before.status, to: user.status } });
      if (user.status === "disabled") await revokeUserSessions(this.db, id, "user disabled");
    }
    this.sessions.forgetUser(id); // the new role or status applies to the next request
    return user;
  }

  private async pair(user: User, sessionId: string, refresh: string): Promise<TokenPair> {
    const access = await this.tokens().signAccess({ sub: user.id, role: user.role, sid: sessionId });
    return { access, refresh, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_S, user };
  }

  private async sendCode(user: User, purpose: "register" | "login"): Promise<void> {
    const code = newOtpCode();
    await storeOtp(this.db, user.id, purpose, otpDigest(this.otpKey, user.id, purpose, code), OTP_TTL_MS);
    try {
      await this.sender.send({ to: user.email, code, purpose, ts: new Date().toISOString() });
    } catch (err) {
      await deleteOtp(this.db, user.id, purpose).catch(() => {});
      const why = err instanceof OtpSendError ? err.logLine() : String((err as Error)?.message ?? err);
      this.log(`otp: the ${purpose} code for ${user.id} was not sent: ${why}`);
      throw new AccountError("unavailable", "the one-time code could not be sent; try again later");
    }
  }

  private async checkCode(user: User, purpose: "register" | "login", code: string, meta: RequestMeta): Promise<void> {
    const result = await checkOtp(this.db, user.id, purpose, (stored) => otpMatches(this.otpKey, user.id, purpose, code, stored));
    if (result === "ok") return;
    await audit(this.db, { action: "otp_failed", target: user.id, ip: meta.ip, detail: { purpose, result } });
    throw new AccountError("invalid_code", CODE_REFUSED[result]);
  }
}

const STATUS_REFUSED: Record<Exclude<User["status"], "active">, string> = {
  pending: "verify your e-mail with the code sent at registration first",
  awaiting_approval: "this account is waiting for an administrator to approve it",
  disabled: "this account is disabled",
};
