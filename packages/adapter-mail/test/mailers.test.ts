import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Email } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBackgroundMailer,
  createOutboxMailer,
  createSMTPMailer,
  type MailLog,
  outboxFileName,
} from "../src/index.ts";
import { describeMailError } from "../src/mail-log.ts";
import { smtpConnection } from "../src/smtp-connection.ts";
import { addressOffLoopback, type SMTPSink, startSMTPSink, tokenFromReceivedMail } from "./smtp-sink.ts";

const mail = {
  kind: "verification" as const,
  to: "ada@example.com" as Email,
  subject: "Verify your email address",
  text: "Open http://localhost:3000/verify-email#token=0190a000-0000-7000-8000-000000000001.SECRET_abcdefghijklmnopqrstuvwxyz0123456789 now",
  html: '<p><a href="http://localhost:3000/verify-email#token=0190a000-0000-7000-8000-000000000001.SECRET_abcdefghijklmnopqrstuvwxyz0123456789">Verify</a></p>',
};

/** Keeps every log entry, to check what was (and was not) logged. */
function recordingLog(): MailLog & { entries: { level: string; details: object; message: string }[] } {
  const entries: { level: string; details: object; message: string }[] = [];
  const at = (level: string) => (details: object, message: string) =>
    void entries.push({ level, details, message });
  return { entries, info: at("info"), warn: at("warn"), error: at("error") };
}

let sink: SMTPSink;
beforeAll(async () => {
  sink = await startSMTPSink();
});
afterAll(async () => {
  await sink.close();
});

describe("createSMTPMailer", () => {
  it("delivers a mail with both bodies, from MAIL_FROM, to a real SMTP server", async () => {
    const mailer = createSMTPMailer({ url: sink.url, from: "SuperOAuth <no-reply@superoauth.test>" });
    try {
      await mailer.sendMail(mail);
    } finally {
      mailer.close();
    }
    const received = await sink.waitForMail((m) => m.to.includes("ada@example.com"));
    expect(received).toMatchObject({
      from: "no-reply@superoauth.test",
      fromHeader: '"SuperOAuth" <no-reply@superoauth.test>',
      subject: "Verify your email address",
      autoSubmitted: "auto-generated",
    });
    expect(received.text.trim()).toBe(mail.text);
    expect(received.html).toContain(mail.html);
    expect(tokenFromReceivedMail(received)).toBe(
      "0190a000-0000-7000-8000-000000000001.SECRET_abcdefghijklmnopqrstuvwxyz0123456789",
    );
  });

  it("rejects with the server's answer when the server refuses the mail", async () => {
    const mailer = createSMTPMailer({ url: sink.url, from: "no-reply@superoauth.test" });
    sink.failNext(1);
    try {
      await expect(mailer.sendMail(mail)).rejects.toMatchObject({ responseCode: 451 });
    } finally {
      mailer.close();
    }
  });

  it("gives up on a server that accepts the connection but never greets, after its timeout", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const mailer = createSMTPMailer({
      url: `smtp://127.0.0.1:${address.port}`,
      from: "no-reply@superoauth.test",
      timeoutMs: 300,
    });
    const started = performance.now();
    try {
      await expect(mailer.sendMail(mail)).rejects.toMatchObject({ code: "ETIMEDOUT" });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      mailer.close();
      silent.close();
    }
  });
});

/** A background mailer over SMTP to the sink: 4 attempts 5 ms apart, its log and outcomes kept. */
function backgroundSMTPMailer() {
  const log = recordingLog();
  const smtp = createSMTPMailer({ url: sink.url, from: "no-reply@superoauth.test" });
  const outcomes: string[] = [];
  const mailer = createBackgroundMailer({
    mailer: smtp,
    log,
    attempts: 4,
    firstRetryDelayMs: 5,
    onDelivery: (outcome) => outcomes.push(outcome),
  });
  return { log, smtp, outcomes, mailer };
}

