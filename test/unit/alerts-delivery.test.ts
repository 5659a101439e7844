// Pure pieces of alert delivery: signature, backoff with jitter, /alerts subscription filters, and
// the webhook registration schema's target check.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { matchesFilter } from "../../alerts/alerts-namespace.ts";
import { backoffMs, signBody } from "../../alerts/webhook-dispatcher.ts";
import { webhookRoutes } from "../../gateway/routes/webhooks.ts";
import type { Services } from "../../gateway/services.ts";
import { secretHint } from "../../store/repos/webhooks.ts";

/** The POST /api/v1/webhooks body schema (the routes only touch services in their handlers). */
const registration = (opts?: { allowPrivate: boolean }) =>
  webhookRoutes({} as Services, opts).find((r) => r.method === "POST" && r.path === "/api/v1/webhooks")!.body as z.ZodType;
const urlIssues = (schema: z.ZodType, url: string) => {
  const r = schema.safeParse({ url, secret: "0123456789abcdef" });
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
};

describe("alert delivery helpers", () => {
  it("signs the exact body with HMAC-SHA256 as sha256=<hex>", () => {
    const body = JSON.stringify({ id: "alt_1", kind: "risk_enter", detail: { é: "ü" } });
    expect(signBody("0123456789abcdef", body)).toBe(`sha256=${createHmac("sha256", "0123456789abcdef").update(Buffer.from(body, "utf8")).digest("hex")}`);
    expect(signBody("0123456789abcdef", body + " ")).not.toBe(signBody("0123456789abcdef", body));
  });

  it("backs off exponentially with jitter between half and all of the capped delay", () => {
    expect(backoffMs(1, 1000, 3_600_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 3_600_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 3_600_000, () => 1)).toBe(8000);
    expect(backoffMs(30, 1000, 3_600_000, () => 1)).toBe(3_600_000); // capped
    for (let i = 0; i < 100; i++) {
      const d = backoffMs(3, 1000, 3_600_000);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });

  it("filters alerts by kinds AND animals AND herds, each any-of; no filter passes all", () => {
    const a = { kind: "risk_enter", animal: "ani_1", herd: "hrd_1" };
    expect(matchesFilter(null, a)).toBe(true);
    expect(matchesFilter({ kinds: new Set(["risk_enter", "immobility"]) }, a)).toBe(true);
    expect(matchesFilter({ kinds: new Set(["immobility"]) }, a)).toBe(false);
    expect(matchesFilter({ kinds: new Set(["risk_enter"]), animals: new Set(["ani_2"]) }, a)).toBe(false);
    expect(matchesFilter({ herds: new Set(["hrd_1"]) }, a)).toBe(true);
    expect(matchesFilter({ herds: new Set(["hrd_1"]) }, { ...a, herd: null })).toBe(false);
  });

  it("refuses webhook URLs naming a private IP by default and a forbidden one always, with the reason", () => {
    const strict = registration();
    const lax = registration({ allowPrivate: true });
    expect(urlIssues(strict, "http://10.0.0.5/hook")).toEqual([
      { path: "url", message: "refused: 10.0.0.5 is a private address (RFC 1918); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow" },
    ]);
    expect(urlIssues(strict, "http://[::1]:8080/")).toEqual([{ path: "url", message: expect.stringMatching(/^refused: ::1 is a private address \(loopback\)/) }]);
    expect(urlIssues(lax, "http://10.0.0.5/hook")).toEqual([]);
    for (const schema of [strict, lax])
      expect(urlIssues(schema, "http://169.254.169.254/latest/meta-data/")).toEqual([
        { path: "url", message: "refused: 169.254.169.254 is a forbidden address (link-local, cloud metadata)" },
      ]);
    expect(urlIssues(strict, "https://hooks.example.org/wt")).toEqual([]);
    expect(urlIssues(strict, "http://localhost:9000/")).toEqual([]); // a hostname: checked after resolution, at send time
    expect(urlIssues(strict, "ftp://example.org/")).toEqual([{ path: "url", message: "must be an http or https URL" }]);
    expect(urlIssues(strict, "not a url")).toEqual([{ path: "url", message: "must be an http or https URL" }]);
  });

  it("shows only a hint of a secret", () => {
    expect(secretHint("supersecretvalue-9f3a")).toBe("…9f3a");
  });
});
