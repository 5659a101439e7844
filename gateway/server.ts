// Composition root: opens the database, migrates, warms the registry, wires writer → actors → live →
// gateway, listens, and shuts down gracefully (stop accepting, flush, ack, snapshot, close).
import uws from "uWebSockets.js";
import { Redis } from "ioredis";
import { DeviceTokenCache } from "../auth/device-token-cache.ts";
import { loadSecrets } from "../auth/secrets.ts";
import { TokenService } from "../auth/tokens.ts";
import { AccountService } from "../auth/accounts.ts";
import { createOtpSender } from "../auth/otp-senders/index.ts";
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from "../auth/rate-limit.ts";
import { ActorSystem } from "../engine/actor-system.ts";
import { FenceSet } from "../engine/fence-set.ts";
import { FenceIndex } from "../engine/fences/index.ts";
import type { Config } from "../engine/config.ts";
import { IngestPipeline } from "../engine/ingest-pipeline.ts";
import { OfflineWatch } from "../engine/offline-watch.ts";
import { LiveIndex } from "../engine/live-index.ts";
import { Registry } from "../engine/registry.ts";
import type { Database } from "../store/database.ts";
import type { Cache } from "../store/cache/cache.ts";
import { MemoryCache } from "../store/cache/memory-cache.ts";
import { RedisCache } from "../store/cache/redis-cache.ts";
import { BatchingFixWriter } from "../store/fix-writer.ts";
import { migrate } from "../store/migrate.ts";
import { openDatabase } from "../store/open-database.ts";
import { PartitionManager } from "../store/partitions.ts";
import { loadProfiles } from "../store/repos/animals.ts";
import { loadDeployments } from "../store/repos/collars.ts";
import { fencesVersion, loadFences } from "../store/repos/fences.ts";
import { behaviourModelsVersion, latestBehaviourModels } from "../store/repos/behaviour-models.ts";
import { BehaviourModelSet } from "../engine/behaviour/model-set.ts";
import { LiveHabitat } from "../engine/habitat/live-habitat.ts";
import { MicroBatcher } from "../engine/predict/batcher.ts";
import { LivePredictions } from "../engine/predict/live.ts";
import { stackSampler } from "../engine/predict/habitat.ts";
import { loadStudyArea } from "../engine/landscape/study-area.ts";
import { latestHabitatModel } from "../store/repos/habitat-models.ts";
import { resolve } from "node:path";
import { isDeviceTokenActive } from "../store/repos/devices.ts";
import { markAttached, quarantinedFor } from "../store/repos/quarantine.ts";
import { PgSnapshotStore } from "../store/snapshot-store.ts";
import { startAlerting, type Alerting, type StoredAlert } from "../alerts/alert-bus.ts";
import { startOfflineChecks } from "../alerts/offline-checks.ts";
import { ModelPool } from "../workers/pool.ts";
import type { DispatcherOptions } from "../alerts/webhook-dispatcher.ts";
import type { AuthLimits } from "./routes/auth-limits.ts";
import { buildApp, listen } from "./app.ts";
import { IngestGateway } from "./ingest.ts";
import { EngineMetrics } from "./metrics.ts";
import type { RegisteredRoute } from "./http/router.ts";
import type { Services } from "./services.ts";

export interface RunningServer {
  url: string;
  port: number;
  adminToken: string;
  adminTokenGenerated: boolean;
  db: Database;
  services: Services;
  /** Every REST route (for docs and role-table tests). */
  routes: () => ReadonlyArray<RegisteredRoute>;
  /** Graceful shutdown; resolves when everything acknowledged is stored and snapshots are written. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Use this database instead of opening one from the config (tests wrap it to simulate outages). */
  database?: Database;
  /** Webhook dispatcher tuning (tests shorten the backoff). */
  webhooks?: DispatcherOptions;
  /** Auth endpoint rate limits (tests shorten the windows). */
  authLimits?: AuthLimits;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const db = opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const migration = await migrate(db);
  if (migration.applied.length) log(`migrations applied: ${migration.applied.join(", ")} (${migration.variant})`);
  const partitions = new PartitionManager(db);
  await partitions.runOnce(); // partitions ahead of time, snapshot retention, rows stranded in a default partition
  partitions.start(60 * 60 * 1000);

