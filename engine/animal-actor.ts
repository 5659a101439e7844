// One animal's rolling state. Only the actor system calls it, one message at a time, so nothing
// here needs locking; everything it hands out is a fresh object, never its own state.

import type { EngineAlert, FixReply } from "./actor-messages.ts";
import { createAnalyzerSet, type AnalyzerSet } from "./analyzers/index.ts";
import type { BehaviourModelRef } from "./behaviour/model-set.ts";
import { BehaviourTracker, type BehaviourChange } from "./behaviour/tracker.ts";
import type { FenceIndex } from "./fences/index.ts";
import { FenceTracker } from "./fences/tracker.ts";
import { DEFAULT_WINDOW_CAPACITY, FixWindow } from "./fix-window.ts";
import { haversineDistance, initialBearing } from "./geo.ts";
import { deriveMetrics, utcDay, type PreviousFix, type TrackPoint } from "./movement-metrics.ts";
import {
  DEFAULT_QUALITY_THRESHOLDS,
  flagsToMask,
  isImpossibleMove,
  isOnlySpeedSuspect,
  isSuspect,
  maskToFlags,
  qualityFlags,
  type QualityThresholds,
} from "./quality.ts";
import { speciesProfile, type SpeciesProfile } from "./species.ts";
import type {
  ActorSnapshot,
  AnimalProfile,
  FixInput,
  FixRecord,
  LivePosition,
  MovementMetrics,
  QualityFlag,
} from "./types.ts";

export interface ActorOptions {
  /** Fixes kept per animal (≥ 64). */
  windowSize: number;
  thresholds: Readonly<QualityThresholds>;
  /** The current fence index (changes when fences are edited); absent = no fence alerts. */
  fences?: () => FenceIndex;
  /** Run the analyzers (speed anomaly, immobility, low battery). */
  analyze?: boolean;
  /** The behaviour model for a species, if fitted: the actor filters its state live. */
  behaviour?: (species: string) => BehaviourModelRef | undefined;
  /** Habitat suitability at a point (null without a model or off the study area). */
  habitat?: (lon: number, lat: number) => number | null;
}

/** Shared by every actor that is not given its own options: one object, not one per actor. */
export const DEFAULT_ACTOR_OPTIONS: Readonly<ActorOptions> = Object.freeze({
  windowSize: DEFAULT_WINDOW_CAPACITY,
  thresholds: DEFAULT_QUALITY_THRESHOLDS,
});

/**
 * This many consecutive impossible_speed fixes that are plausible among themselves overturn the
 * reference fix: then the reference was the outlier, and keeping it would reject the animal's
 * real track forever.
 */
export const OVERRIDE_RUN_LENGTH = 3;
const RUN_SLOTS = OVERRIDE_RUN_LENGTH - 1;

/**
 * Snapshot `state` of an AnimalActor: only what the stored fixes cannot give back. The window is
 * rebuilt from the newest stored fixes at activation (they carry their metrics and flags), which
 * keeps a snapshot at ~200 bytes instead of ~4.5 KB: a 60 s round over 10k animals was 45 MB.
 */
export interface AnimalActorState {
  v: 2;
  /** Collar and collar-reported values of the newest accepted fix (for the live position). */
  collar: string | null;
  battery: number | null;
  reportedSpeed: number | null;
  reportedHeading: number | null;
  /** Pending impossible_speed run as [ts, lat, lon, ...], oldest first. */
  run: number[];
  /** FenceTracker and AnalyzerSet state (small JSON), null when never used. */
  fences?: unknown;
  analyzers?: unknown;
}

export class SnapshotFormatError extends Error {
  constructor(animal: string, detail: string) {
    super(`unreadable snapshot for animal ${animal}: ${detail}`);
    this.name = "SnapshotFormatError";
  }
}

