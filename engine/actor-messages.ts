// The messages actors exchange. Plain JSON-serialisable objects: a local delivery uses exactly
// what a remote transport would put on the wire, so sharding actors across nodes later changes
// routing, not semantics.

import type { AnimalProfile, FixInput, FixRecord, LivePosition } from "./types.ts";

/** A fix for one animal's actor. */
export interface FixMessage {
  type: "fix";
  animal: AnimalProfile;
  collar: string;
  fix: FixInput;
  receivedAt: number; // epoch ms, server clock
}

export type ActorMessage = FixMessage;

/** The actor's answer to a FixMessage. */
export interface FixReply {
  /** Always present: the fix ready to store (the store dedups resends by (animal, ts)). */
  record: FixRecord;
  /** The new live position when the fix moved it, else null. */
  position: LivePosition | null;
  /** Alerts this fix raised (fence transitions, analyzers), in fix-time order; absent when none. */
  alerts?: EngineAlert[];
}

/** An alert as the actor raises it; the caller adds animal, collar and herd, then publishes it. */
export interface EngineAlert {
  kind: string;
  fence?: string | null;
  ts: number;
  lat: number | null;
  lon: number | null;
  severity: string;
  detail: Record<string, unknown>;
}

export function fixMessage(animal: AnimalProfile, collar: string, fix: FixInput, receivedAt: number): FixMessage {
  return { type: "fix", animal, collar, fix, receivedAt };
}