  const secrets = await loadSecrets({ dataDir: config.dataDir, adminToken: config.adminToken, jwtSecret: config.jwtSecret });
  const deviceTokens = new DeviceTokenCache((jti) => isDeviceTokenActive(db, jti));
  const otpSender = createOtpSender(config);
  // The token service asks the account service whether a user session is still open; the account
  // service signs with the token service: bound through closures.
  const accounts: AccountService = new AccountService(db, () => tokens, otpSender, secrets.jwtSecret, log);
  const tokens = new TokenService({
    adminToken: secrets.adminToken,
    jwtSecret: secrets.jwtSecret,
    previousSecrets: config.jwtPreviousSecrets.map((k) => new TextEncoder().encode(k)),
    isDeviceTokenActive: (jti) => deviceTokens.isActive(jti),
    sessionRole: (sid) => accounts.sessionRole(sid),
  });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
  if (redis) await redis.connect().catch((err: Error) => log(`redis: ${err.message} (will keep retrying)`));
  const limiter: RateLimiter = redis ? new RedisRateLimiter(redis, { log }) : new MemoryRateLimiter();

  const registry = new Registry();
  for (const p of await loadProfiles(db)) registry.setProfile(p);
  for (const d of await loadDeployments(db)) {
    registry.addDeployment({ collar_id: d.collar_id, animal_id: d.animal_id, from: Date.parse(d.from), to: d.to ? Date.parse(d.to) : null });
  }
  for (const row of (await db.query<{ id: string }>("SELECT id FROM collars")).rows) registry.addCollar(row.id);

  // Fix alerts are stored in their fix's transaction; the alerting module (bound below, it needs the
  // Socket.IO server) delivers them after commit. No fix reaches the writer before it is bound.
  let alerting: Alerting | null = null;
  const writer = new BatchingFixWriter(db, {
    alerts: {
      insert: (tx, alerts) => alerting!.fixAlerts.insert(tx, alerts),
      committed: (stored) => alerting!.fixAlerts.committed(stored as StoredAlert[]),
      refused: (alerts, err) => alerting!.fixAlerts.refused?.(alerts, err),
    },
  });
  let ingest: IngestGateway | null = null;
  const metrics = new EngineMetrics({
    writerDepth: () => writer.depth,
    writerLagMs: () => writer.lagMs,
    writerHealthy: () => writer.healthy,
    actorsLive: () => actors.liveCount,
    ingestConnections: () => ingest?.connections ?? 0,
  });
  let publish: (p: import("../engine/types.ts").LivePosition) => void = () => {};
  // Spatial index of live positions (GET /nearby/*), fed with every position an actor accepts.
  const liveIndex = new LiveIndex();
  // collar_offline for every deployed collar, live or passivated (engine/offline-watch.ts).
  const offline = new OfflineWatch();
  const fences = new FenceSet(() => loadFences(db), (all) => new FenceIndex(all), () => fencesVersion(db));
  await fences.reload();
  // Edits made through other nodes (this node reloads at once on its own edits).
  fences.watch(config.fencePollMs, (err) => log(`fences: reload check failed: ${(err as Error)?.message ?? err}`));
  // Behaviour HMMs per species (fitted through POST /behaviour/models); polled like fences.
  const behaviourModels = new BehaviourModelSet(
    async () => latestBehaviourModels(db),
    () => behaviourModelsVersion(db),
    log,
  );
  await behaviourModels.reload();
  behaviourModels.watch(config.fencePollMs, (err) => log(`behaviour models: reload check failed: ${(err as Error)?.message ?? err}`));
  let predictions: LivePredictions | null = null;
  // Habitat scores for positions: the study area's covariates and (once fitted) the newest model.
  const habitat = new LiveHabitat(config.studyArea ? await loadStudyArea(config.studyArea, resolve(config.dataDir, "study-area")) : null);
  const actors = new ActorSystem({
    habitat: (lon, lat) => habitat.scoreAt(lon, lat),
    fences: () => fences.current,
    behaviour: (species) => behaviourModels.forSpecies(species),
    analyze: config.analyzers,
    snapshots: new PgSnapshotStore(db),
    onPosition: (p) => {
      liveIndex.update(p);
      offline.observe(p.animal, p.collar, Date.parse(p.ts), p.lat, p.lon, p.interval_s);
      predictions?.observe(p);
      p.predicted = predictions?.latest(p.animal)?.path ?? null;
      publish(p);
    },
    fixesStored: () => writer.flush(),
    idleMs: config.actorIdleMs,
    snapshotIntervalMs: config.snapshotIntervalMs,
    onError: (err, ctx) => log(`actors: ${ctx.op}${ctx.animal ? ` ${ctx.animal}` : ""} failed (will retry): ${(err as Error)?.message ?? err}`),
  });
  const pipeline = new IngestPipeline(registry, actors, writer, {
    quarantined: () => metrics.fixesQuarantined.inc(),
    actorFailed: (animal, err) => {
      metrics.actorFailures.inc();
      log(`actor ${animal} failed: ${(err as Error)?.message ?? err}`);
    },
  });

