// Webhook sender: POSTs {to,code,purpose,ts} to WT_OTP_WEBHOOK_URL (e.g. an SMS gateway), signed like
// alert webhooks when WT_OTP_WEBHOOK_SECRET is set. The URL comes from the operator, not from users,
// so the alert webhooks' private-address guard does not apply. Redirects are not followed: the
// signed body holds a live code and must reach only the configured URL.
import { signBody } from "../../alerts/webhook-dispatcher.ts";
import { OtpSendError, type OtpMessage, type OtpSender } from "./types.ts";

export interface WebhookSenderOptions {
  url: string;
  secret?: string | undefined;
  /** Whole-request limit. Default 10 000 ms. */
  timeoutMs?: number;
}

export class WebhookSender implements OtpSender {
  readonly kind = "webhook";
  private readonly timeoutMs: number;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(m: OtpMessage): Promise<void> {
    const body = JSON.stringify({ to: m.to, code: m.code, purpose: m.purpose, ts: m.ts });
    const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "wildlife-tracker-otp/1" };
    if (this.opts.secret) headers["X-WT-Signature"] = signBody(this.opts.secret, body);
    let res: Response;
    try {
      res = await fetch(this.opts.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const timedOut = (err as Error).name === "TimeoutError";
      const why = timedOut ? `no answer within ${this.timeoutMs} ms` : "the receiver is unreachable";
      throw new OtpSendError(this.kind, `could not send the code: ${why}`, { cause: err });
    }
    await res.body?.cancel().catch(() => {}); // the answer's body is not needed; free the connection
    if (res.status >= 200 && res.status <= 299) return;
    const redirect = res.status >= 300 && res.status <= 399 ? ", redirects are not followed" : "";
    throw new OtpSendError(this.kind, `could not send the code: the receiver answered HTTP ${res.status}${redirect}`);
  }
}
