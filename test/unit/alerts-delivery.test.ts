// Pure pieces of alert delivery: signature, backoff with jitter, /alerts subscription filters.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../alerts/alerts-namespace.ts";
import { backoffMs, signBody } from "../../alerts/webhook-dispatcher.ts";
import { secretHint } from "../../store/repos/webhooks.ts";

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

  it("shows only a hint of a secret", () => {
    expect(secretHint("supersecretvalue-9f3a")).toBe("…9f3a");
  });
});
