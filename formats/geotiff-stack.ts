// Covariate stacks as GeoTIFF files, one single-band file per layer, as GIS tools exchange rasters.
// Written with geotiff.js's writer: uncompressed Float32 (SampleFormat 3), one strip, big-endian,
// georeferenced by ModelPixelScale (cellLon, cellLat, 0) and ModelTiepoint (0, 0, 0, west, north, 0),
// GeoKeys GTModelType = 2 (geographic), GTRasterType = 1 (PixelIsArea: the tiepoint is the outer
// corner of the north-west cell), GeographicType = 4326 (WGS 84), and GDAL_NODATA "nan". Read back (and
// user files read) through geotiff.js, which accepts any compression or tiling it decodes; the reader
// also honours a tiepoint at a pixel other than (0, 0), PixelIsPoint, south-up rows, unrotated
// ModelTransformation, integer sample types and a numeric GDAL_NODATA value.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromArrayBuffer, writeArrayBuffer, type GeotiffWriterMetadata } from "geotiff";
import { assertStack, gridMismatch, LAYER_UNITS, LAYERS, makeGrid, type CovariateStack, type Grid, type LayerName } from "../engine/landscape/stack.ts";

export class GeoTiffStackError extends Error {
  override name = "GeoTiffStackError";
}

const EPSG_WGS84 = 4326;
const PIXEL_IS_AREA = 1;
const PIXEL_IS_POINT = 2;
const MODEL_TYPE_PROJECTED = 1;

/** One layer as a GeoTIFF file's bytes. */
export function encodeLayerGeoTiff(grid: Grid, values: Float32Array, description = ""): ArrayBuffer {
  if (values.length !== grid.nx * grid.ny) throw new GeoTiffStackError(`layer has ${values.length} values, the grid needs ${grid.nx * grid.ny}`);
  // The writer fills in and mutates its metadata object, so each call gets a fresh one.
  const metadata: GeotiffWriterMetadata & { ImageDescription?: string } = {
    width: grid.nx,
    height: grid.ny,
    BitsPerSample: [32],
    SampleFormat: [3],
    ModelPixelScale: [grid.cellLon, grid.cellLat, 0],
    ModelTiepoint: [0, 0, 0, grid.west, grid.north, 0],
    GTModelTypeGeoKey: 2,
    GTRasterTypeGeoKey: PIXEL_IS_AREA,
    GeographicTypeGeoKey: EPSG_WGS84,
    GeogCitationGeoKey: "WGS 84",
    GDAL_NODATA: "nan",
  };
  if (description) metadata.ImageDescription = description;
  return writeArrayBuffer(values, metadata);
}

/** Writes every layer to `${dir}/${prefix}${layer}.tif`; returns the paths by layer. */
export async function writeStackToGeoTiffs(stack: CovariateStack, dir: string, prefix = ""): Promise<Record<LayerName, string>> {
  assertStack(stack);
  await mkdir(dir, { recursive: true });
  const paths = {} as Record<LayerName, string>;
  for (const name of LAYERS) {
    const path = join(dir, `${prefix}${name}.tif`);
    await writeFile(path, new Uint8Array(encodeLayerGeoTiff(stack.grid, stack.layers[name], `${name} (${LAYER_UNITS[name]})`)));
    paths[name] = path;
  }
  return paths;
}

export interface DecodedLayer {
  grid: Grid;
  values: Float32Array;
}

