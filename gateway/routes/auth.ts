// Accounts (API.md "auth"): register → code → verify; login → code → verify → tokens; refresh with
// rotation and reuse detection; logout; the caller's own profile. Rate limited per address and per
// account; the answers never tell whether an e-mail is registered, except registration itself (409).
import { z } from "zod";
import { AccountError, type AccountService, type RequestMeta } from "../../auth/accounts.ts";
import type { RateLimiter } from "../../auth/rate-limit.ts";
import { USER_ROLES } from "../../auth/roles.ts";
import { HttpError } from "../http/problem.ts";
import { route, type RequestContext, type Route } from "../http/router.ts";
import { AUTH_LIMITS, enforceAuthLimit, type AuthAction, type AuthLimits } from "./auth-limits.ts";

const Email = z.string().trim().toLowerCase().max(254).email("must be an e-mail address");
const Password = z.string().min(10, "must be at least 10 characters").max(200, "must be at most 200 characters");
const Code = z.string().regex(/^\d{6}$/, "must be the 6-digit code");
const Phone = z.string().trim().regex(/^\+?[0-9 ()-]{5,20}$/, "must be a phone number").nullable();
const Name = z.string().trim().min(1).max(200);

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  name: z.string(),
  role: z.enum(USER_ROLES),
  status: z.enum(["pending", "awaiting_approval", "active", "disabled"]),
  created_at: z.string(),
  updated_at: z.string(),
  last_login_at: z.string().nullable(),
});
const TokenPairSchema = z.object({ access: z.string(), refresh: z.string(), token_type: z.literal("Bearer"), expires_in: z.number(), user: UserSchema });
const OtpSent = { 202: { description: "A one-time code was sent (valid 10 minutes, 5 attempts)" } };

/** Turns a refusal from the account service into its HTTP status. */
export function accountProblem(err: unknown): never {
  if (!(err instanceof AccountError)) throw err;
  const status = { conflict: 409, invalid_credentials: 401, invalid_code: 401, not_allowed: 403, not_found: 404, unavailable: 503, bad_request: 400 }[err.kind];
  throw new HttpError(status, err.message, undefined, err.kind === "unavailable" ? { "Retry-After": "30" } : {});
}

export function requestMeta(ctx: Pick<RequestContext, "headers" | "ip">): RequestMeta & { ip: string } {
  return { ip: ctx.ip, userAgent: ctx.headers["user-agent"] ?? null };
}

export function authRoutes(accounts: AccountService, limiter: RateLimiter, limits: AuthLimits = AUTH_LIMITS): Route[] {
  const run = <T>(p: Promise<T>) => p.catch(accountProblem);
  const enforce = (action: AuthAction, ip: string, account?: string) => enforceAuthLimit(limiter, action, ip, account, limits);
  return [
    route({
      method: "POST",
      path: "/api/v1/auth/register",
      summary: "Create an account: a one-time code is sent to the e-mail (WT_OTP_SENDER); verify it, then an admin approves the account",
      tags: ["auth"],
      body: z.object({ email: Email, phone: Phone.optional(), name: Name, password: Password }).strict(),
      responses: OtpSent,
      handler: async (ctx) => {
        const meta = requestMeta(ctx);
        await enforce("register", meta.ip, ctx.body.email);
        await run(accounts.register(ctx.body, meta));
        return { status: 202, body: { status: "otp_sent", expires_in: 600 } };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/auth/verify-otp",
      summary: "Verify the registration code; the account then awaits an admin's approval (PATCH /users/{id} {status: active})",
      tags: ["auth"],
      body: z.object({ email: Email, code: Code }).strict(),
      responses: { 200: { description: "The verified account", schema: UserSchema } },
      handler: async (ctx) => {
        const meta = requestMeta(ctx);
        await enforce("verify", meta.ip, ctx.body.email);
        return { body: await run(accounts.verifyRegistration(ctx.body, meta)) };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/auth/login",
      summary: "Check e-mail and password, then send a login code (401 for either wrong, alike)",
      tags: ["auth"],
      body: z.object({ email: Email, password: z.string().min(1).max(200) }).strict(),
      responses: OtpSent,
      handler: async (ctx) => {
        const meta = requestMeta(ctx);
        await enforce("login", meta.ip, ctx.body.email);
        await run(accounts.login(ctx.body, meta));
        return { status: 202, body: { status: "otp_sent", expires_in: 600 } };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/auth/login/verify",
      summary: "Verify the login code → an access token (15 min) and a refresh token (rotates on use)",
      tags: ["auth"],
      body: z.object({ email: Email, code: Code }).strict(),
      responses: { 200: { description: "Tokens", schema: TokenPairSchema } },
      handler: async (ctx) => {
        const meta = requestMeta(ctx);
        await enforce("verify", meta.ip, ctx.body.email);
        return { body: await run(accounts.verifyLogin(ctx.body, meta)) };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/auth/refresh",
      summary: "Exchange a refresh token for a new pair; a refresh token used twice revokes its whole session",
      tags: ["auth"],
      body: z.object({ refresh: z.string().min(1).max(200) }).strict(),
      responses: { 200: { description: "Tokens", schema: TokenPairSchema } },
      handler: async (ctx) => {
        const meta = requestMeta(ctx);
        await enforce("refresh", meta.ip);
        return { body: await run(accounts.refresh(ctx.body.refresh, meta)) };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/auth/logout",
      summary: "End the session of this access token (and of `refresh`, if given and yours): both stop working at once",
      tags: ["auth"],
      body: z.object({ refresh: z.string().min(1).max(200).optional() }).strict(),
      handler: async (ctx) => {
        await run(accounts.logout(ctx.principal!, ctx.body.refresh, requestMeta(ctx)));
        return { status: 204 };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/auth/me",
      summary: "Your account (a static or device token has none: 404)",
      tags: ["auth"],
      responses: { 200: { description: "Your account", schema: UserSchema } },
      handler: async (ctx) => {
        const user = await accounts.me(ctx.principal!);
        if (!user) throw new HttpError(404, "no user account behind this token");
        return { body: user };
      },
    }),
    route({
      method: "PUT",
      path: "/api/v1/auth/me",
      summary: "Change your name, phone or password (with current_password; other sessions are ended)",
      tags: ["auth"],
      body: z
        .object({ name: Name.optional(), phone: Phone.optional(), password: Password.optional(), current_password: z.string().max(200).optional() })
        .strict(),
      responses: { 200: { description: "Your account", schema: UserSchema } },
      handler: async (ctx) => ({ body: await run(accounts.updateMe(ctx.principal!, ctx.body, requestMeta(ctx))) }),
    }),
  ];
}
