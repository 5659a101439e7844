// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per file, top N.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; where: string; selfMs: number; pct: number }>;
  files: Array<{ file: string; selfMs: number; pct: number }>;
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) return u.slice(nm + "node_modules/".length);
  const root = u.indexOf("/work/main/");
  return root >= 0 ? u.slice(root + "/work/main/".length) : u;
}

export function summariseProfile(path: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
  const total = (p.endTime - p.startTime) / 1000;
  const fn = new Map<string, { name: string; where: string; selfMs: number }>();
  const files = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const where = `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    const name = n.callFrame.functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const e = fn.get(key) ?? { name, where, selfMs: 0 };
    e.selfMs += ms;
    fn.set(key, e);
    const file = n.callFrame.url ? shortUrl(n.callFrame.url).split(":")[0]! : name;
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const pct = (ms: number) => Math.round((ms / total) * 1000) / 10;
  return {
    totalMs: total,
    functions: [...fn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map((f) => ({ ...f, selfMs: Math.round(f.selfMs), pct: pct(f.selfMs) })),
    files: [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([file, ms]) => ({ file, selfMs: Math.round(ms), pct: pct(ms) })),
  };
}
