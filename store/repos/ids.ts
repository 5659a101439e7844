// Server-generated ids: a short type prefix, a time part (so ids sort by creation) and randomness.
import { randomBytes } from "node:crypto";

export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, "0")}${randomBytes(6).toString("hex")}`;
}
