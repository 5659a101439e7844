// Password hashing with Node's scrypt (memory-hard, no native add-on to build). Parameters:
// N = 2^15, r = 8, p = 1 → 32 MiB and ~50–100 ms per hash on a server core, above OWASP's minimum
// for scrypt (N=2^17 r=8 p=1 is their first choice; 2^15 keeps a login burst on a 2-core box from
// exhausting memory: the hashing runs on libuv's 4 threads, 128 MiB at most). A 16-byte random salt,
// a 32-byte key. Stored as `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<key b64url>`, so the parameters
// can be raised later and old hashes still verify (and can be re-hashed at the next login).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export const SCRYPT_PARAMS = Object.freeze({ logN: 15, r: 8, p: 1, keyLength: 32, saltLength: 16 });

function derive(password: string, salt: Buffer, logN: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * 2 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFKC"), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const { logN, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, logN, r, p, keyLength);
  return ["scrypt", logN, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Constant-time check; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((x) => Number.isInteger(x) && x > 0) || logN > 20) return false;
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (expected.length === 0) return false;
  const key = await derive(password, salt, logN, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

// Verified against when the e-mail is unknown, so a login takes as long either way (no user enumeration by timing).
let dummy: Promise<string> | null = null;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword("not-a-real-password-" + randomBytes(8).toString("hex"));
  await verifyPassword(password, await dummy);
  return false;
}
