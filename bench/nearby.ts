// GET /nearby/animals core over 100,000 live animals, in process: p50/p99 per query of the LiveIndex
// while positions keep streaming in (fresh positions checked by brute force, periodic rebuilds).
// Run: node bin/run-ts.mjs bench/nearby.ts   (N=… QUERIES=… to change the size)
import { LiveIndex } from "../engine/live-index.ts";
import type { LivePosition } from "../engine/types.ts";

const N = Number(process.env.N ?? 100_000);
const QUERIES = Number(process.env.QUERIES ?? 20_000);
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const T = Date.UTC(2026, 10, 20);
const pos = (i: number, ms: number): LivePosition => ({
  animal: `a${i}`, collar: `C${i}`, herd: null, family: `F${i % 5000}`, species: "elephant", name: `a${i}`, ts: new Date(ms).toISOString(),
  lat: -4 + rand() * 6, lon: 33 + rand() * 6, speed: null, heading: null, state: null, state_probs: null, habitat: null, step_m: null, turn_deg: null, interval_s: null,
  distance_today_m: 0, battery: null, quality: [],
});

const index = new LiveIndex();
let t0 = performance.now();
for (let i = 0; i < N; i++) index.update(pos(i, T));
index.rebuild();
console.log(`loaded ${N} positions + rebuild in ${(performance.now() - t0).toFixed(1)} ms`);

t0 = performance.now();
index.rebuild();
console.log(`rebuild of ${N}: ${(performance.now() - t0).toFixed(1)} ms`);

function run(label: string, radius: number, limit: number, updatesPerQuery: number) {
  const times: number[] = [];
  let found = 0;
  for (let q = 0; q < QUERIES; q++) {
    for (let u = 0; u < updatesPerQuery; u++) index.update(pos(Math.floor(rand() * N), T + q * 1000 + u));
    const lat = -4 + rand() * 6;
    const lon = 33 + rand() * 6;
    const s = performance.now();
    found += index.nearby(lat, lon, radius, limit).length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const p = (x: number) => times[Math.min(times.length - 1, Math.floor(times.length * x))]!.toFixed(3);
  console.log(`${label}: radius ${radius} m limit ${limit}: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms, mean hits ${(found / QUERIES).toFixed(1)}, fresh at end ${index.freshCount}`);
}

run("warm-up (JIT)", 5_000, 100, 0);
run("static", 5_000, 100, 0);
run("static", 20_000, 100, 0);
run("static", 50_000, 1000, 0);
// Streaming: 5 position updates between queries; rebuilds happen on setImmediate, which this
// synchronous loop never yields to, so the worst case (brute force up to maxFresh) is measured.
run("streaming (no yield)", 5_000, 100, 5);
await new Promise((r) => setImmediate(r));
run("after rebuild", 5_000, 100, 0);
