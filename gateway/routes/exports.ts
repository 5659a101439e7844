// Track exports of any length, streamed page by page: GeoJSON (LineString + Points) and Movebank CSV.
import { z } from "zod";
import { formatMovebankTimestamp, movebankHeader, movebankLine } from "../../formats/movebank-csv.ts";
import { trackGeoJson } from "../../formats/geojson.ts";
import { getAnimal, type Animal } from "../../store/repos/animals.ts";
import { readTrack, type TrackPoint } from "../../store/repos/track.ts";
import type { Queryable } from "../../store/database.ts";
import { timeParam } from "../http/params.ts";
import { notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

/** Fixes read per query while streaming an export. */
export const EXPORT_PAGE_SIZE = 5000;

const ExportQuery = z
  .object({ from: timeParam.optional(), to: timeParam.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ["from"], message: "must not be after to" });

/** An animal's fixes in [from, to), oldest first, one page at a time (keyset paging on (ts, collar)). */
export async function* trackPages(db: Queryable, animal: string, window: { from?: number; to?: number }, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<TrackPoint[]> {
  let after: { ts: string; collar: string } | undefined;
  for (;;) {
    const page = await readTrack(db, animal, { ...window, after }, pageSize);
    if (page.items.length) yield page.items;
    const last = page.items[page.items.length - 1];
    if (page.next_cursor === null || !last) return;
    after = { ts: last.ts, collar: last.collar };
  }
}

function fileName(animal: Animal, ext: string, q: { from?: number; to?: number }): string {
  const safe = (animal.name || animal.id).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || animal.id;
  const day = (ms: number) => formatMovebankTimestamp(ms).slice(0, 10);
  const range = q.from !== undefined || q.to !== undefined ? `_${q.from !== undefined ? day(q.from) : "start"}_${q.to !== undefined ? day(q.to) : "end"}` : "";
  return `${safe}${range}.${ext}`.replace(/"/g, "");
}

export function exportRoutes(s: Services): Route[] {
  const animalOr404 = async (id: string) => {
    const animal = await getAnimal(s.db, id);
    if (!animal) throw notFound(`animal ${id}`);
    return animal;
  };
  return [
    route({
      method: "GET",
      path: "/api/v1/animals/:id/track.geojson",
      summary: "An animal's track in [from, to) as GeoJSON: one LineString of the in-order, non-suspect fixes, then one Point per fix (streamed)",
      tags: ["animals"],
      query: ExportQuery,
      responses: { 200: { description: "GeoJSON FeatureCollection ([lon, lat], RFC 7946)", contentType: "application/geo+json", schema: z.object({ type: z.literal("FeatureCollection"), features: z.array(z.unknown()) }) } },
      handler: async (ctx) => {
        const animal = await animalOr404(ctx.params.id!);
        const window = { from: ctx.q.from, to: ctx.q.to };
        return {
          contentType: "application/geo+json",
          headers: { "Content-Disposition": `attachment; filename="${fileName(animal, "geojson", window)}"` },
          stream: trackGeoJson(() => trackPages(s.db, animal.id, window), { animal, ...window }),
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id/track.csv",
      summary:
        "An animal's track in [from, to) as Movebank CSV (event-id, visible, timestamp `yyyy-MM-dd HH:mm:ss.SSS` UTC, location-long, location-lat, gps:hdop, gps:satellite-count, ground-speed m/s, heading, height-above-msl, battery-charge-percent, external-temperature, activity-count, sensor-type, tag-local-identifier, individual-local-identifier, individual-taxon-canonical-name); streamed",
      tags: ["animals"],
      query: ExportQuery,
      responses: { 200: { description: "Movebank CSV (RFC 4180, CRLF line ends); `visible` is false for suspect fixes", contentType: "text/csv", schema: z.string() } },
      handler: async (ctx) => {
        const animal = await animalOr404(ctx.params.id!);
        const window = { from: ctx.q.from, to: ctx.q.to };
        const db = s.db;
        async function* rows(): AsyncGenerator<string> {
          yield movebankHeader();
          let n = 0;
          for await (const page of trackPages(db, animal.id, window)) {
            yield page.map((p) => movebankLine(p, ++n, { animal })).join("");
          }
        }
        return {
          contentType: "text/csv; charset=utf-8",
          headers: { "Content-Disposition": `attachment; filename="${fileName(animal, "csv", window)}"` },
          stream: rows(),
        };
      },
    }),
  ];
}
