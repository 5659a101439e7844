// Counters shared by all connections of a fleet.
import { LatencyHistogram, type LatencySummary } from "./latency.ts";

export interface FleetStats {
  collars: number;
  connections: number;
  connected: number; // connections open right now
  generated: number; // distinct fixes taken from the collar tracks
  sent: number; // fixes sent for the first time
  resent: number; // retransmissions of unacked fixes after a reconnect
  acked: number;
  nacked: number;
  unacked: number; // sent (or waiting to be resent) and neither acked nor nacked yet
  frames: number; // `fix` / `batch` frames written
  reconnects: number; // successful re-opens after a lost or refused connection
  disconnects: number;
  /** Server `error` frames by code, plus `socket` for local socket errors (refused, reset, …). */
  errors: Record<string, number>;
  nacks: Record<string, number>; // nacks by code
  unknownAcks: number; // ack/nack for a seq not in flight on that connection (a server bug)
  latencyMs: LatencySummary; // ack latency: the (re)send that was acked → its ack
  elapsedMs: number;
  ackedPerSecond: number; // acked / elapsed
  fatal: string | null; // why the fleet gave up (bad token), if it did
}

export class StatsCollector {
  generated = 0;
  sent = 0;
  resent = 0;
  acked = 0;
  nacked = 0;
  frames = 0;
  reconnects = 0;
  disconnects = 0;
  unknownAcks = 0;
  fatal: string | null = null;
  readonly errors: Record<string, number> = {};
  readonly nacks: Record<string, number> = {};
  readonly latency = new LatencyHistogram();

  countError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  countNack(code: string): void {
    this.nacked++;
    this.nacks[code] = (this.nacks[code] ?? 0) + 1;
  }
}
