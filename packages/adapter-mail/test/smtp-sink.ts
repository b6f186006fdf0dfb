import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A mail as the sink received and parsed it. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  readonly to: string[];
  /** Envelope sender (MAIL FROM). */
  readonly from: string;
  /** The From header as written. */
  readonly fromHeader: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Message-ID header, with its angle brackets. */
  readonly messageId: string;
  /** The Auto-Submitted header (RFC 3834), "" without one. */
  readonly autoSubmitted: string;
}

/** A real SMTP server on 127.0.0.1 that keeps every mail it receives, for tests. */
export interface SMTPSink {
  /** `smtp://127.0.0.1:<port>` (or its `host`), for SMTP_URL or createSMTPMailer. */
  readonly url: string;
  readonly mails: readonly ReceivedMail[];
  /** The Message-ID of every message sent to it, the ones answered with a failure included. */
  readonly messageIdsOffered: readonly string[];
  /** Resolves with the first mail (received or yet to come) that matches; rejects after `timeoutMs`. */
  waitForMail(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /**
   * Answers the next `count` messages with a temporary failure (451), as a struggling server would,
   * or with `responseCode` (a permanent 550: "no such mailbox").
   */
  failNext(count: number, responseCode?: number): void;
  close(): Promise<void>;
}

/**
 * Starts a sink on a random free port of 127.0.0.1, or of another address of this machine's own
 * (`host`: a server the mailer does not take for a local one), with no TLS and no authentication.
 */
export async function startSMTPSink(options: { host?: string } = {}): Promise<SMTPSink> {
  const host = options.host ?? "127.0.0.1";
  const mails: ReceivedMail[] = [];
  const messageIdsOffered: string[] = [];
  const waiters: { match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }[] = [];
  let failuresLeft = 0;
  let failureCode = 451;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messageIdsOffered.push(parsed.messageId ?? "");
          if (failuresLeft > 0) {
            failuresLeft--;
            const failure = Object.assign(
              new Error(failureCode === 451 ? "Temporary failure, try again later" : "Mailbox unavailable"),
              { responseCode: failureCode },
            );
            callback(failure);
            return;
          }
          const autoSubmitted = parsed.headers.get("auto-submitted");
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            fromHeader: parsed.from?.text ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            messageId: parsed.messageId ?? "",
            autoSubmitted: typeof autoSubmitted === "string" ? autoSubmitted : "",
          };
          mails.push(mail);
          for (const waiter of waiters.splice(0)) {
            if (waiter.match(mail)) waiter.resolve(mail);
            else waiters.push(waiter);
          }
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://${host}:${port}`,
    mails,
    messageIdsOffered,
    waitForMail(match, timeoutMs = 5_000) {
      const found = mails.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        });
      });
    },
    failNext(count, responseCode = 451) {
      failuresLeft = count;
      failureCode = responseCode;
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The token in the first `#token=` link of a received mail's plain-text body. */
export function tokenFromReceivedMail(mail: Pick<ReceivedMail, "text">): string {
  const match = /#token=([A-Za-z0-9._-]+)/.exec(mail.text);
  if (match?.[1] === undefined) throw new Error(`no token link in mail: ${mail.text}`);
  return match[1];
}

/**
 * An IPv4 address of this machine other than loopback: a server there is reached without leaving
 * the machine, yet the mailer cannot tell it from a remote one.
 */
export function addressOffLoopback(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === "IPv4" && !address.internal);
  if (found === undefined) throw new Error("no network interface besides loopback to reach a server at");
  return found.address;
}
