// A track as a GeoJSON FeatureCollection (RFC 7946, [lon, lat]), produced as a stream of text pieces:
// first one LineString Feature through the in-order, non-suspect fixes, then one Point Feature per fix.
// Two passes over the fixes (they come from a paged reader), so memory stays bounded for any length.
import { SUSPECT_FLAGS } from "../engine/quality.ts";
import type { QualityFlag } from "../engine/types.ts";
import type { TrackPoint } from "../store/repos/track.ts";

export const isSuspect = (quality: readonly string[]) => quality.some((q) => SUSPECT_FLAGS.includes(q as QualityFlag));

/** [lon, lat] (altitude stays in the properties: positions of one LineString should share a dimension). */
const position = (p: TrackPoint) => [p.lon, p.lat];

/** Properties of a fix's Point Feature. */
export function pointProperties(p: TrackPoint, animal: string) {
  return {
    animal,
    ts: p.ts,
    collar: p.collar,
    speed: p.speed,
    heading: p.heading,
    step_m: p.step_m,
    turn_deg: p.turn_deg,
    interval_s: p.interval_s,
    distance_today_m: p.distance_today_m,
    reported_speed: p.reported_speed,
    reported_heading: p.reported_heading,
    alt: p.alt,
    hdop: p.hdop,
    sats: p.sats,
    battery: p.battery,
    temp: p.temp,
    activity: p.activity,
    quality: p.quality,
    suspect: isSuspect(p.quality),
  };
}

/**
 * Streams the FeatureCollection. `pages()` is called twice and must yield the fixes oldest first in
 * pages. The LineString has null geometry when fewer than two usable fixes exist (RFC 7946 needs two).
 */
export async function* trackGeoJson(
  pages: () => AsyncIterable<TrackPoint[]>,
  meta: { animal: { id: string; name: string; species: string }; from?: number; to?: number },
): AsyncGenerator<string> {
  const { animal } = meta;
  yield `{"type":"FeatureCollection","features":[`;
  // Pass 1: the LineString. Positions are held back until two exist (then the geometry is certain).
  const lineProps = JSON.stringify({ animal: animal.id, name: animal.name, species: animal.species, kind: "track", from: null as string | null, to: null as string | null });
  let held: number[][] = [];
  let count = 0;
  let first: string | null = null;
  let last: string | null = null;
  for await (const page of pages()) {
    const parts: string[] = [];
    for (const p of page) {
      if (isSuspect(p.quality)) continue;
      first ??= p.ts;
      last = p.ts;
      count++;
      if (count < 2) {
        held.push(position(p));
        continue;
      }
      if (count === 2) {
        held.push(position(p));
        parts.push(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[${held.map((c) => JSON.stringify(c)).join(",")}`);
        held = [];
      } else {
        parts.push("," + JSON.stringify(position(p)));
      }
    }
    if (parts.length) yield parts.join("");
  }
  const props = lineProps.replace(`"from":null,"to":null`, `"from":${JSON.stringify(first)},"to":${JSON.stringify(last)},"fixes":${count}`);
  yield count >= 2 ? `]},"properties":${props}}` : `{"type":"Feature","geometry":null,"properties":${props}}`;
  // Pass 2: one Point per fix (suspect ones included, flagged).
  for await (const page of pages()) {
    if (page.length === 0) continue;
    yield page
      .map((p) => `,{"type":"Feature","geometry":{"type":"Point","coordinates":${JSON.stringify(position(p))}},"properties":${JSON.stringify(pointProperties(p, animal.id))}}`)
      .join("");
  }
  yield `]}`;
}
