// Picks the OTP sender named by WT_OTP_SENDER.
import type { Config } from "../../engine/config.ts";
import { OutboxSender } from "./outbox.ts";
import { SmtpSender } from "./smtp.ts";
import type { OtpSender } from "./types.ts";
import { WebhookSender } from "./webhook.ts";

export { OutboxSender } from "./outbox.ts";
export { SmtpSender, otpEmail, type SmtpSenderOptions } from "./smtp.ts";
export { WebhookSender, type WebhookSenderOptions } from "./webhook.ts";
export { OtpSendError, type OtpMessage, type OtpSender } from "./types.ts";

export type OtpSenderConfig = Pick<Config, "otpSender" | "dataDir" | "smtpUrl" | "otpFrom" | "otpWebhookUrl" | "otpWebhookSecret">;

/** The configured sender. loadConfig already requires the URL of the chosen one; this re-checks for hand-built configs. */
export function createOtpSender(config: OtpSenderConfig): OtpSender {
  switch (config.otpSender) {
    case "outbox":
      return new OutboxSender(config.dataDir);
    case "smtp":
      if (!config.smtpUrl) throw new Error("WT_OTP_SENDER=smtp needs WT_SMTP_URL");
      return new SmtpSender({ url: config.smtpUrl, from: config.otpFrom });
    case "webhook":
      if (!config.otpWebhookUrl) throw new Error("WT_OTP_SENDER=webhook needs WT_OTP_WEBHOOK_URL");
      return new WebhookSender({ url: config.otpWebhookUrl, secret: config.otpWebhookSecret });
  }
}
