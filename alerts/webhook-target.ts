// Which addresses a webhook may be sent to (SSRF guard). Managers choose webhook URLs, but the server
// POSTs from inside the deployment network, so a URL must not reach the server itself, the internal
// network or the cloud metadata service unless the operator allows private targets. Checked at
// registration (IP literals) and again on the address actually connected to, after DNS resolution
// (hostnames, DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, isIPv4, type LookupFunction } from "node:net";

/**
 * public: may be contacted. private: loopback, RFC 1918, carrier-grade NAT, IPv6 unique local —
 * only with allowPrivate. forbidden: never a sensible target (unspecified, link-local including cloud
 * metadata, multicast, broadcast).
 */
export type AddressClass = "public" | "private" | "forbidden";

export interface TargetPolicy {
  /** Allow private addresses (e.g. a receiver on the same host or LAN). Forbidden ones never are. */
  allowPrivate: boolean;
}

interface Range {
  base: bigint;
  bits: number;
  cls: AddressClass;
  name: string;
}

const v4 = (cidr: string, cls: AddressClass, name: string): Range => {
  const [ip, bits] = cidr.split("/");
  return { base: ipv4Bits(ip!), bits: Number(bits), cls, name };
};
const v6 = (cidr: string, cls: AddressClass, name: string): Range => {
  const [ip, bits] = cidr.split("/");
  return { base: ipv6Bits(ip!), bits: Number(bits), cls, name };
};

// Anything not listed is public (documentation ranges such as 2001:db8::/32 or 192.0.2.0/24
// included: they reach nothing inside the deployment, the connection simply fails).
const IPV4_RANGES: Range[] = [
  v4("0.0.0.0/8", "forbidden", "unspecified"),
  v4("169.254.0.0/16", "forbidden", "link-local, cloud metadata"),
  v4("224.0.0.0/4", "forbidden", "multicast"),
  v4("255.255.255.255/32", "forbidden", "broadcast"),
  v4("127.0.0.0/8", "private", "loopback"),
  v4("10.0.0.0/8", "private", "RFC 1918"),
  v4("172.16.0.0/12", "private", "RFC 1918"),
  v4("192.168.0.0/16", "private", "RFC 1918"),
  v4("100.64.0.0/10", "private", "carrier-grade NAT"),
];

// Prefixes that carry an IPv4 address in their last 32 bits: judged by that address, since that is
// where the packets end up (the kernel for IPv4-mapped, a NAT64 gateway for 64:ff9b::/96).
const EMBEDDED_V4: Array<{ base: bigint; name: string }> = [
  { base: ipv6Bits("::ffff:0:0"), name: "IPv4-mapped" },
  { base: ipv6Bits("64:ff9b::"), name: "NAT64" },
];

const IPV6_RANGES: Range[] = [
  v6("::/128", "forbidden", "unspecified"),
  v6("::1/128", "private", "loopback"),
  v6("::/96", "forbidden", "deprecated IPv4-compatible"),
  v6("fe80::/10", "forbidden", "link-local"),
  v6("ff00::/8", "forbidden", "multicast"),
  v6("fc00::/7", "private", "unique local"),
  v6("fec0::/10", "private", "deprecated site-local"),
];

function ipv4Bits(ip: string): bigint {
  return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** 128 bits of a valid IPv6 address (`::` shorthand, an optional dotted IPv4 tail). */
function ipv6Bits(ip: string): bigint {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4Bits(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const inRange = (bits: bigint, width: number, r: Range) => bits >> BigInt(width - r.bits) === r.base >> BigInt(width - r.bits);

/** The range an address falls in (null: public), or undefined when it is not an IP address. */
function rangeOf(address: string): Range | null | undefined {
  const ip = address.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, ""); // URL brackets, IPv6 zone id
  if (isIPv4(ip)) {
    const bits = ipv4Bits(ip);
    return IPV4_RANGES.find((r) => inRange(bits, 32, r)) ?? null;
  }
  if (isIP(ip) !== 6) return undefined;
  const bits = ipv6Bits(ip.toLowerCase());
  for (const e of EMBEDDED_V4) {
    if (bits >> 32n !== e.base >> 32n) continue;
    const inner = IPV4_RANGES.find((r) => inRange(bits & 0xffffffffn, 32, r));
    return inner ? { ...inner, name: `${inner.name}; ${e.name}` } : null;
  }
  return IPV6_RANGES.find((r) => inRange(bits, 128, r)) ?? null;
}

/** Classifies an IPv4 or IPv6 address (IPv4-mapped ones by their IPv4 address); null when `address` is not an IP address. */
export function classifyAddress(address: string): AddressClass | null {
  const r = rangeOf(address);
  return r === undefined ? null : (r?.cls ?? "public");
}

/**
 * Why `address` may not be contacted under `policy`, to follow "<address> is" ("a private address
 * (loopback); set …"), or null when it may (public, private when allowed, or not an IP address).
 */
export function refusal(address: string, policy: TargetPolicy): string | null {
  const r = rangeOf(address);
  if (!r || r.cls === "public") return null;
  if (r.cls === "forbidden") return `a forbidden address (${r.name})`;
  return policy.allowPrivate ? null : `a private address (${r.name}); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow`;
}

/** For a URL whose host is an IP literal that is refused: "10.0.0.5 is a private address …"; else null. */
export function refusedLiteral(url: URL, policy: TargetPolicy): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const why = refusal(host, policy);
  return why && `${host} is ${why}`;
}

/** A webhook target that the policy refuses; the delivery log records its message. */
export class TargetRefusedError extends Error {
  constructor(detail: string) {
    super(`refused: ${detail}`);
    this.name = "TargetRefusedError";
  }
}

/**
 * A `lookup` for node:net/http/https that resolves like dns.lookup but fails with
 * TargetRefusedError when any resolved address is refused, so the check applies to the address the
 * socket actually connects to. (Node skips `lookup` for IP literals: check those with refusedLiteral.)
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      for (const a of addresses) {
        const why = refusal(a.address, policy);
        if (why) return callback(new TargetRefusedError(`${hostname} resolves to ${a.address}, ${why}`), "", 0);
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
