// The webhook SSRF guard: which addresses are public, private (allowed only on request) or forbidden,
// and the lookup that applies the policy to the addresses a hostname resolves to.
import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { classifyAddress, guardedLookup, refusal, refusedLiteral, TargetRefusedError, type TargetPolicy } from "../../alerts/webhook-target.ts";

const STRICT: TargetPolicy = { allowPrivate: false };
const LAX: TargetPolicy = { allowPrivate: true };

describe("classifyAddress", () => {
  it.each([
    // IPv4 public, including the neighbours of every private or forbidden range
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["9.255.255.255", "public"],
    ["11.0.0.0", "public"],
    ["126.255.255.255", "public"],
    ["128.0.0.0", "public"],
    ["172.15.255.255", "public"],
    ["172.32.0.0", "public"],
    ["192.167.255.255", "public"],
    ["192.169.0.0", "public"],
    ["100.63.255.255", "public"],
    ["100.128.0.0", "public"],
    ["169.253.255.255", "public"],
    ["169.255.0.0", "public"],
    ["1.0.0.0", "public"],
    ["223.255.255.255", "public"],
    ["255.255.255.254", "public"], // reserved 240/4, not listed: the connection just fails
    ["192.0.2.1", "public"], // documentation (TEST-NET-1): reaches nothing inside the deployment
    // IPv4 private
    ["127.0.0.1", "private"],
    ["127.255.255.254", "private"],
    ["10.0.0.0", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.0", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.0", "private"],
    ["100.127.255.255", "private"],
    // IPv4 forbidden
    ["0.0.0.0", "forbidden"],
    ["0.255.255.255", "forbidden"],
    ["169.254.169.254", "forbidden"],
    ["169.254.0.0", "forbidden"],
    ["224.0.0.1", "forbidden"],
    ["239.255.255.255", "forbidden"],
    ["255.255.255.255", "forbidden"],
    // IPv6
    ["2606:4700:4700::1111", "public"],
    ["2001:db8::1", "public"], // documentation prefix: not a route into the deployment (stated choice)
    ["::ffff:8.8.8.8", "public"],
    ["1::", "public"],
    ["fbff:ffff::1", "public"],
    ["::", "forbidden"],
    ["::1", "private"],
    ["[::1]", "private"], // as URL.hostname spells it
    ["fc00::1", "private"],
    ["fdff:ffff::1", "private"],
    ["fec0::1", "private"], // deprecated site-local
    ["fe80::1", "forbidden"],
    ["fe80::1%eth0", "forbidden"],
    ["FEBF::1", "forbidden"],
    ["ff02::1", "forbidden"],
    ["ff00::", "forbidden"],
    // IPv4 inside IPv6: judged by the IPv4 address
    ["::ffff:127.0.0.1", "private"],
    ["::ffff:7f00:1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:172.15.255.255", "public"],
    ["::ffff:169.254.169.254", "forbidden"],
    ["::ffff:a9fe:a9fe", "forbidden"],
    ["::ffff:0.0.0.0", "forbidden"],
    ["64:ff9b::169.254.169.254", "forbidden"], // NAT64
    ["64:ff9b::808:808", "public"],
    ["::127.0.0.1", "forbidden"], // deprecated IPv4-compatible
  ] as const)("%s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it("is null for anything that is not an IP address", () => {
    for (const s of ["localhost", "example.org", "", "1.2.3", "256.0.0.1", "127.1", "0x7f000001", "::ffff:1.2.3", "fe80::1::2"]) expect(classifyAddress(s)).toBeNull();
  });
});

describe("refusal policy", () => {
  it("refuses private addresses unless allowed, forbidden ones always, public ones never", () => {
    expect(refusal("10.0.0.5", STRICT)).toBe("a private address (RFC 1918); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow");
    expect(refusal("10.0.0.5", LAX)).toBeNull();
    expect(refusal("::ffff:127.0.0.1", STRICT)).toBe("a private address (loopback; IPv4-mapped); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow");
    expect(refusal("169.254.169.254", LAX)).toBe("a forbidden address (link-local, cloud metadata)");
    expect(refusal("ff02::1", LAX)).toBe("a forbidden address (multicast)");
    expect(refusal("93.184.215.14", STRICT)).toBeNull();
    expect(refusal("not-an-ip", STRICT)).toBeNull(); // hostnames are checked after resolution
  });

  it("checks URL hosts that are IP literals, in whatever spelling the URL parser normalises", () => {
    const literal = (u: string, p = STRICT) => refusedLiteral(new URL(u), p);
    expect(literal("http://10.0.0.5:8080/hook")).toBe("10.0.0.5 is a private address (RFC 1918); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow");
    expect(literal("http://10.0.0.5/", LAX)).toBeNull();
    expect(literal("http://169.254.169.254/latest/meta-data/", LAX)).toBe("169.254.169.254 is a forbidden address (link-local, cloud metadata)");
    expect(literal("http://0xa9fea9fe/", LAX)).toMatch(/^169\.254\.169\.254 is a forbidden/); // hex spelling
    expect(literal("http://2852039166/", LAX)).toMatch(/^169\.254\.169\.254 is a forbidden/); // decimal spelling
    expect(literal("http://127.1/")).toMatch(/^127\.0\.0\.1 is a private/); // short spelling
    expect(literal("https://[::1]/")).toMatch(/^::1 is a private/);
    expect(literal("https://[::ffff:169.254.169.254]/", LAX)).toMatch(/^::ffff:a9fe:a9fe is a forbidden address/);
    expect(literal("https://[fe80::1]/", LAX)).toMatch(/forbidden address \(link-local\)/);
    expect(literal("https://example.org/hook")).toBeNull();
    expect(literal("http://localhost:8080/")).toBeNull(); // a hostname: refused at send time, after resolution
  });
});

describe("guardedLookup", () => {
  const resolve = (host: string, policy: TargetPolicy, all: boolean) =>
    new Promise<{ err: Error | null; address: string | LookupAddress[] }>((done) =>
      guardedLookup(policy)(host, { all }, (err, address) => done({ err, address })),
    );

  it("refuses a hostname that resolves to a private address, naming both", async () => {
    for (const all of [false, true]) {
      const { err } = await resolve("localhost", STRICT, all);
      expect(err).toBeInstanceOf(TargetRefusedError);
      expect(err!.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a private address \(loopback\); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow$/);
    }
  });

  it("answers like dns.lookup when every address is allowed (one address, or all of them)", async () => {
    const one = await resolve("localhost", LAX, false);
    expect(one.err).toBeNull();
    expect(["127.0.0.1", "::1"]).toContain(one.address);
    const all = await resolve("localhost", LAX, true);
    expect(all.err).toBeNull();
    expect((all.address as LookupAddress[]).length).toBeGreaterThan(0);
    const pub = await resolve("93.184.215.14", STRICT, true); // an IP resolves to itself, no network needed
    expect(pub).toEqual({ err: null, address: [{ address: "93.184.215.14", family: 4 }] });
  });

  it("refuses forbidden addresses even when private ones are allowed", async () => {
    const { err } = await resolve("169.254.169.254", LAX, false);
    expect(err?.message).toBe("refused: 169.254.169.254 resolves to 169.254.169.254, a forbidden address (link-local, cloud metadata)");
  });

  it("passes resolver errors through unchanged", async () => {
    const { err } = await resolve("no-such-host.invalid", STRICT, false);
    expect(err).not.toBeInstanceOf(TargetRefusedError);
    expect((err as NodeJS.ErrnoException | null)?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
