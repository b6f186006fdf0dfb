import { type SMTPSink, startSMTPSink } from "@superoauth/adapter-mail/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";
import { freePort, launchChromium } from "./browser.ts";

// A person's path through the mailed links, in a real browser: Debian's Chromium driven by
// playwright-core (never a downloaded browser). The service listens on 127.0.0.1 and mails
// through a real SMTP sink; the browser opens the very link the mail carries.

const database = useTestDatabase();
let sink: SMTPSink;
let service: Service;
let browser: Browser;
let baseURL: string;
const password = "Browser-pass1!";

beforeAll(async () => {
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  sink = await startSMTPSink();
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      DATABASE_URL: database.url(),
      JWT_SECRET: "browser-test-secret-0123456789-abcdefghijkl",
      SMTP_URL: sink.url,
      MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
      APP_URL: baseURL,
    },
    () => "unused",
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  service = await composeService(parsed.config, undefined);
  await service.app.listen({ host: "127.0.0.1", port });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  await sink?.close();
});

async function api(path: string, body: unknown, token?: string) {
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { data: Record<string, unknown> } };
}

function linkIn(text: string, page: string): string {
  const match = new RegExp(`${baseURL.replaceAll(".", "\\.")}/${page}#token=\\S+`).exec(text);
  if (match === null) throw new Error(`no ${page} link in the mail:\n${text}`);
  return match[0];
}

describe("the mailed links in a real browser", () => {
  it("the verification link verifies the address and leaves no token in the address bar", async () => {
    const registered = await api("/auth/register", {
      email: "browser@example.com",
      password,
      nickname: "browser",
    });
    expect(registered.status).toBe(201);
    const mail = await sink.waitForMail(
      (m) => m.to.includes("browser@example.com") && /verify/i.test(m.subject),
    );

    const page = await browser.newPage();
    await page.goto(linkIn(mail.text, "verify-email"));
    await page.getByText("Your email address is verified").waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).hash).toBe("");
    await page.close();

    const me = await api("/auth/me", undefined, String(registered.json.data.accessToken));
    expect((me.json.data.user as { emailVerified: boolean }).emailVerified).toBe(true);
  });

  it("the same verification link opened again says it is no longer valid", async () => {
    const mail = await sink.waitForMail(
      (m) => m.to.includes("browser@example.com") && /verify/i.test(m.subject),
    );
    const page = await browser.newPage();
    await page.goto(linkIn(mail.text, "verify-email"));
    await page.locator("#status.error").waitFor({ timeout: 10_000 });
    await page.close();
  });

  it("the reset link lets the person choose a new password, which then signs in", async () => {
    await api("/auth/forgot-password", { email: "browser@example.com" });
    const mail = await sink.waitForMail(
      (m) => m.to.includes("browser@example.com") && /reset/i.test(m.subject),
    );

    const page = await browser.newPage();
    await page.goto(linkIn(mail.text, "reset-password"));
    await page.fill("#password", "Brand-new-pass2!");
    await page.fill("#confirm", "Brand-new-pass2!");
    await page.click("button[type=submit]");
    await page.getByText("Your password is changed").waitFor({ timeout: 10_000 });
    await page.screenshot({ path: "test-results/reset-password.png" }).catch(() => undefined);
    await page.close();

    expect((await api("/auth/login", { email: "browser@example.com", password })).status).toBe(401);
    expect(
      (await api("/auth/login", { email: "browser@example.com", password: "Brand-new-pass2!" })).status,
    ).toBe(200);
  });

  it("the reset page opened without a token (a security notice's link) asks for the address and mails a reset link", async () => {
    const before = sink.mails.length;
    const page = await browser.newPage();
    await page.goto(`${baseURL}/reset-password`);
    await page.getByLabel("Email address").fill("browser@example.com");
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByText("a link to choose a new password is on its way").waitFor({ timeout: 10_000 });
    await page.screenshot({ path: "test-results/reset-password-request.png" }).catch(() => undefined);
    await page.close();

    const mail = await sink.waitForMail(
      (m) =>
        sink.mails.indexOf(m) >= before && m.to.includes("browser@example.com") && /reset/i.test(m.subject),
    );
    expect(linkIn(mail.text, "reset-password")).toContain("#token=");
  });

  it("a weak password is refused on the page with the API's message, and the same link then works", async () => {
    const before = sink.mails.length;
    await api("/auth/forgot-password", { email: "browser@example.com" });
    // The newest reset mail: the earlier one's link is spent.
    const mail = await sink.waitForMail(
      (m) =>
        sink.mails.indexOf(m) >= before && m.to.includes("browser@example.com") && /reset/i.test(m.subject),
    );
    const page = await browser.newPage();
    await page.goto(linkIn(mail.text, "reset-password"));
    await page.fill("#password", "alllowercase");
    await page.fill("#confirm", "alllowercase");
    await page.click("button[type=submit]");
    await page.getByText("must contain an uppercase letter").waitFor({ timeout: 10_000 });
    await page.fill("#password", "Third-pass-3!");
    await page.fill("#confirm", "Third-pass-3!");
    await page.click("button[type=submit]");
    await page.getByText("Your password is changed").waitFor({ timeout: 10_000 });
    await page.close();
    expect(
      (await api("/auth/login", { email: "browser@example.com", password: "Third-pass-3!" })).status,
    ).toBe(200);
  });
});
