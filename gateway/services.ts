// What REST handlers may use. Built once by the server and passed to every route factory.
import type { Alerting } from "../alerts/alert-bus.ts";
import type { AccountService } from "../auth/accounts.ts";
import type { DeviceTokenCache } from "../auth/device-token-cache.ts";
import type { RateLimiter } from "../auth/rate-limit.ts";
import type { AuthLimits } from "./routes/auth-limits.ts";
import type { ModelPool } from "../workers/pool.ts";
import type { BehaviourModelSet } from "../engine/behaviour/model-set.ts";
import type { LiveHabitat } from "../engine/habitat/live-habitat.ts";
import type { LivePredictions } from "../engine/predict/live.ts";
import type { MicroBatcher } from "../engine/predict/batcher.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { IngestPipeline } from "../engine/ingest-pipeline.ts";
import type { LiveIndex } from "../engine/live-index.ts";
import type { Registry } from "../engine/registry.ts";
import type { LivePosition } from "../engine/types.ts";
import type { FenceSet } from "../engine/fence-set.ts";
import type { Cache } from "../store/cache/cache.ts";
import type { Database } from "../store/database.ts";
import type { EngineMetrics } from "./metrics.ts";

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

/** Read-only view of the actors' in-memory state (never their mutable state). */
export interface LiveView {
  livePosition(animal: string): LivePosition | null;
  forEachLive(cb: (position: LivePosition) => void): void;
  readonly liveCount: number;
}

export interface Services {
  db: Database;
  /** Corridors and risk zones as indexed by the engine; reload() after every fence change. */
  fences: FenceSet;
  /** Read-through cache for hot read paths: Redis with REDIS_URL, in-process otherwise. */
  cache: Cache;
  /** Fixes accepted but not yet stored; above maxUnstored new REST tracking answers 503 (like /ingest's overloaded). */
  unstored(): number;
  readonly maxUnstored: number;
  /** Live state of active animals, from the actors in memory. */
  live: LiveView;
  /** Spatial index of the latest accepted live position of every animal seen since start (nearby queries). */
  liveIndex: LiveIndex;
  registry: Registry;
  tokens: TokenService;
  /** User accounts, sessions and one-time codes. */
  accounts: AccountService;
  /** Shared rate limiter (Redis with REDIS_URL). */
  limiter: RateLimiter;
  /** Limits on the auth endpoints (AUTH_LIMITS unless a test shortens them). */
  authLimits?: AuthLimits;
  /** Device token check cache: revocations through this node apply at once. */
  deviceTokens: DeviceTokenCache;
  /** Worker threads for model work (fits, decoding, home ranges). */
  pool: ModelPool;
  /** Live next-position forecasts (latest per animal) and the micro-batcher they go through. */
  predictions: LivePredictions;
  batcher: MicroBatcher;
  /** WT_DATA_DIR: local files (fitted model files live under models/). */
  dataDir: string;
  /** Study area covariates and the habitat model scoring live positions. */
  habitat: LiveHabitat;
  /** The behaviour model in force per species; reload() after fitting one. */
  behaviourModels: BehaviourModelSet;
  /** Closes open /ingest connections authenticated with this device token id. */
  closeDeviceConnections?(tokenId: string): void;
  pipeline: IngestPipeline;
  metrics: EngineMetrics;
  /** Latest live position of an animal from its actor, if it is active in memory. */
  livePosition(animal: string): LivePosition | null;
  /** Alert publishing (persist, then /alerts + /live, webhooks, Redis `wt:alerts`); set once startAlerting() ran. */
  alerting?: Alerting;
  /** Readiness of each dependency, for GET /health/ready. */
  readiness(): Promise<Record<string, ReadinessCheck>>;
  /** Moves a collar's quarantined fixes inside [from, to) through the pipeline onto `animal`. */
  attachQuarantined(collar: string, animal: string, from: number, to: number | null): Promise<number>;
}
