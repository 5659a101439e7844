// A minimal stored-fix record (as an actor would hand it to the writer) for tests of the storage layer.
import type { FixRecord } from "../../engine/types.ts";

export function fixRecord(collar: string, ts: number): FixRecord {
  return {
    collar, animal: `animal-${collar}`, ts, lat: -1.3, lon: 36.8, alt: null, speed: null, heading: null, hdop: null, sats: null,
    battery: null, temp: null, activity: null, step_m: null, turn_deg: null, speed_kmh: null, heading_deg: null, interval_s: null,
    distance_today_m: 0, quality: [], received_at: ts,
  };
}
