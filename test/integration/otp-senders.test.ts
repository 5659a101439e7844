// OTP senders against real things: the outbox file on disk, a real SMTP server (smtp-server) with
// authentication on 127.0.0.1, and a real local HTTP receiver. Timeouts are set short so the
// dead-server cases finish fast.
import { createHmac } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOtpSender, OtpSendError, OutboxSender, SmtpSender, WebhookSender, type OtpMessage } from "../../auth/otp-senders/index.ts";
import { webhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.ts";

const msg = (over: Partial<OtpMessage> = {}): OtpMessage => ({ to: "ranger@example.org", code: "482913", purpose: "register", ts: "2025-03-01T10:00:00.000Z", ...over });

/** What `promise` rejected with, and after how long. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const start = Date.now();
  try {
    await promise;
  } catch (err) {
    return { err, ms: Date.now() - start };
  }
  throw new Error("expected the send to fail");
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Accepts TCP connections and never says a word: a hung server. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const s: NetServer = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return {
    port: (s.address() as AddressInfo).port,
    close: () => {
      for (const sock of sockets) sock.destroy();
      return new Promise<void>((r) => s.close(() => r()));
    },
  };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "wt-otp-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("outbox sender", () => {
  const lines = async (file: string) => (await readFile(file, "utf8")).split("\n");

  it("appends one JSON line {to,code,purpose,ts} per message to <dataDir>/outbox.jsonl, creating the directory, mode 0600", async () => {
    const dir = path.join(tmp, "fresh", "data");
    const sender = new OutboxSender(dir);
    await sender.send(msg());
    await sender.send(msg({ to: "line\nbreak@example.org", code: "000111", purpose: "login" }));
    const [a, b, end] = await lines(path.join(dir, "outbox.jsonl"));
    expect(end).toBe(""); // every line ends with \n, nothing after
    expect(Object.keys(JSON.parse(a!))).toEqual(["to", "code", "purpose", "ts"]);
    expect(JSON.parse(a!)).toEqual(msg());
    expect(JSON.parse(b!)).toEqual(msg({ to: "line\nbreak@example.org", code: "000111", purpose: "login" }));
    expect((await stat(path.join(dir, "outbox.jsonl"))).mode & 0o777).toBe(0o600);
  });

  it("keeps 100 concurrent sends as 100 whole lines", async () => {
    const dir = path.join(tmp, "concurrent");
    const sender = new OutboxSender(dir);
    const codes = Array.from({ length: 100 }, (_, i) => String(100000 + i));
    // Long addresses make each line several hundred bytes, so interleaved writes would show.
    await Promise.all(codes.map((code, i) => sender.send(msg({ code, to: `${"x".repeat(300)}${i}@example.org` }))));
    const all = (await lines(path.join(dir, "outbox.jsonl"))).filter((l) => l !== "");
    expect(all).toHaveLength(100);
    const parsed = all.map((l) => JSON.parse(l) as OtpMessage);
    expect(parsed.map((p) => p.code)).toEqual(codes); // serialized: in the order of the send() calls
  });

  it("tightens an existing outbox file left with wider permissions to 0600", async () => {
    const dir = path.join(tmp, "loose");
    await mkdir(dir);
    await writeFile(path.join(dir, "outbox.jsonl"), "", { mode: 0o644 });
    await chmod(path.join(dir, "outbox.jsonl"), 0o644);
    await new OutboxSender(dir).send(msg());
    expect((await stat(path.join(dir, "outbox.jsonl"))).mode & 0o777).toBe(0o600);
  });

  it("rejects with OtpSendError when the directory cannot be created, without exposing the path", async () => {
    // A regular file where the directory should be: fails for root too, unlike permission bits.
    const blocker = path.join(tmp, "blocker");
    await writeFile(blocker, "");
    const { err } = await failure(new OutboxSender(path.join(blocker, "data")).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).not.toContain(tmp);
    expect(((err as OtpSendError).cause as NodeJS.ErrnoException).code).toBe("ENOTDIR");
  });

  it("recovers after a failed write: later sends still go through", async () => {
    const dir = path.join(tmp, "recover");
    await mkdir(path.join(dir, "outbox.jsonl"), { recursive: true }); // a directory where the file should be
    const sender = new OutboxSender(dir);
    const { err } = await failure(sender.send(msg({ code: "111111" })));
    expect(err).toBeInstanceOf(OtpSendError);
    await rm(path.join(dir, "outbox.jsonl"), { recursive: true });
    await sender.send(msg({ code: "222222" }));
    expect(JSON.parse((await lines(path.join(dir, "outbox.jsonl")))[0]!).code).toBe("222222");
  });
});

describe("smtp sender", () => {
  const USER = "otp@tracker.test";
  const PASS = "p@ss:w/rd 1"; // characters that must be percent-encoded in the URL
  const url = (port: number, pass = PASS) => `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`;
  interface Mail {
    user: string | undefined;
    from: string | false;
    rcpt: string[];
    raw: string;
  }
  const mails: Mail[] = [];
  let server: SMTPServer;
  let port: number;
  const senders: SmtpSender[] = [];
  const sender = (o: { url: string; timeoutMs?: number }) => {
    const s = new SmtpSender({ from: "Wildlife Tracker <no-reply@tracker.test>", ...o });
    senders.push(s);
    return s;
  };

  beforeAll(async () => {
    server = new SMTPServer({
      logger: false,
      disabledCommands: ["STARTTLS"], // plain SMTP on loopback; the login must still be required
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      onAuth(auth, _session, cb) {
        if (auth.username === USER && auth.password === PASS) cb(null, { user: auth.username });
        else cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          mails.push({
            user: session.user as string | undefined,
            from: session.envelope.mailFrom && session.envelope.mailFrom.address,
            rcpt: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          cb(null);
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("delivers the code to the right recipient from the configured sender, after logging in", async () => {
    await sender({ url: url(port) }).send(msg({ to: "ranger@example.org", code: "731904", purpose: "login" }));
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    expect(m.user).toBe(USER);
    expect(m.from).toBe("no-reply@tracker.test");
    expect(m.rcpt).toEqual(["ranger@example.org"]);
    expect(m.raw).toMatch(/^From: Wildlife Tracker <no-reply@tracker\.test>\r$/m);
    expect(m.raw).toMatch(/^To: ranger@example\.org\r$/m);
    expect(m.raw).toMatch(/^Subject: Your Wildlife Tracker code\r$/m);
    expect(m.raw).toContain("731904");
    expect(m.raw).toContain("sign in");
    expect(m.raw).toContain("expires in 10 minutes");
  });

  it("refuses a recipient that is not one plain address, sending nothing", async () => {
    const before = mails.length;
    for (const to of ["a@example.org, b@example.org", "Evil <b@example.org>", "a@example.org\r\nBcc: b@example.org", "nobody"]) {
      const { err } = await failure(sender({ url: url(port) }).send(msg({ to })));
      expect(err).toBeInstanceOf(OtpSendError);
    }
    expect(mails.length).toBe(before);
  });

  it("fails with OtpSendError on a wrong password, keeping the password out of the message", async () => {
    const { err } = await failure(sender({ url: url(port, "wrong-password"), timeoutMs: 2000 }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    const e = err as OtpSendError;
    expect(e.message).toContain("refused the login");
    expect(e.message).not.toContain("wrong-password");
    expect(e.logLine()).toContain("EAUTH");
  });

  it("fails fast with OtpSendError when nothing listens on the port", async () => {
    const { err, ms } = await failure(sender({ url: url(await closedPort()), timeoutMs: 500 }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).toContain("unreachable");
    expect(ms).toBeLessThan(2000);
  });

  it("gives up on a server that accepts the connection but never greets, after the timeout", async () => {
    const silent = await silentServer();
    try {
      const { err, ms } = await failure(sender({ url: url(silent.port), timeoutMs: 400 }).send(msg()));
      expect(err).toBeInstanceOf(OtpSendError);
      expect((err as OtpSendError).message).toContain("did not answer in time");
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(3000);
    } finally {
      await silent.close();
    }
  });
});

describe("webhook sender", () => {
  const SECRET = "otp-webhook-secret-0001";
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it("POSTs exactly {to,code,purpose,ts} as JSON, signed with HMAC-SHA256 of the body", async () => {
    receiver = await webhookReceiver(() => 204);
    await new WebhookSender({ url: receiver.url, secret: SECRET }).send(msg());
    expect(receiver.got).toHaveLength(1);
    const r = receiver.got[0]!;
    expect(r.body).toBe('{"to":"ranger@example.org","code":"482913","purpose":"register","ts":"2025-03-01T10:00:00.000Z"}');
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["x-wt-signature"]).toBe(`sha256=${createHmac("sha256", SECRET).update(r.body, "utf8").digest("hex")}`);
  });

  it("sends no signature header when no secret is configured", async () => {
    receiver = await webhookReceiver(() => 200);
    await new WebhookSender({ url: receiver.url }).send(msg());
    expect(receiver.got[0]!.headers["x-wt-signature"]).toBeUndefined();
  });

  it("turns a non-2xx answer into OtpSendError naming the status", async () => {
    receiver = await webhookReceiver(() => 500);
    const { err } = await failure(new WebhookSender({ url: receiver.url, secret: SECRET }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).toContain("HTTP 500");
    expect((err as OtpSendError).message).not.toContain(SECRET);
  });

  it("does not follow a redirect (the code must reach only the configured URL)", async () => {
    receiver = await webhookReceiver((n) => (n === 1 ? { status: 307, headers: { Location: "/elsewhere" } } : 200));
    const { err } = await failure(new WebhookSender({ url: receiver.url }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).toContain("HTTP 307");
    expect(receiver.got).toHaveLength(1);
  });

  it("gives up on a receiver that never answers, after the timeout", async () => {
    receiver = await webhookReceiver(() => null);
    const { err, ms } = await failure(new WebhookSender({ url: receiver.url, timeoutMs: 300 }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).toContain("no answer within 300 ms");
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(3000);
  });

  it("fails with OtpSendError when nothing listens", async () => {
    const { err } = await failure(new WebhookSender({ url: `http://127.0.0.1:${await closedPort()}/hook`, timeoutMs: 2000 }).send(msg()));
    expect(err).toBeInstanceOf(OtpSendError);
    expect((err as OtpSendError).message).toContain("unreachable");
    expect((err as OtpSendError).logLine()).toContain("ECONNREFUSED"); // the operator sees why
  });
});

describe("createOtpSender", () => {
  const base = { dataDir: "", smtpUrl: undefined, otpFrom: "Wildlife Tracker <no-reply@localhost>", otpWebhookUrl: undefined, otpWebhookSecret: undefined };

  it("builds the sender WT_OTP_SENDER names", async () => {
    const dataDir = path.join(tmp, "factory");
    const outbox = createOtpSender({ ...base, otpSender: "outbox", dataDir });
    expect(outbox.kind).toBe("outbox");
    await outbox.send(msg());
    expect(JSON.parse(await readFile(path.join(dataDir, "outbox.jsonl"), "utf8"))).toEqual(msg());
    const smtp = createOtpSender({ ...base, otpSender: "smtp", smtpUrl: "smtp://u:p@127.0.0.1:2525" });
    expect(smtp.kind).toBe("smtp");
    await smtp.close?.();
    expect(createOtpSender({ ...base, otpSender: "webhook", otpWebhookUrl: "http://127.0.0.1:9/hook" }).kind).toBe("webhook");
  });

  it("refuses smtp or webhook without its URL", () => {
    expect(() => createOtpSender({ ...base, otpSender: "smtp" })).toThrow(/WT_SMTP_URL/);
    expect(() => createOtpSender({ ...base, otpSender: "webhook" })).toThrow(/WT_OTP_WEBHOOK_URL/);
  });
});
