import { resolve } from "node:path";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { type CLIOutcome, runMaintenanceCLI } from "./run-cli.ts";
import { integrationTestConfig, integrationTestSecrets } from "./test-config.ts";

// Rotating TOTP_ENCRYPTION_KEY (docs/operations.md): a service on the new key with the old one as
// TOTP_ENCRYPTION_KEY_PREVIOUS still signs in a 2FA user; `pnpm totp:rekey`, run as its own
// process, moves every secret to the new key; after it, the old key may go.

const database = useTestDatabase();
const cli = resolve(import.meta.dirname, "../src/cli/totp-rekey.ts");
const clock = new ManualClock(new Date());
const password = "Integr4tion-pass!";
const oldKey = integrationTestSecrets.TOTP_ENCRYPTION_KEY;
const newKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
let totpSecret = "";

function rekey(env: Record<string, string>): Promise<CLIOutcome> {
  return runMaintenanceCLI({ file: cli, databaseURL: database.url(), secrets: integrationTestSecrets, env });
}

async function startService(env: Record<string, string>): Promise<Service> {
  return composeService(integrationTestConfig({ DATABASE_URL: database.url(), ...env }), undefined, {
    clock,
  });
}

async function post(service: Service, path: string, payload: unknown, token?: string) {
  return service.app.inject({
    method: "POST",
    url: `/api/v1${path}`,
    payload: payload as Record<string, unknown>,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** Signs in with the password and a fresh TOTP code: the status of the second step. */
async function signInWithTOTP(service: Service): Promise<number> {
  clock.advance(30_000);
  const challenge = await post(service, "/auth/login", { email: "grace@example.com", password });
  expect(challenge.json().data).toMatchObject({ mfaRequired: true });
  const code = await generateTOTPCode({ secret: totpSecret, now: clock.now() });
  const verified = await post(service, "/auth/2fa/verify", {
    mfaToken: challenge.json().data.mfaToken,
    code,
  });
  return verified.statusCode;
}

describe("rotating TOTP_ENCRYPTION_KEY", { timeout: 60_000 }, () => {
  // One story, kept in this order when the run shuffles tests (shuffle: false): a 2FA account's
  // secret stored under the old key; the new key alone refuses it; the new key with the old one as
  // previous signs in and totp:rekey moves it; then the new key alone opens it and the old does not.
  describe("from the old key to the new one", { shuffle: false }, () => {
    beforeAll(async () => {
      const service = await startService({});
      try {
        const registered = await post(service, "/auth/register", {
          email: "grace@example.com",
          password,
          nickname: "grace",
        });
        expect(registered.statusCode).toBe(201);
        const token = registered.json().data.accessToken;
        // 2FA is turned on only on a verified address (as its mailed link would verify it).
        await service.storage.users.markEmailVerified({
          userId: registered.json().data.user.id,
          now: clock.now(),
        });
        const setup = await post(service, "/auth/2fa/setup", undefined, token);
        ({ secret: totpSecret } = setup.json().data);
        const code = await generateTOTPCode({ secret: totpSecret, now: clock.now() });
        expect((await post(service, "/auth/2fa/enable", { code }, token)).statusCode).toBe(200);
      } finally {
        await service.close();
      }
    });

    it("refuses to run without the service's key, and names the secrets no key given opens", async () => {
      const withoutKey = await rekey({ TOTP_ENCRYPTION_KEY: "" });
      expect(withoutKey.code).toBe(1);
      expect(withoutKey.stderr).toContain("TOTP_ENCRYPTION_KEY is not set");

      const wrongKey = await rekey({ TOTP_ENCRYPTION_KEY: newKey });
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toMatch(
        /0 re-encrypted under TOTP_ENCRYPTION_KEY\n {2}1 decrypt under none of the keys given/,
      );
      expect(wrongKey.stderr).toContain("TOTP_ENCRYPTION_KEY_PREVIOUS");
    });

    it("a new key with the old one as previous signs in; totp:rekey moves the secret; then the new key alone does", async () => {
      const rotating = await startService({
        TOTP_ENCRYPTION_KEY: newKey,
        TOTP_ENCRYPTION_KEY_PREVIOUS: oldKey,
      });
      try {
        expect(await signInWithTOTP(rotating)).toBe(200);
      } finally {
        await rotating.close();
      }

      const moved = await rekey({ TOTP_ENCRYPTION_KEY: newKey, TOTP_ENCRYPTION_KEY_PREVIOUS: oldKey });
      expect(moved.stderr).toBe("");
      expect(moved.code).toBe(0);
      expect(moved.stdout).toContain("1 re-encrypted under TOTP_ENCRYPTION_KEY");
      expect(moved.stdout).toContain("remove TOTP_ENCRYPTION_KEY_PREVIOUS from every instance");

      const renewed = await startService({ TOTP_ENCRYPTION_KEY: newKey });
      try {
        expect(await signInWithTOTP(renewed)).toBe(200);
      } finally {
        await renewed.close();
      }
      // And the old key no longer opens it.
      const old = await rekey({ TOTP_ENCRYPTION_KEY: oldKey });
      expect(old.code).toBe(1);
    });
  });

  it("answers an argument with its usage (exit 2), and a database that does not answer with what to check (exit 1)", async () => {
    const usage = await runMaintenanceCLI({
      file: cli,
      args: ["--all"],
      databaseURL: database.url(),
      secrets: integrationTestSecrets,
      env: { TOTP_ENCRYPTION_KEY: newKey },
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^Unknown option '--all'.*\nUsage: pnpm totp:rekey/s);
    expect(usage.stdout).toBe("");

    const unreachable = await runMaintenanceCLI({
      file: cli,
      databaseURL: "mysql://admin:hunter2@127.0.0.1:1/app",
      secrets: integrationTestSecrets,
      env: { TOTP_ENCRYPTION_KEY: newKey, TOTP_ENCRYPTION_KEY_PREVIOUS: oldKey },
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      "Re-encrypting the TOTP secrets of mysql://admin:***@127.0.0.1:1/app failed.\nNothing answers at 127.0.0.1:1",
    );
    expect(unreachable.stderr).not.toContain("hunter2");
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a TOTP_ENCRYPTION_KEY_PREVIOUS that is not keys", async () => {
    const outcome = await rekey({
      TOTP_ENCRYPTION_KEY: newKey,
      TOTP_ENCRYPTION_KEY_PREVIOUS: `${oldKey},short`,
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("TOTP_ENCRYPTION_KEY_PREVIOUS");
    expect(outcome.stderr).not.toContain(oldKey);
  });
});
