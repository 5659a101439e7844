// Configuration: read once from the environment, validated with zod, one clear line per invalid variable.
import { z } from "zod";

const bool01 = z.enum(["0", "1", "true", "false"], { error: "must be 0 or 1" }).transform((v) => v === "1" || v === "true");
const POSITIVE = "must be a positive integer";
const positiveInt = (def: number) => z.coerce.number({ error: POSITIVE }).int(POSITIVE).positive(POSITIVE).default(def);
const PORT_MSG = "must be a port number from 0 to 65535";

const EnvSchema = z.object({
  PORT: z.coerce.number({ error: PORT_MSG }).int(PORT_MSG).min(0, PORT_MSG).max(65535, PORT_MSG).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  WT_DATA_DIR: z.string().min(1).default("./data"),
  WT_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  WT_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  WT_DEMO: bool01.optional(),
  WT_OTP_SENDER: z.enum(["outbox", "smtp", "webhook"], { error: "must be outbox, smtp or webhook" }).default("outbox"),
  // Extensions beyond API.md: tuning knobs with safe defaults.
  WT_LIVE_INTERVAL_MS: z.coerce.number({ error: "must be milliseconds from 0 to 60000" }).int().min(0, "must be milliseconds from 0 to 60000").max(60_000, "must be milliseconds from 0 to 60000").default(20),
  WT_SNAPSHOT_INTERVAL_S: positiveInt(60),
  WT_OFFLINE_CHECK_S: positiveInt(60),
  WT_FENCE_POLL_S: positiveInt(5),
  WT_ACTOR_IDLE_S: positiveInt(600),
  WT_WRITER_MAX_QUEUE: positiveInt(100_000),
  WT_DEMO_COLLARS: positiveInt(24),
  WT_DEMO_RATE: z.coerce.number({ error: "must be a positive number" }).positive("must be a positive number").default(20),
  WT_SHUTDOWN_TIMEOUT_S: positiveInt(30),
  WT_ANALYZERS: bool01.optional(),
  WT_WEBHOOK_ALLOW_PRIVATE: bool01.optional(),
  // People and permissions.
  WT_JWT_PREVIOUS_SECRETS: z
    .string()
    .refine((v) => v.split(",").every((k) => k.trim().length >= 32), "must be comma-separated keys of at least 32 characters each")
    .optional(),
  WT_CORS_ORIGINS: z
    .string()
    .refine((v) => v.split(",").every((o) => /^https?:\/\/[^/\s,]+$/.test(o.trim())), "must be comma-separated origins like https://dashboard.example.org")
    .optional(),
  WT_TRUST_PROXY: bool01.optional(),
  WT_SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
  WT_OTP_FROM: z.string().min(3).default("Wildlife Tracker <no-reply@localhost>"),
  WT_OTP_WEBHOOK_URL: z.string().regex(/^https?:\/\//, "must be an http:// or https:// URL").optional(),
  WT_OTP_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  WT_INGEST_MSG_RATE: positiveInt(50),
  WT_SOCKET_MSG_RATE: positiveInt(20),
  WT_MAX_BODY_BYTES: positiveInt(1_048_576),
  // Worker pool for model work.
  WT_POOL_THREADS: z.coerce.number({ error: POSITIVE }).int(POSITIVE).positive(POSITIVE).optional(),
  WT_POOL_MAX_QUEUE: positiveInt(256),
  WT_PREDICT_INTERVAL_S: z.coerce.number({ error: "must be a whole number of seconds (0: every fix)" }).int("must be a whole number of seconds (0: every fix)").min(0, "must be a whole number of seconds (0: every fix)").default(300),
  WT_STUDY_AREA: z
    .string()
    .refine((v) => /^synthetic(:.+)?$/.test(v) || v.startsWith("/") || v.startsWith("."), "must be synthetic, synthetic:SEED, or a directory path of GeoTIFFs")
    .optional(),
});

export type Env = z.input<typeof EnvSchema>;

const SECRETS = new Set(["WT_ADMIN_TOKEN", "WT_JWT_SECRET", "WT_JWT_PREVIOUS_SECRETS", "WT_OTP_WEBHOOK_SECRET"]);

/** A value for an error line: secrets hidden, passwords in URLs masked. */
function shown(name: string, value: string): string {
  if (SECRETS.has(name)) return `(hidden, ${value.length} characters)`;
  return JSON.stringify(value.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, "$1:***@"));
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  jwtSecret: string | undefined;
  demo: boolean;
  otpSender: "outbox" | "smtp" | "webhook";
  liveIntervalMs: number;
  snapshotIntervalMs: number;
  offlineCheckMs: number;
  fencePollMs: number;
  actorIdleMs: number;
  writerMaxQueue: number;
  demoCollars: number;
  demoRate: number;
  shutdownTimeoutMs: number;
  analyzers: boolean;
  /** Webhooks may target private addresses (loopback, RFC 1918, CGNAT, IPv6 ULA). */
  webhookAllowPrivate: boolean;
  /** Older signing keys still accepted for verification (key rotation). */
  jwtPreviousSecrets: string[];
  /** Browser origins allowed cross-origin (CORS); empty: same-origin only. */
  corsOrigins: string[];
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  smtpUrl: string | undefined;
  otpFrom: string;
  otpWebhookUrl: string | undefined;
  otpWebhookSecret: string | undefined;
  /** Messages per second per /ingest connection (burst: twice that). */
  ingestMsgRate: number;
  /** Events per second per Socket.IO client (burst: twice that). */
  socketMsgRate: number;
  /** Largest accepted REST request body (413 above). */
  maxBodyBytes: number;
  /** Model worker threads (undefined: one per core) and the most tasks waiting for one. */
  poolThreads: number | undefined;
  poolMaxQueue: number;
  /** At most one live next-position forecast per animal this often. */
  predictIntervalMs: number;
  /** Covariates for habitat scoring: synthetic[:seed] or a directory of GeoTIFFs; undefined: none. */
  studyArea: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError with one line per invalid variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset": shells and compose files often export VAR= .
  const cleaned = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === "" ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "environment");
      return `invalid configuration: ${name}=${shown(name, env[name] ?? "")}: ${i.message}`;
    });
    throw new ConfigError(lines);
  }
  const e = parsed.data;
  const missing: string[] = [];
  if (e.WT_OTP_SENDER === "smtp" && !e.WT_SMTP_URL) missing.push("invalid configuration: WT_SMTP_URL: required when WT_OTP_SENDER=smtp");
  if (e.WT_OTP_SENDER === "webhook" && !e.WT_OTP_WEBHOOK_URL) missing.push("invalid configuration: WT_OTP_WEBHOOK_URL: required when WT_OTP_SENDER=webhook");
  if (missing.length) throw new ConfigError(missing);
  const list = (v: string | undefined) => (v ? v.split(",").map((x) => x.trim()).filter((x) => x !== "") : []);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: e.WT_DATA_DIR,
    adminToken: e.WT_ADMIN_TOKEN,
    jwtSecret: e.WT_JWT_SECRET,
    demo: e.WT_DEMO ?? e.DATABASE_URL === undefined,
    otpSender: e.WT_OTP_SENDER,
    liveIntervalMs: e.WT_LIVE_INTERVAL_MS,
    snapshotIntervalMs: e.WT_SNAPSHOT_INTERVAL_S * 1000,
    offlineCheckMs: e.WT_OFFLINE_CHECK_S * 1000,
    fencePollMs: e.WT_FENCE_POLL_S * 1000,
    actorIdleMs: e.WT_ACTOR_IDLE_S * 1000,
    writerMaxQueue: e.WT_WRITER_MAX_QUEUE,
    demoCollars: e.WT_DEMO_COLLARS,
    demoRate: e.WT_DEMO_RATE,
    shutdownTimeoutMs: e.WT_SHUTDOWN_TIMEOUT_S * 1000,
    analyzers: e.WT_ANALYZERS ?? true,
    webhookAllowPrivate: e.WT_WEBHOOK_ALLOW_PRIVATE ?? false,
    jwtPreviousSecrets: list(e.WT_JWT_PREVIOUS_SECRETS),
    corsOrigins: list(e.WT_CORS_ORIGINS),
    trustProxy: e.WT_TRUST_PROXY ?? false,
    smtpUrl: e.WT_SMTP_URL,
    otpFrom: e.WT_OTP_FROM,
    otpWebhookUrl: e.WT_OTP_WEBHOOK_URL,
    otpWebhookSecret: e.WT_OTP_WEBHOOK_SECRET,
    ingestMsgRate: e.WT_INGEST_MSG_RATE,
    socketMsgRate: e.WT_SOCKET_MSG_RATE,
    maxBodyBytes: e.WT_MAX_BODY_BYTES,
    poolThreads: e.WT_POOL_THREADS,
    poolMaxQueue: e.WT_POOL_MAX_QUEUE,
    predictIntervalMs: e.WT_PREDICT_INTERVAL_S * 1000,
    studyArea: e.WT_STUDY_AREA ?? ((e.WT_DEMO ?? e.DATABASE_URL === undefined) ? "synthetic:mara" : undefined),
  };
}

