// Drives the collar_offline watch: seeds it from storage once (animals whose actors are not live,
// and everything after a restart), then checks it on a timer and publishes what it finds. A
// publication that fails (database down) is re-armed and retried on the next check; the alert's
// dedupe key (animal + last fix) keeps retries, restarts and a second node from storing it twice.
import type { OfflineWatch } from "../engine/offline-watch.ts";
import type { Registry } from "../engine/registry.ts";
import type { Database } from "../store/database.ts";
import { loadCollarRhythms } from "../store/repos/collar-rhythm.ts";
import type { Alerting } from "./alert-bus.ts";

export interface OfflineChecksDeps {
  offline: OfflineWatch;
  registry: Registry;
  alerting: Pick<Alerting, "publish">;
  db: Database;
  periodMs: number;
  log: (line: string) => void;
  clock?: () => number;
}

export interface OfflineChecks {
  /** One check now (the timer calls this); resolves when its alerts are published or re-armed. */
  checkNow(): Promise<number>;
  /** Resolves when the seed from storage has been applied (or failed and was logged). */
  readonly seeded: Promise<void>;
  stop(): void;
}

export function startOfflineChecks(deps: OfflineChecksDeps): OfflineChecks {
  const clock = deps.clock ?? Date.now;
  const seeded = loadCollarRhythms(deps.db).then(
    (rows) => {
      for (const r of rows) deps.offline.seed(r.animal, r.collar, r.ts, r.lat, r.lon, r.intervals);
    },
    (err: unknown) => deps.log(`collar_offline: could not read collar rhythms (live fixes will rebuild them): ${(err as Error)?.message ?? err}`),
  );
  const stillDeployed = (animal: string, collar: string) => {
    const r = deps.registry.resolve(collar, clock());
    return "animal" in r && r.animal.id === animal;
  };
  let running: Promise<number> | null = null;
  const checkNow = () =>
    (running ??= (async () => {
      await seeded;
      let published = 0;
      for (const a of deps.offline.check(clock(), stillDeployed)) {
        const herd = deps.registry.profile(a.animal)?.herd ?? null;
        try {
          await deps.alerting.publish({ kind: a.kind, severity: a.severity, animal: a.animal, collar: a.collar, herd, ts: a.ts, lat: a.lat, lon: a.lon, detail: a.detail, dedupe_key: a.key });
          published++;
        } catch (err) {
          deps.offline.rearm(a.animal, a.lastFixTs);
          deps.log(`collar_offline for ${a.animal} not published (retrying at the next check): ${(err as Error)?.message ?? err}`);
        }
      }
      return published;
    })().finally(() => {
      running = null;
    }));
  const timer = setInterval(() => void checkNow(), Math.max(10, deps.periodMs));
  timer.unref();
  return { checkNow, seeded, stop: () => clearInterval(timer) };
}