describe("SMTP without TLS (ADR 0064)", () => {
  it("sends nothing to a server off this machine that offers no STARTTLS: the login and the links would cross in plain text", async () => {
    const remote = await startSMTPSink({ host: addressOffLoopback() });
    const mailer = createSMTPMailer({ url: remote.url, from: "no-reply@superoauth.test" });
    try {
      await expect(mailer.sendMail(mail)).rejects.toMatchObject({
        code: "ETLS",
        message: expect.stringContaining("STARTTLS"),
      });
      expect(remote.messageIdsOffered).toEqual([]);
      expect(remote.mails).toEqual([]);
    } finally {
      mailer.close();
      await remote.close();
    }
  });

  it("sends to such a server when SMTP_URL says requireTLS=false (a relay on a network trusted)", async () => {
    const remote = await startSMTPSink({ host: addressOffLoopback() });
    const mailer = createSMTPMailer({
      url: `${remote.url}?requireTLS=false`,
      from: "no-reply@superoauth.test",
    });
    try {
      await mailer.sendMail(mail);
      expect((await remote.waitForMail((m) => m.to.includes("ada@example.com"))).subject).toBe(mail.subject);
    } finally {
      mailer.close();
      await remote.close();
    }
  });

  it("requires STARTTLS of every server but one on the loopback interface, unless the URL says otherwise", () => {
    expect(smtpConnection("smtp://127.0.0.1:25").requireTLS).toBe(false);
    expect(smtpConnection("smtp://[::1]:25").requireTLS).toBe(false);
    expect(smtpConnection("smtp://user:pass@mail.example.com:587").requireTLS).toBe(true);
    // The URL's own options win over these (nodemailer's order): the opt-out is kept as written.
    expect(smtpConnection("smtp://mail.example.com:25?requireTLS=false")).toEqual({
      url: "smtp://mail.example.com:25?requireTLS=false",
      requireTLS: true,
    });
  });
});

