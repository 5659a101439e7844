import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../engine/config.ts";

describe("configuration", () => {
  it("has API.md defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: "127.0.0.1", dataDir: "./data", demo: true, otpSender: "outbox", databaseUrl: undefined });
  });

  it("turns the demo off by default when DATABASE_URL is set", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://x@h/db" }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgres://x@h/db", WT_DEMO: "1" }).demo).toBe(true);
  });

  it("reports one clear line per invalid variable", () => {
    try {
      loadConfig({ PORT: "http", DATABASE_URL: "mysql://h", WT_DEMO: "yes", WT_JWT_SECRET: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const lines = (err as ConfigError).lines;
      expect(lines).toHaveLength(4);
      for (const name of ["PORT", "DATABASE_URL", "WT_DEMO", "WT_JWT_SECRET"]) {
        expect(lines.filter((l) => l.includes(`${name}=`))).toHaveLength(1);
      }
    }
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }).port).toBe(8080);
  });
});
