// Outbox sender: one JSON line per code in <dataDir>/outbox.jsonl, for development and for operators
// who relay codes themselves. The file holds live codes, so it is kept owner-only (0600).
import { appendFile, chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { OtpSendError, type OtpMessage, type OtpSender } from "./types.ts";

export class OutboxSender implements OtpSender {
  readonly kind = "outbox";
  readonly file: string;
  // Writes run one after another, so lines never interleave and keep the order of send() calls.
  private tail: Promise<void> = Promise.resolve();
  private tightened = false;

  constructor(private readonly dataDir: string) {
    this.file = path.join(dataDir, "outbox.jsonl");
  }

  send(m: OtpMessage): Promise<void> {
    // Fixed key order; JSON.stringify escapes newlines, so one message is always one line.
    const line = JSON.stringify({ to: m.to, code: m.code, purpose: m.purpose, ts: m.ts }) + "\n";
    const write = this.tail.then(() => this.append(line));
    this.tail = write.catch(() => {}); // a failed write must not block the ones after it
    return write;
  }

  private async append(line: string): Promise<void> {
    try {
      await mkdir(this.dataDir, { recursive: true }); // every time: the directory may have been removed meanwhile
      await appendFile(this.file, line, { mode: 0o600 }); // O_APPEND: whole lines even with other writers
      // `mode` only applies when the file is created: tighten one left behind with wider permissions.
      if (!this.tightened) await chmod(this.file, 0o600);
      this.tightened = true;
    } catch (err) {
      throw new OtpSendError(this.kind, "could not send the code: the outbox is not writable", { cause: err });
    }
  }
}