  const cache: Cache = redis ? new RedisCache(redis) : new MemoryCache();
  const pool = new ModelPool({ threads: config.poolThreads, maxQueue: config.poolMaxQueue });
  // The next-position model must load and match its card, or the server does not start.
  try {
    await pool.run("lstm.check", {});
  } catch (err) {
    await pool.close();
    throw new Error(`next-position model cannot be used: ${(err as Error).message}`);
  }
  const batcher = new MicroBatcher((features, n) => pool.run("lstm.predict", { features, n }, { timeoutMs: 30_000 }));
  predictions = new LivePredictions({
    batcher,
    sampler: habitat.stack ? stackSampler(habitat.stack) : undefined,
    minIntervalMs: config.predictIntervalMs,
    fences: () => fences.current,
    onPrediction: (p, entries) => {
      const position = actors.livePosition(p.animal);
      if (position) {
        position.predicted = p.path;
        publish(position);
      }
      const herd = registry.profile(p.animal)?.herd ?? null;
      for (const e of entries) {
        void alerting
          ?.publish({
            kind: "predicted_risk_entry",
            severity: "warning",
            animal: p.animal,
            collar: p.collar,
            herd,
            fence: e.fence,
            ts: p.origin.ts,
            lat: e.lat,
            lon: e.lon,
            detail: { horizon: e.horizon, probability: e.probability, predicted_ts: e.ts, from: p.origin },
            dedupe_key: `${p.animal}:predicted_risk_entry:${e.fence}:${p.origin.ts}`,
          })
          .catch((err: unknown) => log(`predicted_risk_entry for ${p.animal} not published: ${(err as Error)?.message ?? err}`));
      }
    },
    onError: (animal, err) => log(`prediction for ${animal} failed: ${(err as Error)?.message ?? err}`),
  });
  // The newest habitat model must load (its file present, its signature its card's): a clear start
  // error otherwise, not a server quietly scoring nothing.
  const habitatModel = await latestHabitatModel(db);
  if (habitatModel && habitat.stack) {
    const onnxPath = resolve(config.dataDir, habitatModel.file);
    try {
      const raster = await pool.run<Float32Array>("habitat.raster", { onnxPath, stack: habitat.stack });
      habitat.use({ id: habitatModel.id, version: habitatModel.version, onnxPath, raster });
    } catch (err) {
      await pool.close();
      throw new Error(`habitat model v${habitatModel.version} cannot be used: ${(err as Error).message}`);
    }
  }
  const services: Services = {
    db,
    cache,
    fences,
    unstored: () => writer.depth + pipeline.pending,
    maxUnstored: config.writerMaxQueue,
    live: actors,
    liveIndex,
    registry,
    tokens,
    accounts,
    limiter,
    pool,
    predictions: predictions!,
    batcher,
    dataDir: config.dataDir,
    habitat,
    behaviourModels,
    authLimits: opts.authLimits,
    deviceTokens,
    pipeline,
    metrics,
    livePosition: (animal) => actors.livePosition(animal),
    readiness: async () => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await db.query("SELECT 1");
        checks.database = { ok: true, detail: db.kind };
      } catch (err) {
        checks.database = { ok: false, detail: (err as Error).message };
      }
      const unstored = writer.depth + pipeline.pending;
      checks.writer = writer.healthy
        ? { ok: unstored < config.writerMaxQueue, detail: `${unstored} fixes waiting for commit` }
        : { ok: false, detail: "database writes failing; retrying" };
      const poolHealth = pool.health();
      try {
        await pool.run("ping", null, { timeoutMs: 5_000 });
        checks.workers = { ok: poolHealth.ok, detail: `${poolHealth.threads}/${poolHealth.maxThreads} threads, ${poolHealth.queueSize}/${poolHealth.maxQueue} queued` };
      } catch (err) {
        checks.workers = { ok: false, detail: (err as Error).message };
      }
      if (redis) {
        try {
          await redis.ping();
          checks.redis = { ok: true };
        } catch (err) {
          checks.redis = { ok: false, detail: (err as Error).message };
        }
      }
      return checks;
    },
    attachQuarantined: async (collar, animal, from, to) => {
      // Through the same pipeline as live fixes, so they get metrics and flags; a fix the database
      // rejects stays in quarantine (not attached) and the rest go on.
      // Quarantine rows still queued in the writer would be committed after our read and missed.
      await writer.flush();
      let attached = 0;
      for (;;) {
        const fixes = await quarantinedFor(db, collar, from, to, 5000);
        const stored: number[] = [];
        await Promise.all(
          fixes.map((fix) => new Promise<void>((resolve) => pipeline.submit(fix, { stored: () => (stored.push(fix.ts), resolve()), rejected: () => resolve() }))),
        );
        await markAttached(db, collar, stored, animal);
        attached += stored.length;
        if (fixes.length < 5000 || stored.length === 0) return attached;
      }
    },
  };

  ingest = new IngestGateway({
    tokens,
    pipeline,
    // Fixes not yet stored anywhere: in actor mailboxes (activations wait on the database too) or the writer.
    writerDepth: () => writer.depth + pipeline.pending,
    maxQueue: config.writerMaxQueue,
    msgRatePerS: config.ingestMsgRate,
    counters: {
      received: (n) => metrics.fixesReceived.inc(n),
      acked: (n) => metrics.fixesAcked.inc(n),
      nacked: (n) => metrics.fixesNacked.inc(n),
    },
  });
  services.closeDeviceConnections = (tokenId) => void ingest!.closeToken(tokenId);
  const built = buildApp({ services, tokens, ingest, liveIntervalMs: config.liveIntervalMs, liveCounters: { broadcast: (n) => metrics.broadcasts.inc(n) }, webhookAllowPrivate: config.webhookAllowPrivate, corsOrigins: config.corsOrigins, maxBodyBytes: config.maxBodyBytes, trustProxy: config.trustProxy, socketMsgRate: config.socketMsgRate });
  publish = (p) => built.live.publish(p);
  // Alerts: persisted first, then /alerts + /live, the Redis stream and durable webhook deliveries.
  const bus = startAlerting({ db, io: built.io, tokens, redis, log, socketMsgRate: config.socketMsgRate, webhooks: { allowPrivate: config.webhookAllowPrivate, ...opts.webhooks } });
  alerting = bus;
  services.alerting = bus;
  metrics.addAlerting(() => bus.metrics());
  metrics.addPool(() => pool.health());
  const offlineTimer = startOfflineChecks({ offline, registry, alerting: bus, db, periodMs: config.offlineCheckMs, log });
  const { socket, port } = await listen(built.app, config.host, config.port);
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      uws.us_listen_socket_close(socket); // no new connections
      ingest!.stopAccepting();
      // Every step is time-boxed: with the database down, shutdown must still end. What is not stored
      // by then was not acked either, and collars resend it.
      const deadline = Date.now() + config.shutdownTimeoutMs;
      const left = () => Math.max(0, deadline - Date.now());
      if (!(await within(writer.flush(), left()))) {
        log(`shutdown: ${writer.depth} fixes not stored after ${config.shutdownTimeoutMs} ms; they were not acked and collars will resend them`);
      }
      await new Promise((r) => setImmediate(r)); // let the last acks go out
      ingest!.closeAll();
      if (!(await within(actors.shutdown({ drainTimeoutMs: Math.min(10_000, left()) }), left() + 1000))) log("shutdown: actor snapshots not all written");
      built.live.close();
      offlineTimer.stop();
      fences.stop();
      behaviourModels.stop();
      await within(bus.close(), 5000);
      built.io.close();
      await partitions.stop();
      await within(writer.close(), left());
      redis?.disconnect();
      await within(otpSender.close?.() ?? Promise.resolve(), 2000);
      await within(pool.close(), 5000);
      if (!opts.database) await within(db.close(), 5000);
    })());

  return { url, port, adminToken: secrets.adminToken, adminTokenGenerated: secrets.adminTokenGenerated, db, services, routes: () => built.router.list(), close };
}

/** True when the promise settles within ms (its result is ignored), false on timeout. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    t.unref();
    p.then(
      () => (clearTimeout(t), resolve(true)),
      () => (clearTimeout(t), resolve(true)),
    );
  });
}
