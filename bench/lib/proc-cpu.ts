// Where the machine's CPU goes during a measure window: this process, the server process, all
// PostgreSQL processes, and everything else (other jobs on the machine). Linux /proc; elsewhere the
// PostgreSQL share reads as NaN.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

const CLK_TCK = 100; // USER_HZ on Linux

/** CPU time (ms) used so far by each process whose command name is `comm`, by pid; null off Linux. */
export function processCpuMs(comm: string): Map<string, number> | null {
  const out = new Map<string, number>();
  let dirs: string[];
  try {
    dirs = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const d of dirs) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (stat.slice(open + 1, close) !== comm) continue;
    const fields = stat.slice(close + 2).split(" "); // fields[0] is field 3 (state)
    out.set(d, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK); // utime (14), stime (15)
  }
  return out;
}

/** CPU used between two readings by the processes of the second (new ones count from 0; exited ones are lost). */
function usedBetween(a: Map<string, number> | null, b: Map<string, number> | null): number {
  if (!a || !b) return NaN;
  let ms = 0;
  for (const [pid, t] of b) ms += Math.max(0, t - (a.get(pid) ?? 0));
  return ms;
}

/** Busy and total CPU time (ms) of the whole machine, summed over cores. */
export function machineCpuMs(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.irq + t.idle;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

export interface CpuSplit {
  /** Cores used (1.0 = one core fully busy) over the window. */
  server: number;
  loadgen: number;
  postgres: number;
  other: number;
  machine: number;
  cores: number;
}

export class CpuMeter {
  private m0 = machineCpuMs();
  private pg0 = processCpuMs("postgres");
  private self0 = process.cpuUsage();
  private t0 = performance.now();

  reset(): void {
    this.m0 = machineCpuMs();
    this.pg0 = processCpuMs("postgres");
    this.self0 = process.cpuUsage();
    this.t0 = performance.now();
  }

  /** serverCores: measured inside the server process over the same window. */
  read(serverCores: number): CpuSplit {
    const wall = performance.now() - this.t0;
    const m1 = machineCpuMs();
    const cores = os.cpus().length;
    const machine = ((m1.busy - this.m0.busy) / (m1.total - this.m0.total)) * cores;
    const self = process.cpuUsage(this.self0);
    const loadgen = (self.user + self.system) / 1000 / wall;
    const postgres = usedBetween(this.pg0, processCpuMs("postgres")) / wall;
    const other = Math.max(0, machine - loadgen - (Number.isNaN(postgres) ? 0 : postgres) - serverCores);
    return { server: serverCores, loadgen, postgres, other, machine, cores };
  }
}