describe("createBackgroundMailer", () => {
  it("resolves at once, before the mail server has answered", async () => {
    let release: () => void = () => {};
    const slow = { sendMail: () => new Promise<void>((resolve) => (release = resolve)) };
    const mailer = createBackgroundMailer({ mailer: slow, log: recordingLog() });
    await mailer.sendMail(mail); // would hang here if it waited for delivery
    expect(await mailer.drain({ timeoutMs: 10 })).toEqual({ pending: 1 });
    release();
    expect(await mailer.drain()).toEqual({ pending: 0 });
  });

  it("holds at most its capacity of mails while the server is down, refusing more with an error and a failed outcome", async () => {
    const log = recordingLog();
    const outcomes: string[] = [];
    let attempts = 0;
    const down = {
      sendMail: () => {
        attempts++;
        return Promise.reject(new Error("connect ECONNREFUSED"));
      },
    };
    const mailer = createBackgroundMailer({
      mailer: down,
      log,
      capacity: 3,
      attempts: 2,
      firstRetryDelayMs: 60_000,
      onDelivery: (outcome) => void outcomes.push(outcome),
    });
    for (let i = 0; i < 5; i++) await mailer.sendMail(mail);
    expect(outcomes.filter((outcome) => outcome === "failed")).toHaveLength(2);

    expect(await mailer.drain({ timeoutMs: 10 })).toEqual({ pending: 3 });
    expect(attempts).toBe(3);
    const refused = log.entries.filter((entry) => entry.message.startsWith("mail queue full"));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({
      level: "error",
      details: { to: "a***@example.com", subject: mail.subject, capacity: 3 },
    });
    // The three the stop left undelivered are failed too.
    expect(outcomes.filter((outcome) => outcome === "failed")).toHaveLength(5);
  });

  it("retries a mail the SMTP server refused twice and delivers it on the third attempt", async () => {
    const { log, smtp, outcomes, mailer } = backgroundSMTPMailer();
    const to = "retry@example.com" as Email;
    sink.failNext(2);
    await mailer.sendMail({ ...mail, to });
    await mailer.drain();
    smtp.close();
    expect(outcomes).toEqual(["retrying", "retrying", "delivered"]);

    const delivered = sink.mails.filter((m) => m.to.includes(to));
    expect(delivered).toHaveLength(1);
    // One Message-ID for the three attempts: a server that took a copy and answered too late does
    // not show the person the same mail three times.
    const messageId = delivered[0]?.messageId ?? "";
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@superoauth\.test>$/);
    expect(sink.messageIdsOffered.filter((id) => id === messageId)).toHaveLength(3);
    expect(log.entries.map((e) => [e.level, e.message])).toEqual([
      ["warn", "mail delivery failed; retrying"],
      ["warn", "mail delivery failed; retrying"],
      ["info", "mail delivered"],
    ]);
    expect(log.entries[1]?.details).toMatchObject({ attempt: 2, retryInMs: 25, err: { responseCode: 451 } });
    expect(log.entries.map((e) => (e.details as { to?: string }).to)).toEqual([
      "r***@example.com",
      "r***@example.com",
      "r***@example.com",
    ]);
  });

  it("does not retry a mail the server refuses for good (5xx): one attempt, failed, an error", async () => {
    const { log, smtp, outcomes, mailer } = backgroundSMTPMailer();
    const offered = sink.messageIdsOffered.length;
    sink.failNext(1, 550);
    await mailer.sendMail({ ...mail, to: "gone@example.com" as Email });
    await mailer.drain();
    smtp.close();
    expect(outcomes).toEqual(["failed"]);
    expect(sink.messageIdsOffered.length - offered).toBe(1);
    expect(log.entries).toEqual([
      {
        level: "error",
        details: expect.objectContaining({
          to: "g***@example.com",
          attempt: 1,
          err: expect.objectContaining({ responseCode: 550 }),
        }),
        message:
          "mail refused for good by the server (5xx): not retried; the user must request the mail again",
      },
    ]);
  });

  it("masks an address the subject names, as the recipient's, in every line but the debug one", async () => {
    const log = { ...recordingLog(), debug: () => {} };
    const failing = { sendMail: async () => Promise.reject(new Error("connection refused")) };
    const notice = {
      ...mail,
      kind: "staff_role_granted" as const,
      subject: "grace@example.org was given the support role on SuperOAuth",
    };
    const delivered = createBackgroundMailer({ mailer: { sendMail: async () => {} }, log });
    await delivered.sendMail(notice);
    await delivered.drain();
    const failed = createBackgroundMailer({ mailer: failing, log, attempts: 2, firstRetryDelayMs: 1 });
    await failed.sendMail(notice);
    await failed.drain();
    const full = createBackgroundMailer({ mailer: failing, log, capacity: 0 });
    await full.sendMail(notice);
    expect(
      log.entries.map((entry) => [entry.level, (entry.details as { subject?: string }).subject]),
    ).toEqual([
      ["info", "g***@example.org was given the support role on SuperOAuth"],
      ["warn", "g***@example.org was given the support role on SuperOAuth"],
      ["error", "g***@example.org was given the support role on SuperOAuth"],
      ["error", "g***@example.org was given the support role on SuperOAuth"],
    ]);
    expect(JSON.stringify(log.entries)).not.toContain("grace@example.org");
  });

  it("counts the mails a stop leaves undelivered as failed", async () => {
    const outcomes: string[] = [];
    const mailer = createBackgroundMailer({
      mailer: { sendMail: () => new Promise<void>(() => {}) },
      log: recordingLog(),
      onDelivery: (outcome, kind) => outcomes.push(`${outcome} ${kind}`),
    });
    await mailer.sendMail(mail);
    await mailer.sendMail({ ...mail, kind: "security_notice" });
    expect(await mailer.drain({ timeoutMs: 20 })).toEqual({ pending: 2 });
    expect(outcomes).toEqual(["failed verification", "failed security_notice"]);
  });

  it("gives up after the last attempt with an error naming recipient and subject, never the body", async () => {
    const log = recordingLog();
    let tries = 0;
    const broken = {
      sendMail: async () => {
        tries++;
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNECTION" });
      },
    };
    const outcomes: string[] = [];
    const mailer = createBackgroundMailer({
      mailer: broken,
      log,
      attempts: 3,
      firstRetryDelayMs: 1,
      onDelivery: (outcome, kind) => outcomes.push(`${outcome} ${kind}`),
    });
    await mailer.sendMail(mail);
    await mailer.sendMail({ ...mail, kind: "password_reset" });
    await mailer.drain();

    expect(tries).toBe(6);
    // Each attempt is reported with the kind of its mail (the metric's `kind` label).
    expect(outcomes.filter((outcome) => outcome.endsWith(" verification"))).toEqual([
      "retrying verification",
      "retrying verification",
      "failed verification",
    ]);
    expect(outcomes.filter((outcome) => outcome.endsWith(" password_reset"))).toEqual([
      "retrying password_reset",
      "retrying password_reset",
      "failed password_reset",
    ]);
    const last = log.entries.at(-1);
    expect(last).toMatchObject({
      level: "error",
      details: { to: "a***@example.com", subject: mail.subject, attempt: 3, err: { code: "ECONNECTION" } },
    });
    // The full address is in no line: only the debug one (DEBUG=superoauth:mail) writes it.
    expect(JSON.stringify(log.entries)).not.toContain("ada@example.com");
    expect(last?.message).toMatch(/giving up/);
    expect(JSON.stringify(log.entries)).not.toContain("SECRET_");
  });
});

