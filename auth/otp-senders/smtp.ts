// SMTP sender: e-mails the code through the server in WT_SMTP_URL (smtp[s]://user:password@host:port).
// One connection per message: codes are rare, and no pooled connection can go stale in between.
import nodemailer, { type Transporter } from "nodemailer";
import { OtpSendError, type OtpMessage, type OtpSender } from "./types.ts";

export interface SmtpSenderOptions {
  url: string;
  from: string;
  /** Limit for connecting, the greeting and each silence on the socket, and for the whole send. Default 10 000 ms. */
  timeoutMs?: number;
}

const PURPOSE_TEXT: Record<string, string> = { register: "finish creating your account", login: "sign in" };

// One plain address: anything nodemailer would read as a list or a display name could add recipients.
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+$/;

/** Subject and text of the e-mail; the code stays out of the subject so it does not show in inbox previews. */
export function otpEmail(m: OtpMessage): { subject: string; text: string } {
  const why = PURPOSE_TEXT[m.purpose] ?? m.purpose;
  return {
    subject: "Your Wildlife Tracker code",
    text: [
      `Your Wildlife Tracker code is: ${m.code}`,
      "",
      `Enter it to ${why}. It expires in 10 minutes and works once.`,
      "If you did not ask for it, you can ignore this e-mail.",
      "",
    ].join("\n"),
  };
}

/** A reason a user may see: coarse, without the server's reply. */
function reason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === "ETIMEDOUT" || code === "EABORT") return "the mail server did not answer in time";
  if (code === "EAUTH" || code === "ENOAUTH") return "the mail server refused the login";
  if (code === "EENVELOPE" || code === "EMESSAGE") return "the mail server rejected the message";
  return "the mail server is unreachable";
}

export class SmtpSender implements OtpSender {
  readonly kind = "smtp";
  private readonly transport: Transporter;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SmtpSenderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const t = this.timeoutMs;
    // Nodemailer's defaults (2 min to connect, 10 min of socket silence) would hold a request that long.
    this.transport = nodemailer.createTransport({ url: opts.url, connectionTimeout: t, greetingTimeout: t, socketTimeout: t, dnsTimeout: t });
  }

  async send(m: OtpMessage): Promise<void> {
    if (!SINGLE_ADDRESS.test(m.to)) throw new OtpSendError(this.kind, "could not send the code by e-mail: not a single e-mail address");
    try {
      // socketTimeout only bounds silences; the signal bounds a server that answers slowly but forever.
      await this.transport.sendMail({ from: this.opts.from, to: m.to, ...otpEmail(m), signal: AbortSignal.timeout(this.timeoutMs * 3) });
    } catch (err) {
      throw new OtpSendError(this.kind, `could not send the code by e-mail: ${reason(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
