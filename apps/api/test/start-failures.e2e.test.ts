import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "./ports.ts";
import { runServerExpectingFailure } from "./server-process.ts";

// What an operator reads when `pnpm start` cannot start for a reason they can fix: one line saying
// what to do, on a real process, with a non-zero exit code; no JSON, no stack trace.

const productionSecrets = {
  NODE_ENV: "production",
  JWT_SECRET: "Xq7v9Lm2Rt4pZw8kHn3bYc6dFj5sGu1aEo0iWy2x",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

/** The one line on stderr, and nothing like a stack trace or a fatal JSON record anywhere. */
function expectOneLine(output: string, expected: RegExp): void {
  const lines = output.split("\n").filter((line) => line.startsWith("SuperOAuth cannot start"));
  expect(lines, output).toHaveLength(1);
  expect(lines[0]).toMatch(expected);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain('"level":60');
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.drop();
});

describe("start-up failures", () => {
  let holder: Server;
  afterAll(() => holder?.close());

  it("a port already in use names PORT and the lsof command", async () => {
    holder = createServer().listen(0, "127.0.0.1");
    await once(holder, "listening");
    const address = holder.address();
    if (address === null || typeof address === "string") throw new Error("no port");

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: "sqlite::memory:",
      PORT: String(address.port),
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      new RegExp(
        `^SuperOAuth cannot start: Port ${address.port} on 127\\.0\\.0\\.1 is already in use: find what holds it with \`lsof -i :${address.port}\` and stop it, or set PORT to a free port\\.$`,
      ),
    );
  });

  it("a database that does not answer names DATABASE_URL without its password", async () => {
    const port = await closedPort();

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: `mysql://app:DbPassw0rd@127.0.0.1:${port}/superoauth`,
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      new RegExp(
        `DATABASE_URL \\(mysql://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/superoauth\\) cannot be used: Nothing answers at 127\\.0\\.0\\.1:${port}: is MySQL running there`,
      ),
    );
    expect(output).not.toContain("DbPassw0rd");
  });

  it("a database that refuses the login names the user, never the password", async () => {
    const url = new URL(database.url);
    url.username = "superoauth_no_such_user";
    url.password = "WrongPassw0rd";

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: url.toString(),
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /refused the login of user "superoauth_no_such_user": check the user and password in DATABASE_URL/,
    );
    expect(output).toContain("superoauth_no_such_user:***@");
    expect(output).not.toContain("WrongPassw0rd");
  });

  it("a missing or invalid secret is listed with what to do", async () => {
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      TOTP_ENCRYPTION_KEY: "not-a-key",
    });

    expect(code).toBe(1);
    expect(output).toMatch(/^SuperOAuth cannot start; fix the configuration:\n/m);
    expect(output).toMatch(/ {2}- JWT_SECRET is required outside development .*openssl rand -base64 48/);
    expect(output).toMatch(/ {2}- TOTP_ENCRYPTION_KEY is invalid: /);
    expect(output).not.toContain("not-a-key");
    expect(output).not.toMatch(/^\s+at /m);
  });
});