/** Variables and their meaning, for `wt --help` and the README. */
export const CONFIG_HELP: Array<[string, string, string]> = [
  ["PORT", "listen port", "8080"],
  ["HOST", "listen address", "127.0.0.1"],
  ["DATABASE_URL", "PostgreSQL with PostGIS (TimescaleDB used when installed)", "unset: embedded PGlite + PostGIS in WT_DATA_DIR"],
  ["REDIS_URL", "Redis: shared caches, rate limits and the wt:alerts stream", "unset: in-process"],
  ["WT_DATA_DIR", "embedded database and local files", "./data"],
  ["WT_ADMIN_TOKEN", "static bearer token with role admin", "generated on first start, stored in WT_DATA_DIR/admin-token"],
  ["WT_JWT_SECRET", "key for signing tokens (≥ 32 chars)", "generated on first start, stored in WT_DATA_DIR/jwt-secret"],
  ["WT_DEMO", "1 runs the built-in simulated herds against the server", "1 when DATABASE_URL is unset, else 0"],
  ["WT_OTP_SENDER", "how one-time codes reach users: outbox (JSON lines in WT_DATA_DIR/outbox.jsonl) | smtp | webhook", "outbox"],
  ["WT_SMTP_URL", "SMTP server for WT_OTP_SENDER=smtp, smtp[s]://user:password@host:port", "unset"],
  ["WT_OTP_FROM", "sender address of OTP e-mails", "Wildlife Tracker <no-reply@localhost>"],
  ["WT_OTP_WEBHOOK_URL", "URL that receives {to,code,purpose,ts} for WT_OTP_SENDER=webhook (e.g. an SMS gateway)", "unset"],
  ["WT_OTP_WEBHOOK_SECRET", "HMAC-SHA256 key for the OTP webhook's X-WT-Signature (≥ 16 chars)", "unset: unsigned"],
  ["WT_JWT_PREVIOUS_SECRETS", "comma-separated earlier WT_JWT_SECRET values still accepted for verification (key rotation)", "unset"],
  ["WT_CORS_ORIGINS", "comma-separated browser origins allowed cross-origin (REST and Socket.IO)", "unset: same-origin only"],
  ["WT_TRUST_PROXY", "1 takes the client address from the last X-Forwarded-For entry (only behind one reverse proxy you run)", "0"],
  ["WT_INGEST_MSG_RATE", "messages per second per /ingest connection (burst twice that); more get rate_limited", "50"],
  ["WT_SOCKET_MSG_RATE", "events per second per Socket.IO client (burst twice that)", "20"],
  ["WT_MAX_BODY_BYTES", "largest REST request body; larger ones get 413 without being read", "1048576"],
  ["WT_POOL_THREADS", "worker threads for model fits, decoding and home ranges", "one per core"],
  ["WT_POOL_MAX_QUEUE", "model tasks waiting for a thread before new ones get 503", "256"],
  ["WT_PREDICT_INTERVAL_S", "at most one live next-position forecast per animal this often, 0 = every fix (forecasts go to the pool in micro-batches)", "300"],
  ["WT_STUDY_AREA", "covariates for habitat scoring: a directory with elevation.tif, ndvi.tif, dist_water.tif, landcover.tif, dist_settlement.tif (EPSG:4326), or synthetic[:SEED] (the generated Mara-like landscape)", "synthetic:mara with WT_DEMO, else unset (no habitat scores)"],
  ["WT_LIVE_INTERVAL_MS", "live position coalescing interval", "20"],
  ["WT_SNAPSHOT_INTERVAL_S", "how often changed actor state is snapshotted", "60"],
  ["WT_OFFLINE_CHECK_S", "how often deployed collars are checked for silence (collar_offline)", "60"],
  ["WT_FENCE_POLL_S", "how often a node checks for fence edits made through other nodes", "5"],
  ["WT_ACTOR_IDLE_S", "idle time before an actor is passivated", "600"],
  ["WT_WRITER_MAX_QUEUE", "fixes waiting for commit before ingest reports overloaded", "100000"],
  ["WT_DEMO_COLLARS", "demo simulator collars", "24"],
  ["WT_DEMO_RATE", "demo simulator fixes per second (total)", "20"],
  ["WT_SHUTDOWN_TIMEOUT_S", "how long graceful shutdown waits for the writer to flush", "30"],
  ["WT_ANALYZERS", "0 turns off the per-fix analyzers (speed anomaly, immobility, low battery)", "1"],
  ["WT_WEBHOOK_ALLOW_PRIVATE", "1 lets webhooks target private addresses (loopback, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); link-local (cloud metadata) is always refused", "0"],
];
