// WT_DEMO: built-in simulated herds streaming into this server over the real /ingest protocol, so a
// newcomer's `npm start` shows live animals with no setup. Registration is idempotent across restarts.
import type { Config } from "../engine/config.ts";
import { CollarFleet } from "../simulator/collar-fleet.ts";
import type { Species } from "../simulator/movement.ts";
import { createAnimal } from "../store/repos/animals.ts";
import { deployCollar, insertCollar } from "../store/repos/collars.ts";
import { createGateway, recordDeviceToken } from "../store/repos/devices.ts";
import { createFamily, createHerd } from "../store/repos/herds.ts";
import type { RunningServer } from "./server.ts";
import { syntheticLandscape } from "../engine/landscape/synthetic.ts";

const DEMO_HERDS: Array<{ species: Species; species_name: string; herd: string; family: string; names: string[] }> = [
  { species: "elephant", species_name: "Loxodonta africana", herd: "Mara elephants", family: "Matriarch Nkai's family", names: ["Nkai", "Saruni", "Naserian", "Lemayian", "Sopia", "Kitili"] },
  { species: "wildebeest", species_name: "Connochaetes taurinus", herd: "Serengeti wildebeest", family: "Western corridor group", names: ["Tumaini", "Baraka", "Zawadi", "Imani", "Jabari", "Neema"] },
];
const DEMO_START_BACKLOG_MS = 2 * 60 * 60 * 1000; // the dashboard starts with two hours of tracks

export async function startDemo(server: RunningServer, config: Config, log: (line: string) => void): Promise<{ collars: number; stop: () => Promise<void> }> {
  const db = server.db;
  const collars: Array<{ id: string; species: Species; herd: string }> = [];
  for (let i = 0; i < config.demoCollars; i++) {
    const group = DEMO_HERDS[i % DEMO_HERDS.length]!;
    collars.push({ id: `DEMO${String(i + 1).padStart(3, "0")}`, species: group.species, herd: group.herd });
  }

  const existing = new Set((await db.query<{ id: string }>("SELECT id FROM collars WHERE id LIKE 'DEMO%'")).rows.map((r) => r.id));
  const missing = collars.filter((c) => !existing.has(c.id));
  if (missing.length) {
    const families = new Map<string, string>();
    for (const g of DEMO_HERDS) {
      const herd = await createHerd(db, { species_name: g.species_name, name: g.herd });
      families.set(g.herd, (await createFamily(db, { herd_id: herd.id, friendly_name: g.family })).id);
    }
    const since = Date.now() - DEMO_START_BACKLOG_MS - 60_000;
    for (const c of missing) {
      const group = DEMO_HERDS.find((g) => g.herd === c.herd)!;
      const n = Number(c.id.slice(4)) - 1;
      const name = `${group.names[Math.floor(n / DEMO_HERDS.length) % group.names.length]} ${c.id.slice(4)}`;
      const animal = await createAnimal(db, { name, species: group.species, family_id: families.get(c.herd)! });
      await insertCollar(db, { id: c.id, model: "simulated" });
      await db.transaction((tx) => deployCollar(tx, c.id, animal.id, since));
      server.services.registry.setProfile({ id: animal.id, name, species: group.species, herd: null, family: families.get(c.herd)! });
      server.services.registry.addDeployment({ collar_id: c.id, animal_id: animal.id, from: since, to: null });
    }
    // Herd ids come from the database join; reload the profiles of the new animals with their herd.
    const { loadProfiles } = await import("../store/repos/animals.ts");
    for (const p of await loadProfiles(db)) server.services.registry.setProfile(p);
  }

  const gw = await createGateway(db, "demo simulator");
  const { token, jti } = await server.services.tokens.signDevice({ kind: "gateway", gateway: gw.id });
  await recordDeviceToken(db, { jti, kind: "gateway", gateway: gw.id });

  // Continue after what earlier demo runs stored, so restarts do not send fixes older than the latest.
  const last = (await db.query<{ t: Date | string | null }>("SELECT max(ts) AS t FROM fixes WHERE collar_id LIKE 'DEMO%'")).rows[0]?.t;
  const start = Math.max(Date.now() - DEMO_START_BACKLOG_MS, last ? new Date(last).getTime() + 60_000 : 0);
  const fleet = new CollarFleet({
    url: server.url.replace(/^http/, "ws") + "/ingest",
    token,
    collars: collars.map((c) => ({ id: c.id, species: c.species, herd: c.herd })),
    ratePerSecond: config.demoRate,
    intervalSeconds: 60,
    start,
    connections: 2,
    seed: `demo-${start}`,
    // The demo herds select habitat on the synthetic Mara-like landscape (water, forage, away from villages).
    habitat: { stack: syntheticLandscape("mara") },
    log: (line) => log(`demo: ${line}`),
  }).start();
  return { collars: collars.length, stop: () => fleet.stop() };
}
