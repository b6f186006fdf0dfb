import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { type Config, parseConfig } from "../src/config.ts";

/**
 * The configuration the reliability tests (races, faults) compose the service with: test secrets,
 * rate limits far above what a test spends, an outbox under the temporary directory, plus the
 * test's own `env`.
 */
export function reliabilityTestConfig(env: Record<string, string>): Config {
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      JWT_SECRET: "integration-test-secret-0123456789-abcdefghij",
      TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      RATE_LIMIT_REGISTER_MAX: "10000",
      RATE_LIMIT_LOGIN_MAX: "10000",
      RATE_LIMIT_GENERAL_MAX: "10000",
      RATE_LIMIT_EMAIL_MAX: "10000",
      // Without SMTP_URL mails go to the outbox: keep them out of the working directory.
      OUTBOX_DIR: join(tmpdir(), "superoauth-reliability-outbox"),
      ...env,
    },
    () => "unused",
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.config;
}

/** Asserts the status and that the body is exactly the contract's error envelope with this code. */
export function expectErrorEnvelope(
  response: { statusCode: number; json(): unknown },
  code: string,
  status: number,
): void {
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: { success: false, error: code, message: expect.stringMatching(/\S/) },
  });
}

/** Polls `check` every 50 ms until it holds; returns how long that took, or throws after `limitMs`. */
export async function timeUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not reached within ${limitMs} ms`);
}
