// The contract between the OTP flows (register, login) and whatever carries a code to a person.

/** One code on its way to one recipient. `to` is an e-mail address (or what the webhook's gateway expects). */
export interface OtpMessage {
  to: string;
  code: string;
  purpose: "register" | "login" | (string & {});
  /** When the code was issued, ISO 8601. */
  ts: string;
}

/** Delivers codes; `send` resolves once the code is handed over, or rejects with OtpSendError. */
export interface OtpSender {
  readonly kind: string;
  send(m: OtpMessage): Promise<void>;
  /** Releases connections; call on shutdown. */
  close?(): Promise<void>;
}

/**
 * A code could not be delivered. The message is safe to show to the user (no secrets, addresses or
 * server replies); the detail worth logging is in `cause`. The HTTP layer answers 503.
 */
export class OtpSendError extends Error {
  constructor(
    readonly sender: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OtpSendError";
  }

  /** One line for the server log: the safe message plus the chain of causes (fetch hides ECONNREFUSED one level down). */
  logLine(): string {
    const parts = [`otp (${this.sender}): ${this.message}`];
    let c = this.cause as { code?: string; message?: string; cause?: unknown } | undefined;
    for (let depth = 0; c && depth < 3; depth++, c = c.cause as typeof c) {
      parts.push(`${c.code ? `${c.code} ` : ""}${c.message ?? String(c)}`);
    }
    return parts.join(": ");
  }
}
