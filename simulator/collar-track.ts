// One simulated collar: a deterministic stream of fixes (movement + sensor readings + GPS error).
import { haversineDistance as distance } from "../engine/geo.ts";
import { initialState, step, type AnimalState, type Habitat, type Species } from "./movement.ts";
import { hashSeed, Rng } from "./random.ts";

export interface CollarSpec {
  id: string;
  species: Species;
  /** Seeds this collar's own random streams; defaults to the id, so adding a collar changes no other track. */
  seed?: number | string;
  /** Collars sharing a herd name start within HERD_RADIUS_M of a common centre. */
  herd?: string;
}

/** A fix as the simulated collar reports it; ts in epoch ms (same shape as engine FixInput). */
export interface SimFix {
  collar: string;
  ts: number;
  lat: number;
  lon: number;
  alt: number;
  speed: number; // km/h over the last interval
  heading: number; // degrees
  hdop: number;
  sats: number;
  battery: number; // percent
  temp: number; // °C
  activity: number; // accelerometer count 0–255
}

export interface TrackTiming {
  fleetSeed: number | string;
  start: number; // epoch ms of fix 0's nominal time (integer)
  intervalMs: number; // integer ≥ 1
  /** Step selection on a landscape (simulator/movement.ts Habitat); absent: the plain movement kernel. */
  habitat?: Habitat;
}

const HERD_RADIUS_M = 1500;
const METRES_PER_DEG_LAT = 111_320;
const ACTIVITY: Record<AnimalState["behaviour"], number> = { resting: 6, foraging: 70, travelling: 150 };

const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

export class CollarTrack {
  readonly collar: string;
  private readonly move: Rng;
  private readonly sensor: Rng;
  private readonly jitterSeed: number;
  private readonly jitterRangeMs: number;
  private state: AnimalState;
  private readonly batteryStart: number;
  private index = 0;

  constructor(
    spec: CollarSpec,
    private readonly timing: TrackTiming,
  ) {
    this.collar = spec.id;
    const own = spec.seed ?? spec.id;
    this.move = new Rng(hashSeed(timing.fleetSeed, own, "move"));
    this.sensor = new Rng(hashSeed(timing.fleetSeed, own, "sensor"));
    this.jitterSeed = hashSeed(timing.fleetSeed, own, "jitter");
    // GPS acquisition takes a variable few seconds; a quarter interval at most keeps ts strictly increasing.
    this.jitterRangeMs = Math.min(5000, Math.floor(timing.intervalMs / 4));
    const near = spec.herd === undefined ? undefined : herdCentre(timing.fleetSeed, spec.herd, spec.species);
    this.state = initialState(spec.species, this.move, near);
    this.batteryStart = 40 + this.sensor.uniform() * 60;
  }

  /** Number of fixes produced so far. */
  get produced(): number {
    return this.index;
  }

  /** Timestamp (epoch ms) of fix i, computable without generating it. */
  tsOf(i: number): number {
    const jitter = this.jitterRangeMs > 0 ? hashSeed(this.jitterSeed, i) % this.jitterRangeMs : 0;
    return this.timing.start + i * this.timing.intervalMs + jitter;
  }

  /** Timestamp of the fix next() will return. */
  peekTs(): number {
    return this.tsOf(this.index);
  }

  /** Produces the next fix. */
  next(): SimFix {
    const i = this.index++;
    const prev = this.state;
    // Positions advance on the nominal grid; the ms jitter only changes the reported time.
    if (i > 0) this.state = step(prev, this.timing.intervalMs / 1000, this.move, this.timing.habitat);
    const s = this.state;
    const r = this.sensor;
    const hdop = 0.6 + r.gamma(2, 0.35);
    const errSd = 2.5 * hdop; // metres per axis: consumer GPS error grows with HDOP
    const dLat = r.normal(0, errSd) / METRES_PER_DEG_LAT;
    const dLon = r.normal(0, errSd) / (METRES_PER_DEG_LAT * Math.cos((s.lat * Math.PI) / 180));
    const ts = this.tsOf(i);
    const hours = (i * this.timing.intervalMs) / 3_600_000;
    const localHour = ((ts / 3_600_000 + 3) % 24 + 24) % 24; // East Africa Time, UTC+3
    const stepM = i > 0 ? distance(prev.lat, prev.lon, s.lat, s.lon) : 0;
    return {
      collar: this.collar,
      ts,
      lat: round(s.lat + dLat, 6),
      lon: round(s.lon + dLon, 6),
      // Smooth synthetic terrain around the real plateau height (1500–1900 m) plus vertical GPS error.
      alt: round(1700 + 180 * Math.sin(s.lat * 9) * Math.cos(s.lon * 7) + r.normal(0, 3 * hdop), 1),
      speed: round((stepM / (this.timing.intervalMs / 1000)) * 3.6, 2),
      heading: round(s.heading, 1) % 360,
      hdop: round(hdop, 1),
      sats: Math.max(4, Math.min(14, Math.round(13 - 2.5 * hdop + r.normal(0, 1)))),
      battery: round(Math.max(0, this.batteryStart - 0.02 * hours - 0.0005 * i), 1),
      temp: round(22 + 7 * Math.sin((2 * Math.PI * (localHour - 9)) / 24) + r.normal(0, 0.5), 1),
      activity: Math.max(0, Math.min(255, Math.round(ACTIVITY[s.behaviour] * (0.6 + 0.8 * r.uniform())))),
    };
  }
}

/** Herd centre: one deterministic point per (fleet seed, herd), kept away from the edge band. */
function herdCentre(fleetSeed: number | string, herd: string, species: Species): { lat: number; lon: number; radiusM: number } {
  const c = initialState(species, new Rng(hashSeed(fleetSeed, "herd", herd)));
  return { lat: c.lat, lon: c.lon, radiusM: HERD_RADIUS_M };
}

/** Every fix a finite fleet produces: `perCollar` fixes for each collar, collar by collar. */
export function generateFixes(collars: readonly CollarSpec[], timing: TrackTiming, perCollar: number): SimFix[] {
  const out: SimFix[] = [];
  for (const spec of collars) {
    const track = new CollarTrack(spec, timing);
    for (let i = 0; i < perCollar; i++) out.push(track.next());
  }
  return out;
}
