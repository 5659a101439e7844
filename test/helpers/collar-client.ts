// A real WebSocket collar for tests: sends frames to /ingest and collects acks, nacks and errors.
import WebSocket from "ws";

export interface Nack {
  seq: number;
  code: string;
  errors: Array<{ path: string; message: string }>;
}

export class TestCollar {
  readonly acked: number[] = [];
  readonly nacks: Nack[] = [];
  readonly errors: Array<{ code: string; detail: string }> = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === "ack") this.acked.push(...msg.seq);
      else if (msg.type === "nack") this.nacks.push(msg);
      else if (msg.type === "error") this.errors.push(msg);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on("close", (code) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(url: string, token: string | null, via: "header" | "query" = "header"): Promise<TestCollar> {
    const target = token && via === "query" ? `${url}?token=${encodeURIComponent(token)}` : url;
    const headers: Record<string, string> = token && via === "header" ? { Authorization: `Bearer ${token}` } : {};
    const ws = new WebSocket(target, { headers });
    const collar = new TestCollar(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(collar));
      ws.once("error", reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Waits until `cond` holds (checked after every message), or fails after `ms`. */
  async until(cond: () => boolean, ms = 20_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (acked ${this.acked.length}, nacks ${this.nacks.length}, errors ${JSON.stringify(this.errors)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** A track of `n` fixes one minute apart in the Mara, starting at `start`. */
export function makeFixes(n: number, start = Date.UTC(2026, 10, 20, 6), seq0 = 1, collar?: string) {
  return Array.from({ length: n }, (_, i) => ({
    seq: seq0 + i,
    ...(collar ? { collar } : {}),
    ts: new Date(start + i * 60_000).toISOString(),
    lat: -1.5 + Math.sin(i / 50) * 0.01 + i * 1e-5,
    lon: 35.0 + Math.cos(i / 50) * 0.01,
    battery: 90,
  }));
}
