// Fences: corridors (where animals should stay or pass) and risk zones (farms, villages, roads, …).
// Shared shapes between the geometry engine (engine/fences/) and storage/REST.

export type FenceKind = "corridor" | "risk_zone";

/** GeoJSON positions, [lon, lat]. */
export type Position = [number, number];
export type PolygonCoords = Position[][]; // outer ring first, then holes; rings closed
export type MultiPolygonCoords = PolygonCoords[];

export type FenceArea = { type: "Polygon"; coordinates: PolygonCoords } | { type: "MultiPolygon"; coordinates: MultiPolygonCoords };

/** Geometry as a user submits it: an area, or a LineString buffered by width_m. */
export type FenceInputGeometry = FenceArea | { type: "LineString"; coordinates: Position[] };

/** Per-fence alert rules (used by the alerting engine). */
export interface FenceRules {
  /** Alert kinds this fence raises; empty or absent = the defaults for its kind. */
  kinds?: string[];
  /** Only these species / herds (absent = all). */
  species?: string[];
  herds?: string[];
  /** Time inside before risk_dwell fires. */
  dwell_s?: number;
  /** No repeat of the same alert for the same animal within this time. */
  quiet_s?: number;
  /** A fix within this distance of the border does not change inside/outside state. */
  hysteresis_m?: number;
}

/** A fence as the engine indexes it: its area is always a (Multi)Polygon. */
export interface Fence {
  id: string;
  kind: FenceKind;
  name: string;
  area: FenceArea;
  rules: FenceRules;
}

export interface FieldError {
  path: string;
  message: string;
}
