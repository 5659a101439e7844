// What the engine needs from durable storage. Declared here (same shape as the store's
// SnapshotStore) so the engine builds without depending on the store package.

import type { ActorSnapshot, FixRecord } from "./types.ts";

export interface SnapshotStore {
  /** The most recent snapshot of the animal's actor, or null if it never had one. */
  loadLatest(animal: string): Promise<ActorSnapshot | null>;
  /** The newest `limit` stored fixes with ts > afterTs (all when afterTs is null), oldest first. */
  loadFixesAfter(animal: string, afterTs: number | null, limit: number): Promise<FixRecord[]>;
  /** Stores a batch of snapshots (one round trip for the whole batch). */
  save(snapshots: ActorSnapshot[]): Promise<void>;
}