/** Decodes a single-band geographic GeoTIFF into a grid and its values (row 0 north, no-data as NaN). */
export async function decodeLayerGeoTiff(bytes: ArrayBuffer): Promise<DecodedLayer> {
  const tiff = await fromArrayBuffer(bytes);
  const image = await tiff.getImage(0);
  if (image.getSamplesPerPixel() !== 1) throw new GeoTiffStackError(`expected one band, found ${image.getSamplesPerPixel()}`);
  const keys = image.getGeoKeys() ?? {};
  if (keys.GTModelTypeGeoKey === MODEL_TYPE_PROJECTED || keys.ProjectedCSTypeGeoKey !== undefined)
    throw new GeoTiffStackError(`is in a projected CRS (EPSG:${keys.ProjectedCSTypeGeoKey ?? "?"}); covariate layers must be in lon/lat (EPSG:4326)`);
  if (keys.GeographicTypeGeoKey !== undefined && keys.GeographicTypeGeoKey !== EPSG_WGS84)
    throw new GeoTiffStackError(`has geographic CRS EPSG:${keys.GeographicTypeGeoKey}; covariate layers must be WGS 84 (EPSG:4326)`);
  const dir = image.fileDirectory;
  const transform = dir.getValue("ModelTransformation") as ArrayLike<number> | undefined;
  if (transform && (transform[1] !== 0 || transform[4] !== 0)) throw new GeoTiffStackError("is rotated or sheared; only north-aligned grids are supported");

  // Read the tags directly: geotiff.js's getResolution() flips the y sign differently for the two forms.
  // X = originX + col·scaleX, Y = originY − row·scaleY; scaleY > 0 when row 0 is north, as usual.
  let scaleX: number;
  let scaleY: number;
  let originX: number;
  let originY: number;
  const pixelScale = dir.getValue("ModelPixelScale") as ArrayLike<number> | undefined;
  const tie = dir.getValue("ModelTiepoint") as ArrayLike<number> | undefined;
  if (pixelScale && tie && tie.length >= 6) {
    scaleX = pixelScale[0]!;
    scaleY = pixelScale[1]!;
    // A tiepoint may pin any raster position (I, J) to (X, Y): walk back to the raster's corner.
    originX = tie[3]! - tie[0]! * scaleX;
    originY = tie[4]! + tie[1]! * scaleY;
  } else if (transform) {
    scaleX = transform[0]!;
    scaleY = -transform[5]!;
    originX = transform[3]!;
    originY = transform[7]!;
  } else {
    throw new GeoTiffStackError("has no georeferencing (ModelPixelScale + ModelTiepoint, or ModelTransformation)");
  }
  if (!(scaleX > 0) || !(scaleY !== 0)) throw new GeoTiffStackError(`has an unusable pixel scale (${scaleX}, ${scaleY})`);
  if (keys.GTRasterTypeGeoKey === PIXEL_IS_POINT) {
    // The reference point is the centre of the first pixel, not its outer corner.
    originX -= scaleX / 2;
    originY += scaleY / 2;
  }
  const southUp = scaleY < 0;
  const nx = image.getWidth();
  const ny = image.getHeight();
  const cellLat = Math.abs(scaleY);
  const north = southUp ? originY + ny * cellLat : originY;
  let grid: Grid;
  try {
    grid = makeGrid(originX, north, scaleX, cellLat, nx, ny);
  } catch (err) {
    throw new GeoTiffStackError(`has an unusable grid: ${(err as Error).message}`);
  }

  const band = (await image.readRasters({ samples: [0] }))[0] as ArrayLike<number>;
  const values = new Float32Array(nx * ny);
  const nodata = image.getGDALNoData();
  // Compare in the file's own precision: a Float32 file stores -3.4e38 rounded, not as the text says.
  const isFloat32 = band instanceof Float32Array;
  const missing = nodata === null || Number.isNaN(nodata) ? null : isFloat32 ? Math.fround(nodata) : nodata;
  for (let row = 0; row < ny; row++) {
    const src = (southUp ? ny - 1 - row : row) * nx;
    for (let col = 0; col < nx; col++) {
      const v = band[src + col]!;
      values[row * nx + col] = v === missing ? NaN : v;
    }
  }
  return { grid, values };
}

async function readLayer(name: LayerName, path: string): Promise<DecodedLayer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new GeoTiffStackError(`layer "${name}": cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return await decodeLayerGeoTiff(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    const why = err instanceof GeoTiffStackError ? err.message : `is not a readable GeoTIFF (${(err as Error).message})`;
    throw new GeoTiffStackError(`layer "${name}" (${path}) ${why}`);
  }
}

/**
 * A covariate stack from one GeoTIFF per layer (all five required). All must share one grid, to within
 * 1e-6 of a cell; the error names the first layer that differs and how. Land cover must hold integer
 * class codes (see LANDCOVER) or no data.
 */
export async function readStackFromGeoTiffs(paths: Record<LayerName, string>): Promise<CovariateStack> {
  const missing = LAYERS.filter((name) => typeof paths[name] !== "string");
  if (missing.length > 0) throw new GeoTiffStackError(`missing GeoTIFF path for layer(s): ${missing.join(", ")}`);
  const decoded = await Promise.all(LAYERS.map((name) => readLayer(name, paths[name])));
  const reference = decoded[0]!.grid;
  const layers = {} as Record<LayerName, Float32Array>;
  LAYERS.forEach((name, i) => {
    const { grid, values } = decoded[i]!;
    const why = gridMismatch(reference, grid);
    if (why) throw new GeoTiffStackError(`layer "${name}" (${paths[name]}) is not on the same grid as "${LAYERS[0]}" (${paths[LAYERS[0]]}): ${why}`);
    layers[name] = values;
  });
  const lc = layers.landcover;
  for (let i = 0; i < lc.length; i++) {
    const v = lc[i]!;
    if (v === v && !Number.isInteger(v))
      throw new GeoTiffStackError(`layer "landcover" (${paths.landcover}) holds ${v} at cell ${i}: land cover must be integer class codes`);
  }
  return { grid: reference, layers };
}
