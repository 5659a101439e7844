import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromArrayBuffer, writeArrayBuffer } from "geotiff";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAYERS, makeGrid, type LayerName } from "../../engine/landscape/stack.ts";
import { syntheticLandscape } from "../../engine/landscape/synthetic.ts";
import { decodeLayerGeoTiff, encodeLayerGeoTiff, readStackFromGeoTiffs, writeStackToGeoTiffs } from "../../formats/geotiff-stack.ts";

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const arrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe("covariate stacks as GeoTIFF", () => {
  let dir: string;
  const land = syntheticLandscape("geotiff", { bounds: { west: 34.8, south: -1.9, east: 35.3, north: -1.5 }, cellDeg: 0.005 });
  land.layers.ndvi[7] = NaN; // a no-data cell must survive the trip
  let paths: Record<LayerName, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "landscape-geotiff-"));
    paths = await writeStackToGeoTiffs(land, dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips values, bounds and cell size", async () => {
    expect(Object.keys(paths)).toEqual([...LAYERS]);
    const back = await readStackFromGeoTiffs(paths);
    expect(back.grid).toEqual(land.grid);
    for (const name of LAYERS) expect(bytes(back.layers[name]).equals(bytes(land.layers[name]))).toBe(true);
    expect(back.layers.ndvi[7]).toBeNaN();
  });

  it("writes georeferencing geotiff.js itself reads as WGS 84 lon/lat", async () => {
    const tiff = await fromArrayBuffer(arrayBuffer(await readFile(paths.elevation)));
    const image = await tiff.getImage();
    const g = land.grid;
    expect([image.getWidth(), image.getHeight()]).toEqual([g.nx, g.ny]);
    expect(image.getBoundingBox()).toEqual([g.west, g.south, g.east, g.north].map((v) => expect.closeTo(v, 12)));
    expect(image.getResolution().slice(0, 2)).toEqual([g.cellLon, -g.cellLat]);
    expect(image.getGeoKeys()).toMatchObject({ GTModelTypeGeoKey: 2, GTRasterTypeGeoKey: 1, GeographicTypeGeoKey: 4326 });
    expect(image.getSampleFormat()).toBe(3);
    expect(image.getBitsPerSample()).toBe(32);
    const [band] = await image.readRasters();
    expect(bytes(band as Float32Array).equals(bytes(land.layers.elevation))).toBe(true);
  });

  it("names the layer whose grid differs", async () => {
    const g = land.grid;
    const shifted = makeGrid(g.west + g.cellLon, g.north, g.cellLon, g.cellLat, g.nx, g.ny);
    const odd = join(dir, "ndvi-shifted.tif");
    await writeFile(odd, new Uint8Array(encodeLayerGeoTiff(shifted, land.layers.ndvi)));
    await expect(readStackFromGeoTiffs({ ...paths, ndvi: odd })).rejects.toThrow(/layer "ndvi" \(.*ndvi-shifted\.tif\) is not on the same grid as "elevation".*corner/);

    const smaller = join(dir, "dist-small.tif");
    await writeFile(smaller, new Uint8Array(encodeLayerGeoTiff(makeGrid(g.west, g.north, g.cellLon, g.cellLat, 3, 2), new Float32Array(6))));
    await expect(readStackFromGeoTiffs({ ...paths, dist_settlement: smaller })).rejects.toThrow(/layer "dist_settlement".*size 3×2 cells vs 100×80/);

    const coarser = join(dir, "water-coarse.tif");
    await writeFile(coarser, new Uint8Array(encodeLayerGeoTiff(makeGrid(g.west, g.north, 2 * g.cellLon, 2 * g.cellLat, g.nx, g.ny), land.layers.dist_water)));
    await expect(readStackFromGeoTiffs({ ...paths, dist_water: coarser })).rejects.toThrow(/layer "dist_water".*cell size/);
  });

  it("reports missing, unreadable, projected and non-categorical layers clearly", async () => {
    const { landcover: _omit, ...four } = paths;
    await expect(readStackFromGeoTiffs(four as Record<LayerName, string>)).rejects.toThrow(/missing GeoTIFF path for layer\(s\): landcover/);
    await expect(readStackFromGeoTiffs({ ...paths, elevation: join(dir, "nope.tif") })).rejects.toThrow(/layer "elevation": cannot read/);
    const junk = join(dir, "junk.tif");
    await writeFile(junk, "not a tiff");
    await expect(readStackFromGeoTiffs({ ...paths, ndvi: junk })).rejects.toThrow(/layer "ndvi" \(.*junk\.tif\) is not a readable GeoTIFF/);

    const utm = join(dir, "utm.tif");
    const projected = writeArrayBuffer(new Float32Array(6), {
      width: 3,
      height: 2,
      ModelPixelScale: [500, 500, 0],
      ModelTiepoint: [0, 0, 0, 700000, 9800000, 0],
      GTModelTypeGeoKey: 1,
      ProjectedCSTypeGeoKey: 32736,
    });
    await writeFile(utm, new Uint8Array(projected));
    await expect(readStackFromGeoTiffs({ ...paths, elevation: utm })).rejects.toThrow(/layer "elevation" .*projected CRS \(EPSG:32736\)/);

    const fractional = join(dir, "lc-float.tif");
    const lc = land.layers.landcover.slice();
    lc[3] = 1.5;
    await writeFile(fractional, new Uint8Array(encodeLayerGeoTiff(land.grid, lc)));
    await expect(readStackFromGeoTiffs({ ...paths, landcover: fractional })).rejects.toThrow(/"landcover".*1\.5 at cell 3/);
  });

  it("maps a numeric GDAL_NODATA to NaN and reads integer rasters, tiepoints off the corner and PixelIsPoint", async () => {
    // A byte land-cover raster as GIS tools export it: 255 = no data.
    const byteLc = writeArrayBuffer(new Uint8Array([1, 255, 3, 4, 5, 2]), {
      width: 3,
      height: 2,
      ModelPixelScale: [0.1, 0.1, 0],
      ModelTiepoint: [0, 0, 0, 30, 0, 0],
      GTModelTypeGeoKey: 2,
      GeographicTypeGeoKey: 4326,
      GDAL_NODATA: "255",
    });
    const a = await decodeLayerGeoTiff(byteLc);
    expect(a.grid).toMatchObject({ west: 30, north: 0, cellLon: 0.1, cellLat: 0.1, nx: 3, ny: 2 });
    expect([...a.values]).toEqual([1, NaN, 3, 4, 5, 2]);

    // Tiepoint on the centre of pixel (1, 1) (PixelIsPoint), float data with -9999 for no data.
    const pointTie = writeArrayBuffer(new Float32Array([1, -9999, 3, 4, 5, 6]), {
      width: 3,
      height: 2,
      ModelPixelScale: [0.1, 0.1, 0],
      ModelTiepoint: [1, 1, 0, 30.1, -0.1, 0],
      GTModelTypeGeoKey: 2,
      GTRasterTypeGeoKey: 2,
      GeographicTypeGeoKey: 4326,
      GDAL_NODATA: "-9999",
    });
    const b = await decodeLayerGeoTiff(pointTie);
    expect(b.grid.west).toBeCloseTo(29.95, 12);
    expect(b.grid.north).toBeCloseTo(0.05, 12);
    expect([...b.values]).toEqual([1, NaN, 3, 4, 5, 6]);

    // South-up rows (negative y scale): flipped so row 0 is north again.
    const southUp = writeArrayBuffer(new Float32Array([1, 2, 3, 4, 5, 6]), {
      width: 3,
      height: 2,
      ModelPixelScale: [0.1, -0.1, 0],
      ModelTiepoint: [0, 0, 0, 30, -0.2, 0],
      GTModelTypeGeoKey: 2,
      GeographicTypeGeoKey: 4326,
    });
    const c = await decodeLayerGeoTiff(southUp);
    expect(c.grid.north).toBeCloseTo(0, 12);
    expect(c.grid.south).toBeCloseTo(-0.2, 12);
    expect([...c.values]).toEqual([4, 5, 6, 1, 2, 3]);
  });
});