describe("describeMailError", () => {
  it("masks the addresses a server's reply quotes, keeping the codes", () => {
    const refused = Object.assign(
      new Error(
        "Can't send mail - all recipients were rejected: 550 5.1.1 <ada.lovelace@example.com>: Recipient address rejected",
      ),
      { code: "EENVELOPE", responseCode: 550, command: "RCPT TO" },
    );
    expect(describeMailError(refused)).toEqual({
      code: "EENVELOPE",
      responseCode: 550,
      command: "RCPT TO",
      message:
        "Can't send mail - all recipients were rejected: 550 5.1.1 <a***@example.com>: Recipient address rejected",
    });
    expect(describeMailError("to bob@example.org, carol@example.net")).toEqual({
      message: "to b***@example.org, c***@example.net",
    });
  });

  it("masks addresses whose domain or local part is not ASCII", () => {
    expect(describeMailError("550 5.1.1 <李雷@例子.中国>: Recipient address rejected")).toEqual({
      message: "550 5.1.1 <李***@例子.中国>: Recipient address rejected",
    });
    expect(describeMailError("553 user@bücher.de, 𠮷野家@example.jp unknown")).toEqual({
      message: "553 u***@bücher.de, 𠮷***@example.jp unknown",
    });
    expect(describeMailError("550 <संपर्क@डाटामेल.भारत> unknown")).toEqual({
      message: "550 <स***@डाटामेल.भारत> unknown",
    });
  });
});

describe("createOutboxMailer", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "superoauth-outbox-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("writes the mail as a .txt and a clickable .html, and logs only where", async () => {
    const log = recordingLog();
    const mailer = createOutboxMailer({ directory, from: "no-reply@superoauth.test", log });
    await mailer.sendMail(mail);

    const files = (await readdir(directory)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT.*-verify-your-email-address\.html$/);
    expect(files[1]).toMatch(/\.txt$/);
    const text = await readFile(join(directory, files[1] ?? ""), "utf8");
    expect(text).toContain("To: ada@example.com\nSubject: Verify your email address\n\n");
    expect(text).toContain(mail.text);
    expect(await readFile(join(directory, files[0] ?? ""), "utf8")).toContain(mail.html);

    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]?.message).toBe(`mail written to ${join(directory, files[0] ?? "")}`);
    expect(JSON.stringify(log.entries)).not.toContain("SECRET_");
  });

  it("deletes the mails written before a time, both files of each, and nothing it did not write", async () => {
    const folder = await mkdtemp(join(tmpdir(), "superoauth-outbox-prune-"));
    const mailer = createOutboxMailer({
      directory: folder,
      from: "no-reply@superoauth.test",
      log: recordingLog(),
    });
    const cutoff = new Date("2026-12-06T12:00:00.000Z");
    const before = outboxFileName(mail, new Date(cutoff.getTime() - 1));
    const at = outboxFileName(mail, cutoff);
    // Named like ours but not ours: another extension, a date that is no date, upper-case hex.
    const others = [
      `${before}.eml`,
      "2026-13-45T99-99-99-999Z-abcdef-verify.txt",
      `${before.replace(/-[0-9a-f]{6}-/, "-ABCDEF-")}.txt`,
      "README.txt",
    ];
    for (const name of [`${before}.txt`, `${before}.html`, `${at}.txt`, `${at}.html`, ...others])
      await writeFile(join(folder, name), "x");

    expect(await mailer.deleteMailsWrittenBefore(cutoff)).toBe(2);

    expect((await readdir(folder)).sort()).toEqual([`${at}.html`, `${at}.txt`, ...others].sort());
    await rm(folder, { recursive: true, force: true });
    expect(await mailer.deleteMailsWrittenBefore(cutoff)).toBe(0);
  });
});
