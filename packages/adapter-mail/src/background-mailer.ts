import type { Mailer, MailKind, OutgoingMail } from "@superoauth/application";
import { describeMail, describeMailError, type MailLog } from "./mail-log.ts";

/** A mailer that delivers in the background; `drain` waits for the deliveries under way. */
export interface BackgroundMailer extends Mailer {
  /** Resolves when every mail accepted so far was delivered or given up, or after `timeoutMs`. */
  drain(options?: { timeoutMs?: number }): Promise<{ pending: number }>;
}

export interface BackgroundMailerOptions {
  readonly mailer: Mailer;
  readonly log: MailLog;
  /** Tries per mail, the first included. Default 4. */
  readonly attempts?: number;
  /** Wait before the first retry; each later wait is five times the one before. Default 2 s (2 s, 10 s, 50 s). */
  readonly firstRetryDelayMs?: number;
  /** Told how each attempt ended (delivered, retrying, failed: given up or refused) and of which kind of mail, for metrics. */
  readonly onDelivery?: (outcome: "delivered" | "retrying" | "failed", kind: MailKind) => void;
  /** Mails held at most, being delivered or waiting to retry; one more is refused. Default 1,000. */
  readonly capacity?: number;
}

/**
 * About 3.5 KB each (a verification mail; measured): a few megabytes. A mail server that refuses
 * holds each mail about a minute (2 + 10 + 50 s of waits), so honest traffic fills this only at
 * some 16 mails a second; without a bound, mails arriving faster grew memory without limit.
 */
const defaultCapacity = 1_000;

/**
 * Decouples a user's request from mail delivery: `sendMail` only queues and
 * resolves at once, so a slow or broken mail server neither fails nor slows
 * the request (nor lets response times tell which addresses have accounts).
 * Delivery is tried `attempts` times with exponential backoff; each failure is
 * logged as a warning and the last as an error naming the subject and the
 * recipient, addresses masked (`a***@example.com`: the log outlives the account, and its
 * lines must not pair an address with what happened to it; describeMail), never the body.
 * The full address is logged only at debug (`DEBUG=superoauth:mail`). Mails live in memory only: a restart loses those
 * still waiting, and the user asks again (docs/account-security.md). At most `capacity` mails are
 * held: past that a mail is refused at once, logged as an error and counted as failed, as the
 * background queue refuses a task, so a flood while the mail server is down cannot grow memory
 * without limit (OWASP ASVS 5.0 V15.2: resources bounded).
 */
export function createBackgroundMailer(options: BackgroundMailerOptions): BackgroundMailer {
  const attempts = options.attempts ?? 4;
  const firstRetryDelayMs = options.firstRetryDelayMs ?? 2_000;
  const capacity = options.capacity ?? defaultCapacity;
  /** Each mail being delivered or waiting to retry, with its kind (a stop counts those left as failed). */
  const inFlight = new Map<Promise<void>, MailKind>();
  const onDelivery = options.onDelivery ?? (() => {});

  async function deliver(mail: OutgoingMail): Promise<void> {
    let delayMs = firstRetryDelayMs;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await options.mailer.sendMail(mail);
        options.log.info({ ...describeMail(mail), attempt }, "mail delivered");
        onDelivery("delivered", mail.kind);
        return;
      } catch (error) {
        const details = {
          ...describeMail(mail),
          attempt,
          attempts,
          err: describeMailError(error),
        };
        if (isPermanentRefusal(error)) {
          // RFC 5321 §4.2.1: a 5yz reply is permanent; the same mail would be refused again.
          onDelivery("failed", mail.kind);
          options.log.error(
            details,
            "mail refused for good by the server (5xx): not retried; the user must request the mail again",
          );
          return;
        }
        if (attempt === attempts) {
          onDelivery("failed", mail.kind);
          options.log.error(
            details,
            `mail delivery failed ${attempts} times; giving up: the user must request the mail again`,
          );
          return;
        }
        onDelivery("retrying", mail.kind);
        options.log.warn({ ...details, retryInMs: delayMs }, "mail delivery failed; retrying");
        await sleep(delayMs);
        delayMs *= 5;
      }
    }
  }

  return {
    async sendMail(mail: OutgoingMail): Promise<void> {
      if (inFlight.size >= capacity) {
        onDelivery("failed", mail.kind);
        options.log.error(
          { ...describeMail(mail), capacity },
          "mail queue full: mail dropped; the user must request the mail again",
        );
        return;
      }
      options.log.debug?.({ to: mail.to, subject: mail.subject, queued: inFlight.size + 1 }, "mail queued");
      const delivery = deliver(mail).finally(() => inFlight.delete(delivery));
      inFlight.set(delivery, mail.kind);
    },
    async drain(drainOptions: { timeoutMs?: number } = {}): Promise<{ pending: number }> {
      const all = Promise.allSettled([...inFlight.keys()]).then(() => undefined);
      if (drainOptions.timeoutMs === undefined) {
        await all;
      } else {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainOptions.timeoutMs);
        });
        await Promise.race([all, timeout]);
        clearTimeout(timer);
      }
      // What a stop leaves is lost (mails live in memory): counted as failed, so the alert on
      // failed mail sees a restart during an SMTP outage too.
      for (const kind of inFlight.values()) onDelivery("failed", kind);
      return { pending: inFlight.size };
    },
  };
}

/** An SMTP reply of the 5yz class (nodemailer's `responseCode`): the server will not take this mail. */
function isPermanentRefusal(error: unknown): boolean {
  const code =
    typeof error === "object" && error !== null
      ? (error as { responseCode?: unknown }).responseCode
      : undefined;
  return typeof code === "number" && code >= 500 && code < 600;
}

/** A wait that does not keep the process alive on its own. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