function nullableNumber(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

export class AnimalActor {
  private animal: AnimalProfile;
  private species: SpeciesProfile;
  private readonly options: Readonly<ActorOptions>;
  private readonly window: FixWindow;
  private collar: string | null = null;
  private battery: number | null = null;
  private reportedSpeed: number | null = null;
  private reportedHeading: number | null = null;
  // Earlier fixes of a pending impossible_speed run, [ts, lat, lon] × runLength. Allocated only
  // while a run is pending, which for a healthy collar is almost never.
  private run: Float64Array | null = null;
  private runLength = 0;
  private changes = 0;
  // Created on first use: an animal with no fences around it and analyzers off costs nothing here.
  private tracker: FenceTracker | null = null;
  private analyzers: AnalyzerSet | null = null;
  private behaviour: BehaviourTracker | null = null;

  constructor(profile: AnimalProfile, options: Readonly<ActorOptions> = DEFAULT_ACTOR_OPTIONS, window?: FixWindow) {
    this.animal = profile;
    this.species = speciesProfile(profile.species);
    this.options = options;
    this.window = window ?? new FixWindow(options.windowSize);
  }

  get profile(): AnimalProfile {
    return this.animal;
  }

  /** Takes the registry's latest profile (herd moves, renames, species corrections). */
  set profile(profile: AnimalProfile) {
    if (profile === this.animal) return;
    if (profile.species !== this.animal.species) this.species = speciesProfile(profile.species);
    this.animal = profile;
    this.tracker?.setAnimal({ species: profile.species, herd: profile.herd });
  }

  get maxSpeedKmh(): number {
    return this.species.maxSpeedKmh;
  }

  /** Counts state changes; equal counts mean nothing to snapshot. */
  get version(): number {
    return this.changes;
  }

  /** ts of the newest accepted fix, or null. */
  get lastTs(): number | null {
    return this.window.newestTs;
  }

  /** Number of fixes in the window. */
  get windowSize(): number {
    return this.window.size;
  }

  handleFix(fix: FixInput, collar: string, receivedAt: number): FixReply {
    const window = this.window;

    // A resend of a fix we already accepted: hand back its record as first computed, change nothing.
    const resent = window.findTs(fix.ts);
    if (resent >= 0) {
      const record = this.record(fix, collar, receivedAt, window.metricsAt(resent), maskToFlags(window.flagMaskAt(resent)));
      return { record, position: null };
    }

    const latestTs = window.newestTs;
    const outOfOrder = latestTs !== null && fix.ts < latestTs;
    // Out-of-order fixes are measured from the newest earlier fix, without a turning angle:
    // the arrival heading stored there belongs to a different path.
    const previous = this.previousFromWindow(outOfOrder ? window.latestBefore(fix.ts) : 0, !outOfOrder);
    let metrics = deriveMetrics(previous, fix);
    const maxSpeedKmh = this.species.maxSpeedKmh;
    const thresholds = this.options.thresholds;
    let flags = qualityFlags({ fix, receivedAt, previous, metrics, latestTs, maxSpeedKmh }, thresholds);
    let mask = flagsToMask(flags);

    if (isSuspect(mask)) {
      const runPrevious = isOnlySpeedSuspect(mask) ? this.extendSpeedRun(fix) : null;
      if (runPrevious === null) return { record: this.record(fix, collar, receivedAt, metrics, flags), position: null };
      // The run overturns the reference: measure this fix along the run instead.
      metrics = deriveMetrics(runPrevious, fix);
      flags = qualityFlags({ fix, receivedAt, previous: runPrevious, metrics, latestTs, maxSpeedKmh }, thresholds);
      mask = flagsToMask(flags);
    }

    window.push(fix.ts, fix.lat, fix.lon, metrics, mask);
    this.collar = collar;
    this.battery = fix.battery ?? null;
    this.reportedSpeed = fix.speed ?? null;
    this.reportedHeading = fix.heading ?? null;
    this.clearRun();
    this.changes++;
    const alerts = this.watch(fix.ts, fix.lat, fix.lon, fix.battery ?? null, flags);
    const position = this.position(fix.ts, fix.lat, fix.lon, metrics, flags);
    const record = this.record(fix, collar, receivedAt, metrics, flags);
    return alerts.length ? { record, position, alerts } : { record, position };
  }

  /** Fence transitions and analyzers for one accepted in-order fix (their own guards skip older ones). */
  private watch(ts: number, lat: number, lon: number, battery: number | null, quality: QualityFlag[]): EngineAlert[] {
    const fix = { ts, lat, lon, battery, quality };
    const index = this.options.fences?.();
    let alerts: EngineAlert[] = [];
    if (index && (index.size > 0 || this.tracker)) {
      this.tracker ??= new FenceTracker({ species: this.animal.species, herd: this.animal.herd });
      alerts = this.tracker.update(fix, index);
    }
    if (this.options.analyze) {
      this.analyzers ??= createAnalyzerSet({ species: this.animal.species, herd: this.animal.herd });
      // The window already holds this fix: the analyzers read their history from it.
      const more = this.analyzers.onFix(fix, this.window);
      if (more.length) alerts = alerts.concat(more).sort((a, b) => a.ts - b.ts);
    }
    const change = this.followBehaviour();
    if (change) alerts = alerts.concat({ kind: "behaviour_change", ts, lat, lon, severity: "info", detail: { ...change, model_version: this.behaviour!.ref.version } });
    return alerts;
  }

  /** Feeds the newest fix's row to the species' behaviour model (a new model starts from the window). */
  private followBehaviour(): BehaviourChange | null {
    const ref = this.options.behaviour?.(this.animal.species);
    if (!ref) {
      this.behaviour = null;
      return null;
    }
    const w = this.window;
    if (this.behaviour?.ref !== ref) {
      this.behaviour = new BehaviourTracker(ref);
      // Warm up on the fixes already in the window (no alerts: they are history).
      for (let i = w.size - 1; i >= 1; i--) this.behaviour.update(w.stepAt(i), w.turnAt(i), w.intervalAt(i));
    }
    return this.behaviour.update(w.stepAt(0), w.turnAt(0), w.intervalAt(0));
  }

  /** The live position (a fresh object), or null before the first accepted fix. */
  livePosition(): LivePosition | null {
    const w = this.window;
    if (w.size === 0) return null;
    return this.position(w.tsAt(0), w.latAt(0), w.lonAt(0), w.metricsAt(0), maskToFlags(w.flagMaskAt(0)));
  }

  snapshot(now: number): ActorSnapshot {
    const run: number[] = [];
    if (this.run) for (let i = 0; i < this.runLength * 3; i++) run.push(this.run[i]!);
    const state: AnimalActorState = {
      v: 2,
      collar: this.collar,
      battery: this.battery,
      reportedSpeed: this.reportedSpeed,
      reportedHeading: this.reportedHeading,
      run,
      fences: this.tracker?.toJSON() ?? null,
      analyzers: this.analyzers?.toJSON() ?? null,
    };
    return { animal: this.animal.id, taken_at: now, last_ts: this.window.newestTs, state };
  }

  /**
   * Rebuilds an actor from its latest snapshot (or none) plus its newest stored fixes, oldest
   * first (the window comes from them). Stored records are trusted as computed: accepted ones enter
   * the window with their metrics, speed-suspect ones rebuild a pending run, other suspect ones are
   * skipped. Throws SnapshotFormatError when the snapshot state is unreadable.
   */
  static restore(
    profile: AnimalProfile,
    snapshot: ActorSnapshot | null,
    replayFixes: readonly FixRecord[],
    options: Readonly<ActorOptions> = DEFAULT_ACTOR_OPTIONS,
  ): AnimalActor {
    const actor = snapshot ? AnimalActor.fromState(profile, snapshot.state, options) : new AnimalActor(profile, options);
    actor.changes = 0;
    for (const record of replayFixes) actor.replay(record);
    // Clean (nothing to snapshot) when the stored fixes add nothing beyond the snapshot.
    const newest = actor.lastTs;
    if (snapshot && snapshot.last_ts !== null && newest !== null && newest <= snapshot.last_ts) actor.changes = 0;
    return actor;
  }

  private static fromState(profile: AnimalProfile, raw: unknown, options: Readonly<ActorOptions>): AnimalActor {
    const state = raw as Partial<AnimalActorState> | null;
    if (!state || state.v !== 2 || !Array.isArray(state.run)) {
      throw new SnapshotFormatError(profile.id, "unknown state version or shape");
    }
    const actor = new AnimalActor(profile, options);
    actor.collar = typeof state.collar === "string" ? state.collar : null;
    actor.battery = nullableNumber(state.battery);
    actor.reportedSpeed = nullableNumber(state.reportedSpeed);
    actor.reportedHeading = nullableNumber(state.reportedHeading);
    for (let i = 0; i + 2 < state.run.length; i += 3) {
      actor.appendToRun(Number(state.run[i]), Number(state.run[i + 1]), Number(state.run[i + 2]));
    }
    const who = { species: profile.species, herd: profile.herd };
    if (state.fences) actor.tracker = FenceTracker.fromJSON(who, state.fences);
    if (state.analyzers) actor.analyzers = createAnalyzerSet(who, {}, state.analyzers);
    return actor;
  }

  private replay(record: FixRecord): void {
    const newest = this.window.newestTs;
    if (newest !== null && record.ts <= newest) return; // already in the window (or was out of order)
    const mask = flagsToMask(record.quality);
    if (!isSuspect(mask)) {
      this.window.push(record.ts, record.lat, record.lon, record, mask);
      this.collar = record.collar;
      this.battery = record.battery ?? null;
      this.reportedSpeed = record.speed ?? null;
      this.reportedHeading = record.heading ?? null;
      this.clearRun();
      this.changes++;
      this.watch(record.ts, record.lat, record.lon, record.battery ?? null, record.quality); // state only
    } else if (isOnlySpeedSuspect(mask)) {
      const n = this.runLength;
      if (n > 0 && record.ts <= this.run![(n - 1) * 3]!) return;
      this.appendToRun(record.ts, record.lat, record.lon);
      this.changes++;
    }
  }

  /** The i-th newest window fix as the starting point of a step, or null if there is none. */
  private previousFromWindow(i: number, withArrivalHeading: boolean): PreviousFix | null {
    const w = this.window;
    if (i < 0 || i >= w.size) return null;
    const heading = w.headingAt(i);
    return {
      ts: w.tsAt(i),
      lat: w.latAt(i),
      lon: w.lonAt(i),
      arrivalHeadingDeg: withArrivalHeading && !Number.isNaN(heading) ? heading : null,
      distanceTodayM: w.distanceTodayAt(i),
    };
  }

  /**
   * Adds an impossible_speed fix to the pending run. Returns the fix to measure `fix` from when
   * it completes a run of OVERRIDE_RUN_LENGTH mutually plausible fixes, else null.
   */
  private extendSpeedRun(fix: TrackPoint): PreviousFix | null {
    const n = this.runLength;
    if (n > 0) {
      const run = this.run!;
      const last = (n - 1) * 3;
      const lastTs = run[last]!;
      const lastLat = run[last + 1]!;
      const lastLon = run[last + 2]!;
      if (fix.ts <= lastTs) return null; // a resend or an older straggler: the run stands as is
      const step = haversineDistance(lastLat, lastLon, fix.lat, fix.lon);
      const interval = (fix.ts - lastTs) / 1000;
      if (isImpossibleMove(step, interval, this.species.maxSpeedKmh, this.options.thresholds)) {
        // Not plausible after the run either: start a new run from this fix.
        this.clearRun();
      } else if (n === RUN_SLOTS) {
        let arrivalHeading: number | null = null;
        if (n >= 2) {
          const before = last - 3;
          const beforeLat = run[before + 1]!;
          const beforeLon = run[before + 2]!;
          if (beforeLat !== lastLat || beforeLon !== lastLon) {
            arrivalHeading = initialBearing(beforeLat, beforeLon, lastLat, lastLon);
          }
        }
        // The day's distance continues from the old reference: the best estimate we have.
        const w = this.window;
        const sameDay = w.size > 0 && utcDay(w.tsAt(0)) === utcDay(lastTs);
        return {
          ts: lastTs,
          lat: lastLat,
          lon: lastLon,
          arrivalHeadingDeg: arrivalHeading,
          distanceTodayM: sameDay ? w.distanceTodayAt(0) : 0,
        };
      }
    }
    this.appendToRun(fix.ts, fix.lat, fix.lon);
    this.changes++;
    return null;
  }

  /** Appends to the run, dropping its oldest entry when full. */
  private appendToRun(ts: number, lat: number, lon: number): void {
    const run = (this.run ??= new Float64Array(RUN_SLOTS * 3));
    if (this.runLength === RUN_SLOTS) {
      run.copyWithin(0, 3);
      this.runLength--;
    }
    const o = this.runLength * 3;
    run[o] = ts;
    run[o + 1] = lat;
    run[o + 2] = lon;
    this.runLength++;
  }

  private clearRun(): void {
    if (this.runLength === 0) return;
    this.run = null;
    this.runLength = 0;
    this.changes++;
  }

  private record(
    fix: FixInput,
    collar: string,
    receivedAt: number,
    metrics: MovementMetrics,
    quality: QualityFlag[],
  ): FixRecord {
    // An explicit literal, not `{ ...fix }`: spreading then adding fields costs ~20× more per fix
    // in V8, and it normalises absent optional readings to null for the writer.
    return {
      collar,
      ts: fix.ts,
      lat: fix.lat,
      lon: fix.lon,
      alt: fix.alt ?? null,
      speed: fix.speed ?? null,
      heading: fix.heading ?? null,
      hdop: fix.hdop ?? null,
      sats: fix.sats ?? null,
      battery: fix.battery ?? null,
      temp: fix.temp ?? null,
      activity: fix.activity ?? null,
      animal: this.animal.id,
      quality,
      received_at: receivedAt,
      step_m: metrics.step_m,
      turn_deg: metrics.turn_deg,
      speed_kmh: metrics.speed_kmh,
      heading_deg: metrics.heading_deg,
      interval_s: metrics.interval_s,
      distance_today_m: metrics.distance_today_m,
    };
  }

  private position(ts: number, lat: number, lon: number, metrics: MovementMetrics, quality: QualityFlag[]): LivePosition {
    const a = this.animal;
    return {
      animal: a.id,
      collar: this.collar ?? "",
      herd: a.herd,
      family: a.family,
      species: a.species,
      name: a.name,
      ts: new Date(ts).toISOString(),
      lat,
      lon,
      speed: metrics.speed_kmh ?? this.reportedSpeed,
      heading: metrics.heading_deg ?? this.reportedHeading,
      state: this.behaviour?.state ?? null,
      state_probs: this.behaviour?.probabilitiesByName() ?? null,
      habitat: this.options.habitat?.(lon, lat) ?? null,
      step_m: metrics.step_m,
      turn_deg: metrics.turn_deg,
      interval_s: metrics.interval_s,
      distance_today_m: metrics.distance_today_m,
      battery: this.battery,
      quality,
    };
  }
}
