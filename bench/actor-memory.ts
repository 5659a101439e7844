// Memory per live actor: activates N actors (default 100,000), fills each window (64 fixes), and
// measures what stays allocated after GC; then passivates them all and measures again.
//   node --expose-gc bin/run-ts.mjs bench/actor-memory.ts [N]
// Target: ≤ 8 KB per live actor including its window (100,000 live animals in < 1 GB).

import { ActorSystem } from "../engine/actor-system.ts";
import { DEFAULT_WINDOW_CAPACITY, FixWindow } from "../engine/fix-window.ts";
import type { SnapshotStore } from "../engine/snapshot-port.ts";
import { FenceIndex } from "../engine/fences/index.ts";
import type { ActorSnapshot, AnimalProfile, FixInput } from "../engine/types.ts";

const TARGET_BYTES = 8 * 1024;
const ANIMALS = Number(process.argv[2] ?? 100_000);
const FIXES = DEFAULT_WINDOW_CAPACITY;
const CHUNK = 5_000;
const T0 = Date.parse("2024-06-01T00:00:00Z");
const FIX_INTERVAL_MS = 15 * 60_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with node --expose-gc bin/run-ts.mjs bench/actor-memory.ts");
  process.exit(1);
}

interface Sample {
  heapUsed: number;
  offHeap: number; // ArrayBuffer backing stores and other external memory
  rss: number;
}

async function settle(): Promise<Sample> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, offHeap: m.external, rss: m.rss };
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const perActor = (b: number) => `${Math.round(b / ANIMALS)} B`;

// Snapshot storage is not what is measured: a store that answers "nothing yet" and drops saves.
let savedSnapshots = 0;
let snapshotBatchBytes = 0;
let heapAtSave = 0;
const store: SnapshotStore = {
  loadLatest: async () => null,
  loadFixesAfter: async () => [],
  save: async (snapshots: ActorSnapshot[]) => {
    savedSnapshots += snapshots.length;
    heapAtSave = Math.max(heapAtSave, process.memoryUsage().heapUsed);
    for (const s of snapshots) snapshotBatchBytes += JSON.stringify(s).length;
  },
};

// Profiles belong to the registry, which holds them whether or not actors are live: made before the baseline.
const species = ["Loxodonta africana", "Connochaetes taurinus"];
const profiles: AnimalProfile[] = Array.from({ length: ANIMALS }, (_, i) => ({
  id: `animal-${i}`,
  name: `Animal ${i}`,
  species: species[i % 2]!,
  herd: `herd-${i % 500}`,
  family: null,
}));

// A plausible walk: ~100–300 m every 15 minutes around a per-animal origin.
function fixFor(i: number, k: number): FixInput {
  const lat = -2 - (i % 1000) * 0.002 + k * 0.001 + ((k * 7) % 3) * 0.0005;
  const lon = 34 + Math.floor(i / 1000) * 0.002 + ((k * 13) % 5) * 0.0006;
  return { collar: `collar-${i}`, ts: T0 + k * FIX_INTERVAL_MS, lat, lon, battery: 80, speed: null };
}

// As in the server: analyzers on, and fences around part of the area so most animals get a fence tracker.
const fenceIndex = new FenceIndex(
  Array.from({ length: 50 }, (_, k) => {
    const w = 33.99 + (k % 10) * 0.04;
    const sLat = -4.01 + Math.floor(k / 10) * 0.4;
    return {
      id: `f${k}`,
      kind: (k % 2 ? "corridor" : "risk_zone") as "corridor" | "risk_zone",
      name: `fence ${k}`,
      area: { type: "Polygon" as const, coordinates: [[[w, sLat], [w + 0.03, sLat], [w + 0.03, sLat + 0.3], [w, sLat + 0.3], [w, sLat]]] as [number, number][][] },
      rules: {},
    };
  }),
);

let now = T0;
const system = new ActorSystem({
  snapshots: store,
  fences: () => fenceIndex,
  analyze: true,
  clock: () => now,
  autoSweep: false,
  idleMs: 10 * 60_000,
  snapshotIntervalMs: 24 * 3_600_000, // measure passivation alone, not periodic rounds
});

const baseline = await settle();
const started = performance.now();
for (let from = 0; from < ANIMALS; from += CHUNK) {
  const to = Math.min(ANIMALS, from + CHUNK);
  const activations: Promise<unknown>[] = [];
  for (let i = from; i < to; i++) activations.push(system.tell(profiles[i]!, `collar-${i}`, fixFor(i, 0), T0));
  await Promise.all(activations);
  for (let k = 1; k < FIXES; k++) {
    // Await each round so replies do not pile up and distort the GC picture.
    const round: Promise<unknown>[] = [];
    const receivedAt = T0 + k * FIX_INTERVAL_MS;
    for (let i = from; i < to; i++) round.push(system.tell(profiles[i]!, `collar-${i}`, fixFor(i, k), receivedAt));
    await Promise.all(round);
  }
}
const feedSeconds = (performance.now() - started) / 1000;
const live = await settle();

const liveHeap = live.heapUsed - baseline.heapUsed;
const liveOff = live.offHeap - baseline.offHeap;
const liveTotal = liveHeap + liveOff;
console.log(`actors: ${system.liveCount} live, ${ANIMALS * FIXES} fixes in ${feedSeconds.toFixed(1)} s (${Math.round((ANIMALS * FIXES) / feedSeconds)} fixes/s)`);
console.log(`window buffer: ${FixWindow.bytesFor(DEFAULT_WINDOW_CAPACITY)} B per actor (${DEFAULT_WINDOW_CAPACITY} fixes)`);
console.log(`live, JS heap:        ${mb(liveHeap)} = ${perActor(liveHeap)}/actor`);
console.log(`live, off-heap:       ${mb(liveOff)} = ${perActor(liveOff)}/actor (ArrayBuffer backing stores)`);
console.log(`live, heap+off-heap:  ${mb(liveTotal)} = ${perActor(liveTotal)}/actor`);
console.log(`live, RSS growth:     ${mb(live.rss - baseline.rss)} = ${perActor(live.rss - baseline.rss)}/actor (includes allocator slack)`);
const ok = liveTotal / ANIMALS <= TARGET_BYTES;
console.log(`target ≤ ${TARGET_BYTES} B/actor: ${ok ? "HOLDS" : "MISSED"}`);

now += 10 * 60_000 + 1;
const sweepStarted = performance.now();
await system.sweep();
const sweepSeconds = (performance.now() - sweepStarted) / 1000;
const after = await settle();
console.log(
  `passivated: ${system.liveCount} live left, ${savedSnapshots} snapshots in one save (${mb(snapshotBatchBytes)} JSON, ` +
    `heap at save ${mb(heapAtSave - baseline.heapUsed)} over baseline) in ${sweepSeconds.toFixed(1)} s`,
);
console.log(
  `after passivation: JS heap ${mb(after.heapUsed - baseline.heapUsed)}, off-heap ${mb(after.offHeap - baseline.offHeap)} over baseline`,
);
await system.shutdown();
process.exitCode = ok ? 0 : 1;
